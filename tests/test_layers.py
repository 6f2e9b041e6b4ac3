"""Tests of cs231n.layers and cs231n.layer_utils: published values, hand-worked examples,
numeric gradients (float64) and the error messages on bad input."""
import numpy as np
import pytest

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n.layers import (affine_backward, affine_forward, relu_backward, relu_forward,
                           softmax_loss, svm_loss)


@pytest.mark.part("Layers: affine")
@pytest.mark.points(1)
def test_affine_forward_course_reference():
    # The course's published check (FullyConnectedNets.ipynb).
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, correct_out) < 1e-8


def test_affine_forward_hand_worked():
    # x = [[1, 2], [3, 4]], w = [[1, 0, -1], [2, 1, 0]], b = [0.5, 0, -0.5]
    # row 0: [1*1 + 2*2, 1*0 + 2*1, 1*-1 + 2*0] + b = [5.5, 2, -1.5]
    # row 1: [3 + 8, 0 + 4, -3 + 0] + b            = [11.5, 4, -3.5]
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    b = np.array([0.5, 0.0, -0.5])
    out, _ = affine_forward(x, w, b)
    np.testing.assert_allclose(out, [[5.5, 2.0, -1.5], [11.5, 4.0, -3.5]], rtol=0, atol=1e-12)
    # backward with dout = ones: dx = ones @ w.T = row sums of w = [0, 3] per row,
    # dw = x.T @ ones = column sums of x = [4, 6] repeated, db = N = 2 per output.
    dx, dw, db = affine_backward(np.ones((2, 3)), _)
    np.testing.assert_allclose(dx, [[0.0, 3.0], [0.0, 3.0]], atol=1e-12)
    np.testing.assert_allclose(dw, [[4.0] * 3, [6.0] * 3], atol=1e-12)
    np.testing.assert_allclose(db, [2.0, 2.0, 2.0], atol=1e-12)


def test_affine_backward_numeric():
    rng = np.random.default_rng(231)
    x = rng.standard_normal((10, 2, 3))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((10, 5))
    dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx_num, dx) < 1e-7
    assert rel_error(dw_num, dw) < 1e-7
    assert rel_error(db_num, db) < 1e-7


def test_affine_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    w = rng.standard_normal((6, 3)).astype(np.float32)
    b = np.zeros(3, np.float32)
    out, cache = affine_forward(x, w, b)
    assert out.dtype == np.float32
    dx, dw, db = affine_backward(np.ones_like(out), cache)
    assert dx.dtype == dw.dtype == db.dtype == np.float32


@pytest.mark.part("Layers: ReLU")
@pytest.mark.points(1)
def test_relu_forward_course_reference():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(out, correct_out) < 5e-8


def test_relu_hand_worked_and_numeric():
    # relu([-1, 0, 2]) = [0, 0, 2]; the gradient passes only where x > 0 (not at 0).
    out, cache = relu_forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu_backward(np.array([5.0, 6.0, 7.0]), cache), [0.0, 0.0, 7.0])

    rng = np.random.default_rng(231)
    x = rng.standard_normal((10, 10))
    dout = rng.standard_normal(x.shape)
    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    dx = relu_backward(dout, relu_forward(x)[1])
    assert rel_error(dx_num, dx) < 1e-7


def test_affine_relu_numeric():
    rng = np.random.default_rng(231)
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((12, 10))
    b = rng.standard_normal(10)
    dout = rng.standard_normal((2, 10))
    out, cache = affine_relu_forward(x, w, b)
    dx, dw, db = affine_relu_backward(dout, cache)
    np.testing.assert_allclose(out, np.maximum(0, x.reshape(2, -1) @ w + b), atol=1e-12)
    dx_num = eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout)
    assert rel_error(dx_num, dx) < 1e-7
    assert rel_error(dw_num, dw) < 1e-7
    assert rel_error(db_num, db) < 1e-7


def _svm_loop(x, y):
    """Reference multiclass SVM loss, one example and one class at a time."""
    N, C = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    return loss / N, dx / N


def _softmax_loop(x, y):
    """Reference softmax loss, one example at a time, with math.exp/log."""
    import math
    N, C = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(N):
        top = max(x[i])
        exps = [math.exp(s - top) for s in x[i]]
        total = sum(exps)
        loss -= math.log(exps[y[i]] / total)
        for j in range(C):
            dx[i, j] = exps[j] / total - (j == y[i])
    return loss / N, dx / N


