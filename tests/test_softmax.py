"""Tests of the softmax (cross-entropy) loss (naive and vectorised)."""
import math

import numpy as np
import pytest

from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from linear_problems import random_problem

LOSSES = (softmax_loss_naive, softmax_loss_vectorized)


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
    # W = I, so the scores are the rows of X. exp(1e4) overflows even float64; after
    # subtracting each row's maximum the scores are (0, -1) and (-1e4, 0), which do not.
    # Example 0: scores (1e4, 1e4 - 1), y = 1: -log p_1 = 1 + log(1 + e^-1).
    # Example 1: scores (0, 1e4), y = 1: p_1 = 1 / (1 + e^-1e4) = 1, loss 0.
    # dscores: example 0: (q, -q) with q = 1 / (1 + e^-1); example 1: (0, 0).
    # dW = X^T dscores / 2 = [[1e4 q, -1e4 q], [(1e4 - 1) q, -(1e4 - 1) q]] / 2.
    W = np.eye(2, dtype=dtype)
    X = np.array([[1e4, 1e4 - 1], [0.0, 1e4]], dtype=dtype)
    try:
        with np.errstate(over="raise", invalid="raise"):  # no overflow, not even an intermediate one
            loss, dW = loss_fn(W, X, np.array([1, 1]), 0.0)
    except FloatingPointError as e:
        pytest.fail(f"the softmax overflowed ({e}) for scores near 1e4: subtract each row's "
                    "maximum score before np.exp; the probabilities do not change")
    q = 1 / (1 + math.exp(-1))
    assert loss == pytest.approx((1 + math.log(1 + math.exp(-1))) / 2, rel=1e-5)
    np.testing.assert_allclose(dW, [[5e3 * q, -5e3 * q], [(1e4 - 1) * q / 2, -(1e4 - 1) * q / 2]],
                               rtol=1e-5)
