"""Tests of the softmax (cross-entropy) loss (naive and vectorised)."""
import math

import numpy as np
import pytest

from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from cs231n.gradient_check import eval_numerical_gradient, rel_error

LOSSES = (softmax_loss_naive, softmax_loss_vectorized)


def random_problem(seed=0, N=40, D=15, C=5, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=0.1 * scale, size=(D, C))
    X = rng.normal(scale=scale, size=(N, D))
    y = rng.integers(0, C, size=N)
    return W, X, y


def reference_softmax_loss(W, X, y, reg):
    """Independent loss with math.exp / math.log per example (no shifting needed: small scores)."""
    total = 0.0
    for i in range(X.shape[0]):
        s = [sum(X[i, d] * W[d, c] for d in range(W.shape[0])) for c in range(W.shape[1])]
        total += -math.log(math.exp(s[y[i]]) / sum(math.exp(v) for v in s))
    return total / X.shape[0] + 0.5 * reg * float(np.sum(W ** 2))


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_hand_worked_uniform_example(loss_fn):
    # W = 0: every score is 0, so p = 1/3 for each of the C = 3 classes and the loss is
    # -log(1/3) = log 3 whatever X is. dscores = p - onehot:
    #   example 0 (x = (1, 2),  y = 0): (-2/3, 1/3, 1/3)
    #   example 1 (x = (-1, 1), y = 2): (1/3, 1/3, -2/3)
    # dW = X^T dscores / 2:
    #   feature 0: (1*(-2/3) - 1/3, 1/3 - 1/3, 1/3 + 2/3) / 2 = (-1, 0, 1) / 2
    #   feature 1: (2*(-2/3) + 1/3, 2/3 + 1/3, 2/3 - 2/3) / 2 = (-1, 1, 0) / 2
    X = np.array([[1.0, 2.0], [-1.0, 1.0]])
    loss, dW = loss_fn(np.zeros((2, 3)), X, np.array([0, 2]), 5.0)  # reg * 0 = 0
    assert loss == pytest.approx(math.log(3), rel=1e-12)
    np.testing.assert_allclose(dW, [[-0.5, 0.0, 0.5], [-0.5, 0.5, 0.0]], atol=1e-15)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_hand_worked_log3_example(loss_fn):
    # One example x = (1), C = 2, W = [[ln 3, 0]]: scores (ln 3, 0), so
    # p = (3/4, 1/4). With y = 1 the data loss is -log(1/4) = log 4.
    # reg = 1: + 0.5 * (ln 3)^2.  dscores = p - onehot = (3/4, -3/4), times x = 1,
    # plus reg * W = (ln 3, 0): dW = [[3/4 + ln 3, -3/4]].
    W = np.array([[math.log(3), 0.0]])
    loss, dW = loss_fn(W, np.array([[1.0]]), np.array([1]), 1.0)
    assert loss == pytest.approx(math.log(4) + 0.5 * math.log(3) ** 2, rel=1e-12)
    np.testing.assert_allclose(dW, [[0.75 + math.log(3), -0.75]], rtol=1e-12)


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_matches_reference_loss(loss_fn, reg):
    W, X, y = random_problem(seed=1, N=12, D=6, C=4)
    loss, _ = loss_fn(W, X, y, reg)
    assert loss == pytest.approx(reference_softmax_loss(W, X, y, reg), rel=1e-12)


