"""Small input checks shared by the classifiers.

Every helper raises ``ValueError`` with a message that names the argument and the
problem (shape, dtype, label range, ...), so a learner who passes the wrong thing sees
what is wrong at once instead of a broadcasting error deep inside the maths.
They return the checked value (as a NumPy array or Python number) and never copy an
array that is already fine, so calling them is cheap.
"""
from __future__ import annotations

import numbers
import weakref

import numpy as np


def check_X(X, name="X", n_features=None):
    """Check a data matrix.

    Inputs:
    - X: array-like of shape (N, D) with N >= 1, D >= 1, real numbers
      (float or integer dtype; bool, complex, object and string arrays are refused),
      all finite (no NaN, no infinity).
    - name: how to call X in the error message.
    - n_features: if given, the required D.

    Returns X as a NumPy array (the same object if X already is one; dtype unchanged).

    Raises ValueError naming the problem.
    """
    try:
        X = np.asarray(X)
    except (ValueError, TypeError) as e:  # ragged nested lists, etc.
        raise ValueError(f"{name} must be a 2-D numeric array: {e}") from e
    if X.dtype == np.bool_ or X.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers (float or int dtype), got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (N, D), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} features (columns), got shape {X.shape}"
        )
    if X.dtype.kind == "f" and not _all_finite(X):
        raise ValueError(f"{name} contains NaN or infinity")
    return X


#: Read-only arrays already found finite, by id (with a weak reference to tell a new array
#: that reuses an old id apart): a sweep or the slider explorer checks its data once, not
#: once per training run. Writeable arrays are checked every time: they may have changed.
_FINITE = {}


def _all_finite(a):
    """True if no entry of the float array a is NaN or infinite."""
    known = _FINITE.get(id(a))
    if known is not None and known() is a:
        return True
    # Fast path: the sum is finite whenever every entry is, unless huge values overflow
    # it; only then look at each entry (isfinite(a).all() is ~3x slower on CIFAR-10 sizes
    # and builds a temporary as large as a).
    with np.errstate(over="ignore", invalid="ignore"):
        finite = bool(np.isfinite(a.sum())) or bool(np.isfinite(a).all())
    if finite and not a.flags.writeable:
        key = id(a)
        _FINITE[key] = weakref.ref(a, lambda _, key=key: _FINITE.pop(key, None))
    return finite


def read_only(a):
    """A read-only view of the array ``a`` (no copy): checks of it are remembered."""
    view = a.view()
    view.flags.writeable = False
    return view


def check_features(X, name="X", n_features=None):
    """check_X, then make X a float array for computing: float32 stays float32 (the fast
    path), every other dtype becomes float64 (no copy if X already is float64)."""
    X = check_X(X, name=name, n_features=n_features)
    return X if X.dtype == np.float32 else X.astype(np.float64, copy=False)


def check_data_dict(data, keys, name="data"):
    """Check that ``data`` is a dict (any mapping) holding ``keys``, as get_CIFAR10_data
    returns; returns it. Raises ValueError naming what is missing."""
    from collections.abc import Mapping

    if not isinstance(data, Mapping):
        raise ValueError(f"{name} must be a dict with keys {list(keys)} (as get_CIFAR10_data "
                         f"returns), got {type(data).__name__}")
    missing = [k for k in keys if k not in data]
    if missing:
        raise ValueError(f"{name} is missing {missing}; it needs {list(keys)} (as "
                         "get_CIFAR10_data returns)")
    return data


