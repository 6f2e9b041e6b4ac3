"""Input checks shared by the classifiers: each raises a ValueError that names the problem."""
import numbers

import numpy as np


def positive_int(value, name):
    """``value`` as an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def positive(value, name):
    """``value`` as a float > 0."""
    value = _real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return value


def non_negative(value, name):
    """``value`` as a float >= 0."""
    value = _real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    return value


def float_dtype(dtype):
    """``dtype`` as a NumPy floating-point dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {dtype}")
    return dtype


def features(X, num_features=None, name="X"):
    """A 2-D, finite float array of shape (N, num_features).

    float32 stays float32 (the fast path); every other numeric dtype becomes float64.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, D), got shape {X.shape}")
    if num_features is not None and X.shape[1] != num_features:
        raise ValueError(f"{name} has {X.shape[1]} features per row, expected {num_features}")
    if X.dtype != np.float32:
        X = X.astype(np.float64, copy=False)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return X


def labels(y, num_samples, num_classes=None, name="y"):
    """A 1-D int64 array of ``num_samples`` labels in 0..num_classes-1."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {y.shape}")
    if y.shape[0] != num_samples:
        raise ValueError(f"{name} has {y.shape[0]} labels for {num_samples} samples")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{name} must contain integer class labels, got non-integer values")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integer class labels, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or (num_classes is not None and y.max() >= num_classes)):
        top = "" if num_classes is None else f"..{num_classes - 1}"
        raise ValueError(f"{name} labels must lie in 0{top}, found {y.min()}..{y.max()}")
    return y