@pytest.mark.parametrize("reg", [0.0, 1.0, 50.0])
def test_naive_and_vectorized_agree(reg):
    W, X, y = random_problem(seed=2, N=60, D=30, C=7, scale=3.0)
    loss_n, dW_n = softmax_loss_naive(W, X, y, reg)
    loss_v, dW_v = softmax_loss_vectorized(W, X, y, reg)
    assert rel_error(loss_n, loss_v) < 1e-9
    assert rel_error(dW_n, dW_v) < 1e-9


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 1.0])
def test_numeric_gradient(loss_fn, reg):
    # reg = 1.0 makes reg * W comparable with the data gradient: a missing or halved
    # regularisation gradient fails this check.
    W, X, y = random_problem(seed=3, N=20, D=8, C=4, scale=2.0)
    _, dW = loss_fn(W, X, y, reg)
    dW_num = eval_numerical_gradient(lambda w: loss_fn(w, X, y, reg)[0], W.copy(), verbose=False)
    assert rel_error(dW, dW_num) < 1e-7


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_regularisation_convention(loss_fn):
    # loss += 0.5 * reg * sum(W*W), dW += reg * W: the TwoLayerNet convention.
    W, X, y = random_problem(seed=4)
    loss0, dW0 = loss_fn(W, X, y, 0.0)
    loss1, dW1 = loss_fn(W, X, y, 3.0)
    assert loss1 - loss0 == pytest.approx(0.5 * 3.0 * np.sum(W * W), rel=1e-10)
    np.testing.assert_allclose(dW1 - dW0, 3.0 * W, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_small_random_weights_give_log_C(loss_fn):
    # The course's sanity check: tiny W, all classes about equally likely, loss ~ -log(1/C).
    rng = np.random.default_rng(5)
    W = 1e-4 * rng.normal(size=(20, 10))
    X = rng.normal(size=(50, 20))
    loss, _ = loss_fn(W, X, rng.integers(0, 10, 50), 0.0)
    assert loss == pytest.approx(-math.log(0.1), abs=1e-2)


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_scores_are_stable(loss_fn, dtype):
    # Scores (1e4, 0) and (0, 1e4): exp(1e4) overflows even float64, a shifted softmax does not.
    # Example 0 has y = 1, so p_y = 1 / (1 + e^1e4) and -log p_y = 1e4 (to double precision);
    # example 1 has y = 1 with score 1e4: loss 0. Mean 5e3.
    # dscores: example 0: (1, -1), example 1: (0, 0); dW = X^T dscores / 2 = [[5e3, -5e3], [0, 0]].
    W = np.eye(2, dtype=dtype)
    X = np.array([[1e4, 0.0], [0.0, 1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise"):  # no overflow, not even an intermediate one
        loss, dW = loss_fn(W, X, np.array([1, 1]), 0.0)
    assert loss == pytest.approx(5e3, rel=1e-6)
    np.testing.assert_allclose(dW, [[5e3, -5e3], [0.0, 0.0]], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_float32_stays_float32(loss_fn):
    W, X, y = random_problem(seed=7)
    loss64, dW64 = loss_fn(W, X, y, 0.5)
    loss32, dW32 = loss_fn(W.astype(np.float32), X.astype(np.float32), y, 0.5)
    assert dW32.dtype == np.float32
    assert isinstance(loss32, float)
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(dW32, dW64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_inputs_are_not_modified(loss_fn):
    W, X, y = random_problem(seed=8)
    W0, X0, y0 = W.copy(), X.copy(), y.copy()
    loss_fn(W, X, y, 1.0)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("change, match", [
    (dict(W=np.zeros((15, 5, 1))), r"W must be 2-D"),
    (dict(X=np.zeros((40, 16))), r"X must have 15 features"),
    (dict(y=np.zeros((40, 1), dtype=int)), r"1-D"),
    (dict(y=np.full(40, 5)), r"0\.\.4 \(5 classes\), found 5"),
    (dict(y=np.full(40, 1.25)), r"non-integer"),
    (dict(X=np.full((40, 15), np.inf)), r"infinity"),
    (dict(reg=float("nan")), r"reg must be"),
])
def test_bad_inputs(loss_fn, change, match):
    W, X, y = random_problem()
    args = dict(W=W, X=X, y=y, reg=0.1)
    args.update(change)
    with pytest.raises(ValueError, match=match):
        loss_fn(**args)
