"""Tools that the notebooks use and a learner never needs to edit.

- ``sweep``: hyperparameter sweeps of the two-layer net (parallel, resumable).
- ``widgets``: the learning-rate / regularisation slider explorer.
- ``baselines``: each classifier notebook's saved choice and test accuracy, for the comparisons.
- ``batch_features``: the image features of many images at once (behind ``extract_features``).
- ``fetch``: download, verify and extract CIFAR-10 (behind ``get_datasets.sh``).
- ``blas``: limiting BLAS threads.
- ``progress``: the one progress bar every long loop uses.
- ``train_loop``: what every training loop shares (seeding, the divergence stop).
- ``checkpoint``: the Solver's npz checkpoints.

Your own code goes in ``cs231n/classifiers/`` and the other modules of ``cs231n/``.
"""
