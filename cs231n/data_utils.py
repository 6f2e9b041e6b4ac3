"""Loading CIFAR-10 from the official "python version" batches, safely.

The batches are pickles. Plain ``pickle.load`` would run whatever code a tampered file
asks for, so every batch goes through :class:`RestrictedUnpickler`, which builds only
the few NumPy objects a CIFAR-10 batch is made of, and every batch is checked (shape,
dtype, label range) before it is used.
"""
from __future__ import annotations

import codecs
import os
import pickle
from pathlib import Path

import numpy as np

from cs231n.tools.validation import check_float_dtype

#: Where ``./get_datasets.sh`` puts the data (``CIFAR10_DIR`` overrides it).
DEFAULT_CIFAR10_DIR = Path(__file__).resolve().parent.parent / "datasets" / "cifar-10-batches-py"

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META_FILE = "batches.meta"
#: The seven files of the official archive's ``cifar-10-batches-py/`` folder.
MEMBERS = TRAIN_BATCHES + (TEST_BATCH, META_FILE, "readme.html")

IMAGES_PER_BATCH = 10_000
IMAGE_SHAPE = (32, 32, 3)
NUM_FEATURES = 32 * 32 * 3
NUM_CLASSES = 10
CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_FETCH_HINT = (
    "Run ./get_datasets.sh from the repository root to download it, or, offline, "
    "CIFAR10_ARCHIVE=/path/to/cifar-10-python.tar.gz ./get_datasets.sh to use a local copy."
)


class CIFAR10NotFoundError(FileNotFoundError):
    """The CIFAR-10 folder or one of its batch files is missing."""


class CIFAR10FormatError(ValueError):
    """A CIFAR-10 batch file is corrupt, malformed or not a CIFAR-10 batch."""


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for something a CIFAR-10 batch never contains."""


# The only globals a CIFAR-10 batch pickle refers to: NumPy's array reconstructor
# (under its NumPy 1 and NumPy 2 module names), ndarray and dtype; and _codecs.encode,
# which Python 3 uses to write bytes into protocol-2 pickles (it only turns a str into bytes).
_reconstruct = np.empty(0).__reduce__()[0]  # NumPy's array reconstructor, wherever it lives
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can build NumPy arrays and plain containers, and nothing else.

    Any other global (``os.system``, ``builtins.eval``, ``subprocess.Popen``, ...) is
    refused with :class:`UnsafePickleError` (a ``pickle.UnpicklingError``) before it is looked up, so loading a
    malicious file cannot execute code.
    """

    def find_class(self, module, name):
        found = _ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise UnsafePickleError(
                f"refusing to load global '{module}.{name}': a CIFAR-10 batch only "
                "contains NumPy arrays, lists, strings and numbers"
            )
        return found

    def persistent_load(self, pid):
        raise UnsafePickleError("refusing persistent ids: not part of a CIFAR-10 batch")


