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
workers="${PYTEST_WORKERS:-2}"
# Each worker, and each notebook kernel it starts, gets an equal share of the cores as BLAS
# threads (one each on 2 cores). Two workers with a BLAS thread per core each would
# oversubscribe the cores: OpenBLAS's spinning threads then made two trainings side by side
# 2.8 times slower each, and the whole suite 1.3 times slower. A value already set in the
# environment wins.
cores="$(python -c 'import os; print(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())')"
case "$workers" in
    ''|*[!0-9]*|0) threads=1 ;;  # "auto" or no workers: one thread per process is safe
    *) threads=$(( cores / workers > 0 ? cores / workers : 1 )) ;;
esac
for var in OPENBLAS_NUM_THREADS OMP_NUM_THREADS MKL_NUM_THREADS VECLIB_MAXIMUM_THREADS; do
    export "$var=${!var:-$threads}"
done
# --timeout (pytest-timeout): a test that hangs fails after 10 minutes (the longest take one
# to three) instead of holding up the whole run; the one longer test sets its own.
python -m pytest -n "$workers" --dist loadscope --no-loadscope-reorder --timeout=600 \
    --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout=900 "$@"