def check_float_dtype(dtype, name="dtype"):
    """Check that dtype is a NumPy floating-point dtype; returns it as np.dtype."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise ValueError(f"{name} must be a floating-point dtype, got {dtype!r}") from e
    if dtype.kind != "f":
        raise ValueError(f"{name} must be a floating-point dtype, got {dtype}")
    return dtype


def check_y(y, n_samples, num_classes=None, name="y"):
    """Check a vector of class labels.

    Inputs:
    - y: array-like of shape (n_samples,) with integer labels 0..num_classes-1.
      Floats are accepted only if every value is a whole number (e.g. 3.0);
      bool and other dtypes are refused.
    - n_samples: the required length (the number of rows of the matching X).
    - num_classes: if given, labels must be < num_classes.
    - name: how to call y in the error message.

    Returns y as an int64 array (no copy if it already is one).

    Raises ValueError naming the problem.
    """
    try:
        y = np.asarray(y)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{name} must be a 1-D array of integer labels: {e}") from e
    if y.dtype == np.bool_ or y.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with shape ({n_samples},), got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but X has {n_samples} rows; they must match"
        )
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or np.any(y != np.round(y)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values")
    if y.size:
        lo, hi = y.min(), y.max()
        if lo < 0:
            raise ValueError(f"{name} labels must be >= 0, found {lo}")
        if num_classes is not None and hi >= num_classes:
            raise ValueError(
                f"{name} labels must lie in 0..{num_classes - 1} ({num_classes} classes), "
                f"found {hi}"
            )
    return y.astype(np.int64, copy=False)


def check_positive_int(value, name):
    """Check that value is an integer >= 1 (Python or NumPy int, not bool, not float).

    Returns it as a Python int. Raises ValueError naming the problem.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return int(value)


def check_nonnegative_float(value, name, strict=False):
    """Check that value is a finite real number >= 0 (> 0 if strict).

    Returns it as a Python float. Raises ValueError naming the problem.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_positive_float(value, name):
    """Check that value is a finite real number > 0; returns it as a Python float."""
    return check_nonnegative_float(value, name, strict=True)


def check_loss_inputs(W, X, y, reg):
    """Check the arguments of the linear losses (svm_loss_*, softmax_loss_*).

    Inputs:
    - W: weights of shape (D, C), float dtype. Its values are not checked for
      finiteness, so that a training loop can notice a diverged (NaN) loss itself.
    - X: data of shape (N, D), see check_X.
    - y: labels of shape (N,) in 0..C-1, see check_y.
    - reg: regularisation strength, a finite number >= 0.

    Returns (W, X, y, reg) as arrays / float. Raises ValueError naming the problem.
    """
    W = np.asarray(W)
    if W.dtype.kind != "f":
        raise ValueError(f"W must be a float array, got dtype {W.dtype}")
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"W must be 2-D with shape (D, C), got shape {W.shape}")
    X = check_X(X, n_features=W.shape[0])
    y = check_y(y, X.shape[0], num_classes=W.shape[1])
    reg = check_nonnegative_float(reg, "reg")
    return W, X, y, reg


# training

def check_batch(X, y, reg, params):
    """TwoLayerNet.loss's arguments: X of shape (N, D) for the (D, H) W1 of ``params``, y
    None or N labels in 0..C-1 for the (H, C) W2, reg >= 0; returns (X, y, reg)."""
    D, C = params["W1"].shape[0], params["W2"].shape[1]
    X = check_features(X, n_features=D)
    y = None if y is None else check_y(y, X.shape[0], num_classes=C)
    return X, y, check_nonnegative_float(reg, "reg")


def check_training_inputs(net, X, y, X_val, y_val, learning_rate, learning_rate_decay, reg,
                          num_iters, batch_size):
    """TwoLayerNet.train's arguments, checked against ``net``, in that order: X and X_val
    as float arrays with the net's D columns, labels in 0..C-1, the settings as numbers."""
    D, C = net.params["W1"].shape[0], net.params["W2"].shape[1]
    X = check_features(X, n_features=D)
    X_val = check_features(X_val, name="X_val", n_features=D)
    return (X, check_y(y, X.shape[0], num_classes=C), X_val,
            check_y(y_val, X_val.shape[0], num_classes=C, name="y_val"),
            check_positive_float(learning_rate, "learning_rate"),
            check_positive_float(learning_rate_decay, "learning_rate_decay"),
            check_nonnegative_float(reg, "reg"),
            check_positive_int(num_iters, "num_iters"),
            check_positive_int(batch_size, "batch_size"))


