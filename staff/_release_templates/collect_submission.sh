#!/bin/sh
# Zip your notebooks and cs231n/ into cs231n_submission.zip for upload (see collect_submission.py).
set -e
cd "$(dirname "$0")"
exec "${PYTHON:-python3}" collect_submission.py "$@"
