"""Tests of the multiclass SVM loss (naive and vectorised)."""
import numpy as np
import pytest

from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n.gradient_check import eval_numerical_gradient, rel_error

LOSSES = (svm_loss_naive, svm_loss_vectorized)


def random_problem(seed=0, N=40, D=15, C=5, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=0.1 * scale, size=(D, C))
    X = rng.normal(scale=scale, size=(N, D))
    y = rng.integers(0, C, size=N)
    return W, X, y


def reference_svm_loss(W, X, y, reg):
    """Independent loss: explicit sum over examples and classes, nothing shared with the code."""
    total = 0.0
    for i in range(X.shape[0]):
        s = [sum(X[i, d] * W[d, c] for d in range(W.shape[0])) for c in range(W.shape[1])]
        total += sum(max(0.0, s[j] - s[y[i]] + 1.0) for j in range(W.shape[1]) if j != y[i])
    return total / X.shape[0] + 0.5 * reg * float(np.sum(W ** 2))


# Hand-worked example: D=2, C=3, N=2, reg=0.1.
W_HAND = np.array([[1.0, 0.0, 2.0],
                   [0.0, 1.0, -1.5]])
X_HAND = np.array([[1.0, 2.0],
                   [-1.0, 1.0]])
Y_HAND = np.array([0, 2])
# Example 0: scores = [1, 2, 2 - 3] = [1, 2, -1], correct class 0 (score 1).
#   margins: class 1: 2 - 1 + 1 = 2 (violated); class 2: -1 - 1 + 1 = -1 -> 0.   Sum 2.
# Example 1: scores = [-1, 1, -2 - 1.5] = [-1, 1, -3.5], correct class 2 (score -3.5).
#   margins: class 0: -1 + 3.5 + 1 = 3.5; class 1: 1 + 3.5 + 1 = 5.5.            Sum 9.
# Data loss = (2 + 9) / 2 = 5.5.  ||W||^2 = 1 + 4 + 1 + 2.25 = 8.25,
# regularisation = 0.5 * 0.1 * 8.25 = 0.4125.  Loss = 5.9125.
LOSS_HAND = 5.9125
# Gradient of the data loss: every violated margin adds x_i to its class column and
# subtracts x_i from the correct class column.
#   example 0, class 1:   col 1 += (1, 2),   col 0 -= (1, 2)
#   example 1, class 0:   col 0 += (-1, 1),  col 2 -= (-1, 1)
#   example 1, class 1:   col 1 += (-1, 1),  col 2 -= (-1, 1)
#   sums: col 0 = (-2, -1), col 1 = (0, 3), col 2 = (2, -2); divided by N = 2:
#   col 0 = (-1, -0.5), col 1 = (0, 1.5), col 2 = (1, -1).
# Plus reg * W = 0.1 * W: col 0 += (0.1, 0), col 1 += (0, 0.1), col 2 += (0.2, -0.15).
DW_HAND = np.array([[-0.9, 0.0, 1.2],
                    [-0.5, 1.6, -1.15]])


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_hand_worked_example(loss_fn):
    loss, dW = loss_fn(W_HAND, X_HAND, Y_HAND, 0.1)
    assert loss == pytest.approx(LOSS_HAND, rel=1e-12)
    np.testing.assert_allclose(dW, DW_HAND, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_matches_reference_loss(loss_fn, reg):
    W, X, y = random_problem(seed=1, N=12, D=6, C=4)
    loss, _ = loss_fn(W, X, y, reg)
    assert loss == pytest.approx(reference_svm_loss(W, X, y, reg), rel=1e-12)


@pytest.mark.parametrize("reg", [0.0, 1.0, 50.0])
def test_naive_and_vectorized_agree(reg):
    W, X, y = random_problem(seed=2, N=60, D=30, C=7)
    loss_n, dW_n = svm_loss_naive(W, X, y, reg)
    loss_v, dW_v = svm_loss_vectorized(W, X, y, reg)
    assert rel_error(loss_n, loss_v) < 1e-9
    assert rel_error(dW_n, dW_v) < 1e-9


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 1.0])
def test_numeric_gradient(loss_fn, reg):
    # reg = 1.0 makes reg * W as large as the data gradient: a missing or halved
    # regularisation gradient fails this check.
    W, X, y = random_problem(seed=3, N=20, D=8, C=4)
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
def test_zero_weights_give_C_minus_1(loss_fn):
    # With W = 0 every score is 0, so each of the C - 1 wrong classes has margin exactly 1.
    X = np.random.default_rng(5).normal(size=(10, 4))
    loss, _ = loss_fn(np.zeros((4, 6)), X, np.arange(10) % 6, 0.0)
    assert loss == pytest.approx(5.0)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_large_scores_are_finite(loss_fn):
    W, X, y = random_problem(seed=6, scale=100.0)  # scores ~ 1e4
    loss, dW = loss_fn(W, X, y, 1e-3)
    assert np.isfinite(loss) and np.all(np.isfinite(dW))
    assert loss > 1e3


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_float32_stays_float32(loss_fn):
    W, X, y = random_problem(seed=7)
    loss64, dW64 = loss_fn(W, X, y, 0.5)
    loss32, dW32 = loss_fn(W.astype(np.float32), X.astype(np.float32), y, 0.5)
    assert dW32.dtype == np.float32
    assert isinstance(loss32, float)
    assert loss32 == pytest.approx(loss64, rel=1e-4)
    np.testing.assert_allclose(dW32, dW64, rtol=1e-3, atol=1e-4)


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
    (dict(W=np.zeros(15)), r"W must be 2-D"),
    (dict(X=np.zeros((40, 14))), r"X must have 15 features"),
    (dict(X=np.zeros(15)), r"X must be 2-D"),
    (dict(y=np.zeros(39, dtype=int)), r"39 labels but X has 40 rows"),
    (dict(y=np.full(40, 5)), r"0\.\.4 \(5 classes\), found 5"),
    (dict(y=np.full(40, -1)), r">= 0"),
    (dict(y=np.full(40, 0.5)), r"non-integer"),
    (dict(X=np.full((40, 15), np.nan)), r"NaN"),
    (dict(reg=-1.0), r"reg must be"),
])
def test_bad_inputs(loss_fn, change, match):
    W, X, y = random_problem()
    args = dict(W=W, X=X, y=y, reg=0.1)
    args.update(change)
    with pytest.raises(ValueError, match=match):
        loss_fn(**args)
