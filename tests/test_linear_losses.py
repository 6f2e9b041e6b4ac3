"""What every linear loss (SVM and Softmax, naive and vectorised) must do alike.

The loss-specific checks (hand-worked examples, independent reference losses, sanity
values) live in test_linear_svm.py and test_softmax.py.
"""
import numpy as np
import pytest

from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from cs231n.gradient_check import eval_numerical_gradient, rel_error
from linear_problems import random_problem

# (naive, vectorised, data scale for the gradient checks, float32 tolerance (loss rel, dW
# rtol, dW atol)). Softmax gets larger scores so that its gradient is not almost constant;
# the hinge needs small scores to stay away from its kinks in a numeric check, and its sums
# of margins lose a little more in float32.
FAMILIES = {
    "svm": (svm_loss_naive, svm_loss_vectorized, 1.0, (1e-4, 1e-3, 1e-4)),
    "softmax": (softmax_loss_naive, softmax_loss_vectorized, 2.0, (1e-5, 1e-4, 1e-6)),
}
LOSSES = [pytest.param(fn, id=fn.__name__)
          for naive, vectorized, *_ in FAMILIES.values() for fn in (naive, vectorized)]
FLOAT32_CASES = [pytest.param(fn, tol, id=fn.__name__)
                 for naive, vectorized, _, tol in FAMILIES.values() for fn in (naive, vectorized)]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("reg", [0.0, 1.0, 50.0])
def test_naive_and_vectorized_agree(family, reg):
    naive, vectorized, scale, _ = FAMILIES[family]
    W, X, y = random_problem(seed=2, N=60, D=30, C=7, scale=scale)
    loss_n, dW_n = naive(W, X, y, reg)
    loss_v, dW_v = vectorized(W, X, y, reg)
    assert rel_error(loss_n, loss_v) < 1e-9
    assert rel_error(dW_n, dW_v) < 1e-9


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("which", [0, 1], ids=["naive", "vectorized"])
@pytest.mark.parametrize("reg", [0.0, 1.0])
def test_numeric_gradient(family, which, reg):
    # reg = 1.0 makes reg * W comparable with the data gradient: a missing or halved
    # regularisation gradient fails this check.
    loss_fn, scale = FAMILIES[family][which], FAMILIES[family][2]
    W, X, y = random_problem(seed=3, N=20, D=8, C=4, scale=scale)
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


@pytest.mark.parametrize("loss_fn, tol", FLOAT32_CASES)
def test_float32_stays_float32(loss_fn, tol):
    W, X, y = random_problem(seed=7)
    loss64, dW64 = loss_fn(W, X, y, 0.5)
    loss32, dW32 = loss_fn(W.astype(np.float32), X.astype(np.float32), y, 0.5)
    assert dW32.dtype == np.float32
    assert isinstance(loss32, float)
    loss_rel, dW_rtol, dW_atol = tol
    assert loss32 == pytest.approx(loss64, rel=loss_rel)
    np.testing.assert_allclose(dW32, dW64, rtol=dW_rtol, atol=dW_atol)


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
    (dict(W=np.zeros((15, 5, 1))), r"W must be 2-D"),
    (dict(X=np.zeros((40, 14))), r"X must have 15 features"),
    (dict(X=np.zeros(15)), r"X must be 2-D"),
    (dict(y=np.zeros(39, dtype=int)), r"39 labels but X has 40 rows"),
    (dict(y=np.zeros((40, 1), dtype=int)), r"1-D"),
    (dict(y=np.full(40, 5)), r"0\.\.4 \(5 classes\), found 5"),
    (dict(y=np.full(40, -1)), r">= 0"),
    (dict(y=np.full(40, 0.5)), r"non-integer"),
    (dict(X=np.full((40, 15), np.nan)), r"NaN"),
    (dict(X=np.full((40, 15), np.inf)), r"infinity"),
    (dict(reg=-1.0), r"reg must be"),
    (dict(reg=float("nan")), r"reg must be"),
])
def test_bad_inputs(loss_fn, change, match):
    W, X, y = random_problem()
    args = dict(W=W, X=X, y=y, reg=0.1)
    args.update(change)
    with pytest.raises(ValueError, match=match):
        loss_fn(**args)