def check_minibatch(X_batch, y_batch, batch_size, D):
    """The minibatch region's outputs, or a ValueError saying what is wrong with them."""
    for name, value, shape in (("X_batch", X_batch, (batch_size, D)),
                               ("y_batch", y_batch, (batch_size,))):
        if value is None:
            raise ValueError(f"train: {name} is still None; the minibatch code must set it")
        if np.shape(value) != shape:
            raise ValueError(f"train: {name} must have shape {shape} (batch_size rows), "
                             f"got {np.shape(value)}")


def check_grads(grads, params):
    """A ValueError naming the key if ``grads`` does not match ``params`` key for key."""
    if not isinstance(grads, dict):
        raise ValueError(f"loss must return (loss, grads) with grads a dict, got {type(grads)}")
    for name, value in params.items():
        if name not in grads:
            raise ValueError(f"grads has no key {name!r}: loss must fill grads[{name!r}] "
                             f"with the gradient of the loss with respect to {name}")
        if np.shape(grads[name]) != value.shape:
            raise ValueError(f"grads[{name!r}] has shape {np.shape(grads[name])} but "
                             f"params[{name!r}] has shape {value.shape}; they must match")


def check_predictions(y_pred, N):
    """The predict region's output as an int64 array of shape (N,), or a ValueError."""
    if y_pred is None:
        raise ValueError("predict: y_pred is still None; the predict code must set it")
    y_pred = np.asarray(y_pred)
    if y_pred.shape != (N,):
        raise ValueError(f"predict: y_pred must have shape ({N},), one label per row of X, "
                         f"got {y_pred.shape}")
    return y_pred.astype(np.int64, copy=False)


def check_two_layer_params(params, name="params"):
    """Copies of the TwoLayerNet parameters W1, b1, W2, b2 of ``params`` (a dict or npz),
    or a ValueError (``name`` says where they come from) if any is missing or they do not
    fit together."""
    missing = {"W1", "b1", "W2", "b2"} - set(params)
    if missing:
        raise ValueError(f"{name}: not TwoLayerNet parameters, missing {sorted(missing)}")
    params = {k: np.array(params[k]) for k in ("W1", "b1", "W2", "b2")}
    if params["W1"].ndim != 2 or params["W2"].ndim != 2:
        raise ValueError(f"{name}: W1 and W2 must be 2-D")
    (D, H), C = params["W1"].shape, params["W2"].shape[1]
    if params["b1"].shape != (H,) or params["W2"].shape != (H, C) or params["b2"].shape != (C,):
        raise ValueError(f"{name}: parameter shapes do not fit together")
    return params


def check_solver_data(data):
    """X_train, y_train, X_val, y_val of the Solver's ``data`` dict, checked: each X of shape
    (N, d_1, ..., d_k) with N >= 1, each y N labels."""
    for key in ("X_train", "y_train", "X_val", "y_val"):
        if key not in data:
            raise ValueError(f"Solver: data is missing '{key}' (it needs X_train, y_train, "
                             "X_val and y_val)")
    out = []
    for split in ("train", "val"):
        X = np.asarray(data[f"X_{split}"])
        if X.ndim < 2 or X.shape[0] == 0:
            raise ValueError(f"Solver: X_{split} must have shape (N, d_1, ..., d_k) with "
                             f"N >= 1, got shape {X.shape}")
        out += [X, check_y(data[f"y_{split}"], X.shape[0], name=f"y_{split}")]
    return out


def check_linear_training_inputs(W, X, y, learning_rate, reg, num_iters, batch_size):
    """LinearClassifier.train's arguments, checked (against W of shape (D, C) if it is not
    None), in that order; X as float (float32 stays float32, others become float64)."""
    X = check_features(X)
    if W is not None and W.shape[0] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but this classifier's W has shape "
                         f"{W.shape}")
    return (X, check_y(y, X.shape[0], num_classes=None if W is None else W.shape[1]),
            check_positive_float(learning_rate, "learning_rate"),
            check_nonnegative_float(reg, "reg"),
            check_positive_int(num_iters, "num_iters"),
            check_positive_int(batch_size, "batch_size"))
