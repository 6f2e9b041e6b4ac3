"""Write a reshuffled copy of CIFAR-10, in the official layout, for robustness checks.

The notebooks' outputs must not depend on which faithful copy of CIFAR-10 they read. A copy
with the same images in another order changes every split the notebooks make (the
validation set is the last 1,000 training images, the test subset the first 1,000 test
images), so running nbval against it shows whether any committed output leans on the
particular images rather than on what the notebook teaches::

    python -m staff.reshuffled_cifar /tmp/cifar-reshuffled            # seed 1
    CIFAR10_DIR=/tmp/cifar-reshuffled OPENBLAS_NUM_THREADS=1 \\
        python -m pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg notebooks/

The batches are read through the package's restricted unpickler and written as the official
ones are: protocol-2 pickles of ``{"batch_label", "labels", "data", "filenames"}``.
"""
from __future__ import annotations

import argparse
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np

from cs231n.data_utils import (
    DEFAULT_CIFAR10_DIR,
    IMAGES_PER_BATCH,
    META_FILE,
    TEST_BATCH,
    TRAIN_BATCHES,
    restricted_load,
)


def _read(path):
    """(data (n, 3072) uint8, labels list, filenames list) of one official batch file."""
    batch = restricted_load(path)
    return np.asarray(batch["data"]), list(batch["labels"]), list(batch["filenames"])


def _write(path, label, data, labels, filenames):
    batch = {"batch_label": label, "labels": [int(v) for v in labels],
             "data": np.ascontiguousarray(data), "filenames": list(filenames)}
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


def write_reshuffled(source, dest, seed=1):
    """Write ``source``'s CIFAR-10 batches to ``dest`` with the images in a new order.

    Inputs:
    - source: an official ``cifar-10-batches-py`` folder.
    - dest: the folder to write (created; must not exist yet, so nothing is overwritten).
    - seed: seed of the permutations (training images across all five batches; test images).

    Returns the path of ``dest``.
    """
    source, dest = Path(source), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} exists; pick a new folder (nothing was changed)")
    rng = np.random.default_rng(seed)
    parts = [_read(source / name) for name in TRAIN_BATCHES]
    data = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    names = np.array(sum((p[2] for p in parts), []), dtype=object)
    order = rng.permutation(len(data))
    data, labels, names = data[order], labels[order], names[order]
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for i, name in enumerate(TRAIN_BATCHES):
        s = slice(i * IMAGES_PER_BATCH, (i + 1) * IMAGES_PER_BATCH)
        _write(tmp / name, f"reshuffled training batch {i + 1} of 5",
               data[s], labels[s], names[s])
    test_data, test_labels, test_names = _read(source / TEST_BATCH)
    order = rng.permutation(len(test_data))
    _write(tmp / TEST_BATCH, "reshuffled testing batch 1 of 1",
           test_data[order], np.asarray(test_labels)[order], np.array(test_names, dtype=object)[order])
    for name in (META_FILE, "readme.html"):
        if (source / name).is_file():
            shutil.copy2(source / name, tmp / name)
    tmp.rename(dest)  # only a complete copy gets the requested name
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", help="folder to write (must not exist)")
    parser.add_argument("--source", default=str(DEFAULT_CIFAR10_DIR),
                        help="official cifar-10-batches-py folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        dest = write_reshuffled(args.source, args.dest, args.seed)
    except (FileExistsError, FileNotFoundError) as e:
        sys.exit(f"reshuffled_cifar: {e}")
    print(f"reshuffled_cifar: wrote {dest} (seed {args.seed})")


if __name__ == "__main__":
    main()