def restricted_load(path):
    """Unpickle ``path`` with :class:`RestrictedUnpickler` (Python 2 strings as latin-1)."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, encoding="latin1").load()


def load_CIFAR_batch(filename, dtype=np.float64):
    """Load and check one CIFAR-10 batch file.

    Inputs:
    - filename: path of a batch file (``data_batch_1`` ... ``data_batch_5``, ``test_batch``).
    - dtype: dtype of the returned images (``np.uint8`` keeps the raw pixels).

    Returns a tuple of:
    - X: images, shape (10000, 32, 32, 3), values 0..255 in ``dtype``.
    - Y: labels, shape (10000,), int64 in 0..9.

    Raises CIFAR10NotFoundError if the file is missing and CIFAR10FormatError (naming the
    file) if it is not a well-formed CIFAR-10 batch.
    """
    filename = Path(filename)
    if not filename.is_file():
        raise CIFAR10NotFoundError(f"CIFAR-10 batch {filename} is missing. {_FETCH_HINT}")
    try:
        batch = restricted_load(filename)
    except UnsafePickleError as e:
        raise CIFAR10FormatError(f"{filename}: not a safe CIFAR-10 batch: {e}") from e
    except Exception as e:  # truncated or garbage files raise all sorts of errors
        raise CIFAR10FormatError(
            f"{filename}: corrupt or truncated CIFAR-10 batch ({type(e).__name__}: {e}). {_FETCH_HINT}"
        ) from e
    data, labels = _check_batch(filename, batch)
    X = np.empty((IMAGES_PER_BATCH,) + IMAGE_SHAPE, dtype=dtype)
    # Stored channel-major (1024 red, 1024 green, 1024 blue); convert to (N, H, W, C).
    X[...] = data.reshape(IMAGES_PER_BATCH, 3, 32, 32).transpose(0, 2, 3, 1)
    return X, labels


def _check_batch(filename, batch):
    """Return (data, labels) of a batch dict, or raise CIFAR10FormatError naming the problem."""
    def fail(problem):
        raise CIFAR10FormatError(f"{filename}: {problem}. {_FETCH_HINT}")

    if not isinstance(batch, dict):
        fail(f"expected a dict, found {type(batch).__name__}")
    missing = [key for key in ("data", "labels") if key not in batch]
    if missing:
        fail(f"missing key(s) {missing}")
    data = batch["data"]
    if not isinstance(data, np.ndarray):
        fail(f"'data' should be a NumPy array, found {type(data).__name__}")
    if data.dtype != np.uint8:
        fail(f"'data' should have dtype uint8, found {data.dtype}")
    if data.shape != (IMAGES_PER_BATCH, NUM_FEATURES):
        fail(f"'data' should have shape ({IMAGES_PER_BATCH}, {NUM_FEATURES}), found {data.shape}")
    raw_labels = batch["labels"]
    if not isinstance(raw_labels, (list, tuple, np.ndarray)) or len(raw_labels) != IMAGES_PER_BATCH:
        fail(f"'labels' should be a list of {IMAGES_PER_BATCH} integers")
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in raw_labels):
        fail("'labels' should contain only integers")
    labels = np.asarray(raw_labels, dtype=np.int64)
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        fail(f"labels should lie in 0..{NUM_CLASSES - 1}, found {labels.min()}..{labels.max()}")
    return data, labels


def _resolve_root(root):
    if root is None:
        root = os.environ.get("CIFAR10_DIR") or DEFAULT_CIFAR10_DIR
    root = Path(root)
    if not root.is_dir():
        raise CIFAR10NotFoundError(f"CIFAR-10 folder {root} does not exist. {_FETCH_HINT}")
    return root


def load_CIFAR10(root=None, dtype=np.float64):
    """Load all of CIFAR-10.

    Inputs:
    - root: the ``cifar-10-batches-py`` folder (default: ``$CIFAR10_DIR`` or
      ``datasets/cifar-10-batches-py`` in the repository).
    - dtype: dtype of the images. The arrays are allocated once and filled batch by
      batch, so float32 needs about 0.75 GB and float64 about 1.5 GB.

    Returns a tuple of:
    - Xtr: training images, shape (50000, 32, 32, 3).
    - Ytr: training labels, shape (50000,), int64.
    - Xte: test images, shape (10000, 32, 32, 3).
    - Yte: test labels, shape (10000,), int64.
    """
    root = _resolve_root(root)
    n_train = len(TRAIN_BATCHES) * IMAGES_PER_BATCH
    Xtr = np.empty((n_train,) + IMAGE_SHAPE, dtype=dtype)
    Ytr = np.empty(n_train, dtype=np.int64)
    for i, name in enumerate(TRAIN_BATCHES):
        part = slice(i * IMAGES_PER_BATCH, (i + 1) * IMAGES_PER_BATCH)
        X, Ytr[part] = load_CIFAR_batch(root / name, dtype=np.uint8)
        Xtr[part] = X
    Xte, Yte = load_CIFAR_batch(root / TEST_BATCH, dtype=dtype)
    return Xtr, Ytr, Xte, Yte


def load_class_names(root=None):
    """The ten class names from ``batches.meta`` (falls back to :data:`CLASSES`)."""
    try:
        meta = restricted_load(_resolve_root(root) / META_FILE)
        names = tuple(meta["label_names"])
        if len(names) == NUM_CLASSES and all(isinstance(n, str) for n in names):
            return names
    except (OSError, pickle.UnpicklingError, KeyError, TypeError, EOFError):
        pass
    return CLASSES


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True, dtype=np.float32, cifar10_dir=None):
    """Load CIFAR-10 and split it the way CS231n does.

    - Training: the first ``num_training`` training images.
    - Validation: the ``num_validation`` training images right after them
      (by default images 49,000 to 49,999, which training never sees).
    - Test: the first ``num_test`` images of the test batch.

    If ``subtract_mean`` is true, the mean training image (computed in float64 over the
    training split only) is subtracted from all three splits: the CS231n convention, so
    pixels are centred around 0 but keep their 0..255 scale.

    Inputs:
    - num_training, num_validation, num_test: split sizes;
      num_training + num_validation must not exceed 50,000, num_test 10,000.
    - subtract_mean: subtract the mean training image.
    - dtype: float dtype of the returned images (float32 by default: half the memory
      and faster training; pass np.float64 for the course's original precision).
    - cifar10_dir: the ``cifar-10-batches-py`` folder (default as in load_CIFAR10).

    Returns a dict with:
    - X_train (num_training, 3072), y_train (num_training,)
    - X_val (num_validation, 3072), y_val (num_validation,)
    - X_test (num_test, 3072), y_test (num_test,)
    Each image row is the 32x32x3 image flattened in (height, width, channel) order.
    """
    n_train_total = len(TRAIN_BATCHES) * IMAGES_PER_BATCH
    for name, value in (("num_training", num_training), ("num_validation", num_validation),
                        ("num_test", num_test)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if num_training + num_validation > n_train_total:
        raise ValueError(
            f"num_training + num_validation = {num_training + num_validation} exceeds the "
            f"{n_train_total} CIFAR-10 training images"
        )
    if num_test > IMAGES_PER_BATCH:
        raise ValueError(f"num_test = {num_test} exceeds the {IMAGES_PER_BATCH} CIFAR-10 test images")
    dtype = check_float_dtype(dtype)

    # Load as uint8 (0.18 GB) and convert only the rows we keep.
    Xtr, Ytr, Xte, Yte = load_CIFAR10(cifar10_dir, dtype=np.uint8)
    val = slice(num_training, num_training + num_validation)
    data = {
        "X_train": Xtr[:num_training].reshape(num_training, NUM_FEATURES).astype(dtype),
        "y_train": Ytr[:num_training].copy(),
        "X_val": Xtr[val].reshape(num_validation, NUM_FEATURES).astype(dtype),
        "y_val": Ytr[val].copy(),
        "X_test": Xte[:num_test].reshape(num_test, NUM_FEATURES).astype(dtype),
        "y_test": Yte[:num_test].copy(),
    }
    if subtract_mean and num_training > 0:
        mean_image = data["X_train"].mean(axis=0, dtype=np.float64).astype(dtype)
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= mean_image
    return data
