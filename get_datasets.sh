#!/usr/bin/env bash
# Fetch CIFAR-10 (python version) into datasets/cifar-10-batches-py/, safely and only once.
# The work is done by cs231n/tools/fetch.py; this wrapper finds Python and prints the help.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    cat <<'USAGE'
Usage: ./get_datasets.sh [--archive PATH] [--force] [--help]

Puts CIFAR-10 (python version) into datasets/cifar-10-batches-py/ (works from any folder).

By default it downloads https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz with pooch
(in the project's environment: source scripts/setup_env.sh) into a temporary file, with a
progress bar, and checks the MD5 c58f30108f718f92721af3b95e74349a. It then extracts into a
temporary folder and moves the data into place only once it is complete and verified; the
downloaded archive is then deleted. An interrupted download is not resumed: the next run
starts it again. Archive members with absolute paths, '..', links, devices or anything
besides cifar-10-batches-py/ and its seven files are refused. On any failure an existing
dataset is left untouched and the script exits non-zero with a message saying how to fix it.

If the data is already there and matches its manifest (sizes and SHA-256 recorded after a
verified extraction) it does nothing and says so. A folder without a manifest has its
contents checked once and is then adopted.

Options:
  --archive PATH  use a local cifar-10-python.tar.gz instead of downloading (offline use).
                  An archive whose MD5 is not the official one is accepted only after its
                  contents pass the checks (all seven files; five training batches and one
                  test batch of 10,000 images of 3,072 uint8 values, labels 0-9; read with
                  a restricted unpickler). That check needs NumPy (the project's .venv).
                  The archive is only read, never moved or deleted.
  --force         extract again even if a verified copy is already there (the current copy
                  is replaced only once the new one is verified).
  -h, --help      show this help.

Environment:
  CIFAR10_ARCHIVE     same as --archive (the option wins), e.g. offline:
                        CIFAR10_ARCHIVE=/path/to/cifar-10-python.tar.gz ./get_datasets.sh
                      (datasets/cifar-10-python.tar.gz, if present, is used the same way)
  DATASETS_DIR        datasets folder to fill (default: datasets/ next to this script)
  CIFAR10_URL         download from this URL instead (a mirror; https://, http:// or ftp://)
  CIFAR10_MD5         expected MD5 of the archive (default: the official one above)

Exit status: 0 done or nothing to do, 1 failure, 2 bad usage, 130 interrupted.
USAGE
}

for arg in "$@"; do
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --) break ;;
    esac
done

# python3 is the virtual environment's one when a venv is active.
python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null; then
    echo "get_datasets: error: Python 3.8 or newer is needed (install python3, or activate the" \
         "project's environment: source scripts/setup_env.sh)." >&2
    exit 1
fi
exec "$python" "$here/cs231n/tools/fetch.py" "$@"
