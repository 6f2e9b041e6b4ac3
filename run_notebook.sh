#!/usr/bin/env bash
# The main job: set up .venv, fetch CIFAR-10, and execute notebooks/two_layer_net.ipynb end to end.
# In the staff's tree (with staff/) the executed copy goes to build/two_layer_net.ipynb and the
# committed notebook is left as it is. In the student version the notebook is executed in
# place, where collect_submission.sh takes it from.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
./get_datasets.sh
if [ -d staff ]; then out=build; else out=notebooks; fi
mkdir -p "$out"
# nbconvert has no widget front end: text progress bars (cs231n/tools/progress.py).
CS231N_TEXT_PROGRESS=1 jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
    --output-dir "$out" --output two_layer_net.ipynb notebooks/two_layer_net.ipynb
echo "Done: the executed notebook is $out/two_layer_net.ipynb (open it with: jupyter lab $out/two_layer_net.ipynb)"
