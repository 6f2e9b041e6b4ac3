"""Every input check of the package, in one place: the classifiers, layers, features and
training loops each call theirs in one line.

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
    X = as_real_array(X, name, "a 2-D numeric array")
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


# ----------------------------------------------------------------------------------------
# layers and features
# ----------------------------------------------------------------------------------------

def as_real_array(a, name, what="a numeric array"):
    """a as a NumPy array of real numbers (float or int dtype; no copy), or a ValueError."""
    try:
        a = np.asarray(a)
    except (ValueError, TypeError) as e:  # ragged nested lists, etc.
        raise ValueError(f"{name} must be {what}: {e}") from e
    if a.dtype == np.bool_ or a.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers (float or int dtype), got dtype {a.dtype}")
    return a


def check_finite(a, name):
    """Raise ValueError if the array a holds NaN or infinity; returns a."""
    if a.dtype.kind == "f" and not _all_finite(a):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


# -- cs231n/layers.py: every message starts with the layer's name -------------------------

def check_layer_array(name, layer, a):
    """a as a NumPy array, or a ValueError naming the layer if it is not numeric."""
    return as_real_array(a, f"{layer}: {name}")


def check_affine(x, w, b):
    """The shape checks of affine_forward; returns (x, w, b) as arrays."""
    x, w, b = (check_layer_array(n, "affine_forward", a) for n, a in (("x", x), ("w", w), ("b", b)))
    if x.ndim < 2:
        raise ValueError(f"affine_forward: x must have shape (N, d_1, ..., d_k), got shape "
                         f"{x.shape}")
    if w.ndim != 2:
        raise ValueError(f"affine_forward: w must have shape (D, M), got shape {w.shape}")
    D = int(np.prod(x.shape[1:]))
    if D != w.shape[0]:
        raise ValueError(f"affine_forward: x has shape {x.shape} (D={D}) but w has shape "
                         f"{w.shape} (D={w.shape[0]})")
    if b.shape != (w.shape[1],):
        raise ValueError(f"affine_forward: b must have shape ({w.shape[1]},) to match w of "
                         f"shape {w.shape}, got shape {b.shape}")
    return x, w, b


def check_dout(layer, dout, shape):
    """dout as an array of the forward output's shape, or a ValueError naming the layer."""
    dout = check_layer_array("dout", layer, dout)
    if dout.shape != tuple(shape):
        raise ValueError(f"{layer}: dout has shape {dout.shape} but the forward output had "
                         f"shape {tuple(shape)}")
    return dout


def check_scores(layer, x, y):
    """The checks of the loss layers: x of shape (N, C), y of N labels in 0..C-1."""
    x = check_layer_array("x", layer, x)
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"{layer}: x must have shape (N, C) with N, C >= 1, got shape {x.shape}")
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or y.dtype == np.bool_:
        raise ValueError(f"{layer}: y must hold integer class labels, got dtype {y.dtype}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"{layer}: x has shape {x.shape} (N={x.shape[0]}) but y has shape "
                         f"{y.shape}; y must have shape ({x.shape[0]},)")
    if y.min() < 0 or y.max() >= x.shape[1]:
        raise ValueError(f"{layer}: labels must lie in 0..{x.shape[1] - 1} (x has "
                         f"{x.shape[1]} classes), found {y.min()}..{y.max()}")
    return x, y


# -- cs231n/classifiers/fc_net.py ----------------------------------------------------------

def check_net_args(input_dim, hidden_dims, num_classes, weight_scale, reg, dtype):
    """Check the constructor arguments of the nets of fc_net.py: positive integer sizes,
    finite weight_scale and reg >= 0, a float dtype. Returns hidden_dims as a list."""
    hidden_dims = [check_positive_int(h, "each hidden dimension") for h in hidden_dims]
    check_positive_int(input_dim, "input_dim")
    check_positive_int(num_classes, "num_classes")
    check_nonnegative_float(weight_scale, "weight_scale")
    check_nonnegative_float(reg, "reg")
    check_float_dtype(dtype)
    return hidden_dims


def normal_sampler(seed):
    """randn(*shape), standard normal draws for a net's initial weights. seed None uses
    NumPy's global state (np.random.randn, as the course does, so np.random.seed(...)
    reproduces the weights); an int >= 0 or a np.random.Generator draws from
    np.random.default_rng(seed)."""
    if seed is None:
        return np.random.randn
    if not isinstance(seed, np.random.Generator) and (
            isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral)
            or seed < 0):
        raise ValueError(f"seed must be None, an integer >= 0 or a np.random.Generator, "
                         f"got {seed!r}")
    rng = np.random.default_rng(seed)
    return lambda *shape: rng.standard_normal(shape)


def check_net_inputs(net, X, y):
    """X (N, d_1, ..., d_k) with d_1 * ... * d_k = net.input_dim, y None or N labels in
    0..net.num_classes-1; returns (X in net.dtype, y)."""
    name = type(net).__name__
    X = as_real_array(X, f"{name}.loss: X")
    if X.ndim < 2 or X.shape[0] == 0:
        raise ValueError(f"{name}.loss: X must have shape (N, d_1, ..., d_k) with N >= 1, "
                         f"got shape {X.shape}")
    D = int(np.prod(X.shape[1:]))
    if D != net.input_dim:
        raise ValueError(f"{name}.loss: X has shape {X.shape} (D={D}) but the net has "
                         f"input_dim={net.input_dim}")
    if y is not None:
        y = check_y(y, X.shape[0], num_classes=net.num_classes)
    return X.astype(net.dtype, copy=False), y


