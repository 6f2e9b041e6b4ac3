#!/usr/bin/env bash
# The main job: set up .venv, fetch CIFAR-10, and execute notebooks/two_layer_net.ipynb end to end.
# The executed copy goes to build/two_layer_net.ipynb (the committed notebook is left as it is).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
./get_datasets.sh
mkdir -p build
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
    --output-dir build --output two_layer_net.ipynb notebooks/two_layer_net.ipynb
echo "Done: the executed notebook is build/two_layer_net.ipynb (open it with: jupyter lab build/two_layer_net.ipynb)"
