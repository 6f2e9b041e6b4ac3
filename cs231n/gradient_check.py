"""Numeric gradients by centred differences, to check analytic ones."""
import numpy as np


def rel_error(x, y):
    """Maximum relative error between two arrays: max |x - y| / max(1e-8, |x| + |y|)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _evaluate_around(f, x, ix, h, copy=False):
    """f at x with entry ix moved by +h and by -h; x is restored afterwards.

    copy=True keeps a copy of array results, in case f returns a view it later overwrites.
    """
    old = x[ix]
    try:
        x[ix] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True) if copy else f(x)
        x[ix] = old - h
        minus = np.array(f(x), dtype=np.float64, copy=True) if copy else f(x)
    finally:
        x[ix] = old
    return plus, minus


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numeric gradient of a scalar function f at x, by centred differences.

    Inputs:
    - f: function of one argument returning a scalar; it is called with ``x`` itself.
    - x: array to differentiate with respect to; it is perturbed in place and restored.
    - verbose: print each index and its gradient.
    - h: step; the error of centred differences is O(h^2).

    Returns an array of the same shape as x.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        fxph, fxmh = _evaluate_around(f, x, ix, h)
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numeric gradient of sum(f(x) * df) with respect to x: for functions returning arrays."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        pos, neg = _evaluate_around(f, x, ix, h, copy=True)
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, rng=None, verbose=True):
    """Compare an analytic gradient with centred differences at a few random entries.

    Inputs:
    - f: scalar function of x (x is perturbed in place and restored).
    - x: array.
    - analytic_grad: array of x's shape.
    - num_checks: how many random entries to check.
    - h: step.
    - rng: np.random.Generator or seed for choosing the entries (default: seed 0).
    - verbose: print one line per entry, as the course does.

    Returns the largest relative error seen.
    """
    rng = np.random.default_rng(0 if rng is None else rng)
    worst = 0.0
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in x.shape)
        fxph, fxmh = _evaluate_around(f, x, ix, h)
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        err = rel_error(grad_numerical, grad_analytic)
        worst = max(worst, err)
        if verbose:
            print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {err:e}")
    return worst
