#!/usr/bin/env bash
# All the tests: set up .venv, fetch CIFAR-10, then the unit tests, the browser test and
# nbval, which re-executes every notebook and compares its outputs with the committed ones.
# They run on two workers (pytest-xdist; each notebook and module stays on one worker,
# longest first: see conftest.py).
# Extra arguments go to pytest (for example: ./run_tests.sh -k data_utils).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
bash scripts/ensure_chromium.sh
./get_datasets.sh
# Without paths pytest runs its testpaths (pyproject.toml): tests/, staff/tests/ where it
# exists, and notebooks/.
python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadscope --no-loadscope-reorder \
    --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout=900 "$@"
