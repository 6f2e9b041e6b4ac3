#!/usr/bin/env bash
# All the tests: set up .venv, fetch CIFAR-10, then the unit tests, the browser test and
# nbval, which re-executes every notebook and compares its outputs with the committed ones.
# Extra arguments go to pytest (for example: ./run_tests.sh -k data_utils).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
bash scripts/ensure_chromium.sh
./get_datasets.sh
python -m pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg \
    --nbval-cell-timeout=900 tests notebooks "$@"
