# Source this file: it creates .venv (once), installs requirements.txt and the package
# into it (again only when those files change), and activates it.
# Usage: source scripts/setup_env.sh
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_venv="${VENV:-$_root/.venv}"
_python="${PYTHON:-python3}"

if ! "$_python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "error: Python 3.10 or newer is needed ('$_python' is $("$_python" --version 2>&1))." >&2
    return 1 2>/dev/null || exit 1
fi
if [ ! -x "$_venv/bin/python" ]; then
    echo "Creating the virtual environment $_venv"
    "$_python" -m venv "$_venv" || { echo "error: could not create $_venv (on Debian/Ubuntu: apt-get install python3-venv)" >&2; return 1 2>/dev/null || exit 1; }
fi
# The stamp covers this script too, so that a change to the install steps reaches an
# existing .venv.
_stamp="$_venv/.installed-$(cat "$_root/requirements.txt" "$_root/pyproject.toml" "${BASH_SOURCE[0]}" | cksum | cut -d' ' -f1)"
if [ ! -f "$_stamp" ]; then
    echo "Installing requirements into $_venv (first run takes a few minutes)"
    "$_venv/bin/python" -m pip install --quiet --upgrade pip &&
    "$_venv/bin/python" -m pip install --quiet -r "$_root/requirements.txt" -e "$_root" &&
    # rfc3987-syntax, an optional IRI-format checker that jsonschema[format-nongpl] brings
    # in for jupyter-events, builds its grammar when imported: 0.8 s of CPU in every process
    # that imports nbformat (every pytest run, through nbval), 1.6 s instead of 0.65 s to
    # start pytest. Nothing here checks IRI formats; without it jsonschema skips that one.
    { "$_venv/bin/python" -m pip uninstall --quiet --yes rfc3987-syntax 2>/dev/null || true; } &&
    rm -f "$_venv"/.installed-* && touch "$_stamp" ||
    { echo "error: installing the requirements failed (see above)" >&2; return 1 2>/dev/null || exit 1; }
fi
# shellcheck disable=SC1091
source "$_venv/bin/activate"
unset _root _venv _python _stamp
