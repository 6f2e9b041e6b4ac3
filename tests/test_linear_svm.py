"""Tests of the multiclass SVM loss (naive and vectorised)."""
import numpy as np
import pytest

from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from linear_problems import random_problem

LOSSES = (svm_loss_naive, svm_loss_vectorized)


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
