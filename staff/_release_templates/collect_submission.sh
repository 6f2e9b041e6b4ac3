#!/bin/sh
# Zip your notebooks and cs231n/ into cs231n_submission.zip for upload (see collect_submission.py),
# with the project's .venv when there is one (PYTHON=... to choose another Python).
set -e
cd "$(dirname "$0")"
if [ -n "${PYTHON:-}" ]; then
    python="$PYTHON"
elif [ -x .venv/bin/python ]; then
    python=.venv/bin/python
else
    python=python3
    if [ -z "${VIRTUAL_ENV:-}" ] && ! python3 -c 'import google.colab' 2>/dev/null; then
        echo "collect_submission: no .venv here, so using $(command -v python3 || echo python3)." >&2
        echo "  To get one (with nbconvert for the PDF): source scripts/setup_env.sh" >&2
    fi
fi
exec "$python" collect_submission.py "$@"