@pytest.mark.part("Layers: SVM and softmax losses")
@pytest.mark.points(1)
def test_svm_loss_hand_worked():
    # scores [3, 5, 1] with label 0: margins max(0, 5-3+1)=3 and max(0, 1-3+1)=0 -> loss 3;
    # gradient +1 on class 1, -1 on the correct class 0.
    loss, dx = svm_loss(np.array([[3.0, 5.0, 1.0]]), np.array([0]))
    assert loss == pytest.approx(3.0, abs=1e-12)
    np.testing.assert_allclose(dx, [[-1.0, 1.0, 0.0]], atol=1e-12)


@pytest.mark.part("Layers: SVM and softmax losses")
@pytest.mark.points(1)
def test_softmax_loss_hand_worked():
    # Equal scores over C classes: every probability is 1/C, loss = log(C), dx = (1/C - onehot) / N.
    loss, dx = softmax_loss(np.zeros((2, 4)), np.array([1, 3]))
    assert loss == pytest.approx(np.log(4), abs=1e-12)
    np.testing.assert_allclose(dx, (np.full((2, 4), 0.25) - np.eye(4)[[1, 3]]) / 2, atol=1e-12)


@pytest.mark.parametrize("loss_fn, reference", [(svm_loss, _svm_loop), (softmax_loss, _softmax_loop)])
def test_losses_against_loops_and_numeric(loss_fn, reference):
    rng = np.random.default_rng(231)
    num_classes, num_inputs = 10, 50
    x = 0.001 * rng.standard_normal((num_inputs, num_classes))
    y = rng.integers(num_classes, size=num_inputs)
    loss, dx = loss_fn(x, y)
    ref_loss, ref_dx = reference(x, y)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-9, atol=1e-12)
    dx_num = eval_numerical_gradient(lambda x: loss_fn(x, y)[0], x, verbose=False)
    assert rel_error(dx_num, dx) < 1e-7
    # The course's sanity values for small random scores: svm about 9 (= C - 1), softmax
    # about 2.3 (= log 10).
    expected = 9.0 if loss_fn is svm_loss else np.log(10)
    assert loss == pytest.approx(expected, abs=0.01)


def test_softmax_loss_is_stable_for_large_scores():
    x = np.array([[1000.0, 0.0, -1000.0], [-5e4, 5e4, 0.0]])
    loss, dx = softmax_loss(x, np.array([0, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    assert loss == pytest.approx(0.0, abs=1e-12)
    # A correct class 500 below the best: -log p = 500 + log(1 + e^-100 + e^-500), exact to
    # rounding whether the loss takes the log of probabilities shifted by the row maximum (as
    # the TODO says) or uses log-sum-exp; a gap of 1e5 would underflow the first to log(0).
    loss, _ = softmax_loss(np.array([[1000.0, 900.0, 500.0]]), np.array([2]))
    assert loss == pytest.approx(500.0, rel=1e-12)


def test_affine_shape_mismatch_names_layer_and_shapes():
    with pytest.raises(ValueError) as e:
        affine_forward(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3))
    assert str(e.value) == ("affine_forward: x has shape (2, 5) (D=5) but w has shape (4, 3) "
                            "(D=4)")
    with pytest.raises(ValueError, match=r"affine_forward: b must have shape \(3,\).*got shape \(4,\)"):
        affine_forward(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"affine_forward: x must have shape"):
        affine_forward(np.zeros(4), np.zeros((4, 3)), np.zeros(3))
    _, cache = affine_forward(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"affine_backward: dout has shape \(2, 4\) but the forward "
                                         r"output had shape \(2, 3\)"):
        affine_backward(np.zeros((2, 4)), cache)


def test_relu_and_loss_bad_input():
    _, cache = relu_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"relu_backward: dout has shape \(3, 2\)"):
        relu_backward(np.zeros((3, 2)), cache)
    for fn, name in ((softmax_loss, "softmax_loss"), (svm_loss, "svm_loss")):
        with pytest.raises(ValueError, match=rf"{name}: x has shape \(2, 3\) \(N=2\) but y has shape \(3,\)"):
            fn(np.zeros((2, 3)), np.array([0, 1, 2]))
        with pytest.raises(ValueError, match=rf"{name}: labels must lie in 0..2"):
            fn(np.zeros((2, 3)), np.array([0, 3]))
        with pytest.raises(ValueError, match=rf"{name}: y must hold integer class labels"):
            fn(np.zeros((2, 3)), np.array([0.0, 1.0]))