# -- cs231n/features.py and cs231n/tools/batch_features.py ---------------------------------

def check_hog_size(shape, name="im"):
    """Raise ValueError unless the image(s) of this shape hold at least one 8x8 HOG cell
    (shape (H, W), (H, W, 3) or (N, H, W, 3))."""
    hw = shape[1:3] if len(shape) == 4 else shape[:2]
    if min(hw) < 8:
        raise ValueError(f"{name} must be at least 8x8 pixels (HOG needs at least one 8x8 "
                         f"cell), got shape {tuple(shape)}")


def check_image(im, rgb=False, hog=False, name="im"):
    """One image: (H, W) grayscale (unless rgb) or (H, W, 3) RGB, real numbers, no NaN or
    infinity; at least 8x8 pixels if hog. Returns it in float64 (the features' dtype)."""
    im = as_real_array(im, name)
    if im.ndim == 3 and im.shape[2] != 3:
        raise ValueError(f"{name} must have 3 colour channels (RGB) in its last axis, got shape "
                         f"{im.shape} ({im.shape[2]} channels)")
    if im.ndim not in ((3,) if rgb else (2, 3)):
        shapes = "(H, W, 3)" if rgb else "(H, W) or (H, W, 3)"
        raise ValueError(f"{name} must be one image of shape {shapes}, got shape {im.shape}")
    if 0 in im.shape[:2]:
        raise ValueError(f"{name} must be at least 1x1 pixels, got shape {im.shape}")
    if hog:
        check_hog_size(im.shape, name)
    return check_finite(im, name).astype(np.float64, copy=False)


def check_images(imgs, hog=False, name="imgs"):
    """A batch of RGB images: shape (N, H, W, 3) with N >= 1, real numbers, no NaN or
    infinity; at least 8x8 pixels if hog. Returns it as an array (dtype unchanged)."""
    imgs = as_real_array(imgs, name)
    if imgs.ndim == 4 and imgs.shape[3] != 3:
        raise ValueError(f"{name} must have 3 colour channels (RGB) in its last axis, got shape "
                         f"{imgs.shape} ({imgs.shape[3]} channels)")
    if imgs.ndim != 4:
        hint = " (one image? pass im[None])" if imgs.ndim == 3 else ""
        raise ValueError(f"{name} must be a batch of RGB images of shape (N, H, W, 3), got shape "
                         f"{imgs.shape}{hint}")
    if imgs.shape[0] == 0:
        raise ValueError(f"{name} holds no images (shape {imgs.shape})")
    if 0 in imgs.shape[1:3]:
        raise ValueError(f"{name} must be at least 1x1 pixels, got shape {imgs.shape}")
    if hog:
        check_hog_size(imgs.shape, name)
    return check_finite(imgs, name)


def check_hist_args(nbin, xmin, xmax):
    """color_histogram_hsv's nbin (an integer >= 1, returned as int) and range (finite
    numbers, 0 < xmax, xmin < xmax)."""
    nbin = check_positive_int(nbin, "nbin")
    for arg, value in (("xmin", xmin), ("xmax", xmax)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value):
            raise ValueError(f"{arg} must be a finite number, got {value!r}")
    if not xmax > 0:
        raise ValueError(f"xmax must be > 0 (the largest pixel value, e.g. 255), got {xmax}")
    if not xmin < xmax:
        raise ValueError(f"xmin must be smaller than xmax, got xmin={xmin}, xmax={xmax}")
    return nbin


def check_pixel_range(lo, hi, xmax):
    """Raise ValueError unless lo..hi, the smallest and largest pixel value divided by xmax,
    lie in [0, 1], as matplotlib's rgb_to_hsv needs."""
    if lo < 0 or hi > 1:
        raise ValueError(f"pixel values must lie in 0..xmax = 0..{xmax} (matplotlib's "
                         f"rgb_to_hsv needs im / xmax in [0, 1]); found "
                         f"{lo * xmax:g}..{hi * xmax:g}")


def check_color_histogram(im, nbin, xmin, xmax):
    """The arguments of color_histogram_hsv: one RGB image (H, W, 3) with values in
    0..xmax, and check_hist_args. Returns (im in float64, nbin as int)."""
    im = check_image(im, rgb=True)
    nbin = check_hist_args(nbin, xmin, xmax)
    check_pixel_range(im.min() / xmax, im.max() / xmax, xmax)
    return im, nbin


def check_extract_features(imgs, feature_fns):
    """The arguments of extract_features: check_images, and a non-empty list of functions.
    Returns (imgs, feature_fns as a list)."""
    imgs = check_images(imgs)
    feature_fns = list(feature_fns)
    if not feature_fns:
        raise ValueError("feature_fns is empty: give at least one feature function")
    for fn in feature_fns:
        if not callable(fn):
            raise ValueError(f"feature_fns must hold functions, got {fn!r}")
    return imgs, feature_fns


def check_feature_vector(feats, fn):
    """What the feature function fn returned, as a 1-D array, or a ValueError."""
    feats = np.asarray(feats)
    if feats.ndim != 1:
        raise ValueError(f"feature function {fn!r} must return a 1-D array, got shape "
                         f"{feats.shape}")
    return feats


# ----------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------

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
