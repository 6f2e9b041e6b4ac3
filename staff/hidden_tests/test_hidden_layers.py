"""Hidden tests of cs231n.layers against formulas and loops written out here."""
import numpy as np
import pytest

import _reference as ref


@pytest.mark.part("Layers: affine")
@pytest.mark.points(2)
def test_affine_forward_and_backward():
    from cs231n.layers import affine_backward, affine_forward

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    out, cache = affine_forward(x, w, b)
    expected = np.array([[sum(x[n].reshape(-1)[d] * w[d, m] for d in range(6)) + b[m]
                          for m in range(5)] for n in range(4)])
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    dout = rng.standard_normal((4, 5))
    dx, dw, db = affine_backward(dout, cache)
    np.testing.assert_allclose(dx, (dout @ w.T).reshape(4, 2, 3), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw, x.reshape(4, 6).T @ dout, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, dout.sum(0), rtol=1e-10, atol=1e-12)


@pytest.mark.part("Layers: ReLU")
@pytest.mark.points(1)
def test_relu_forward():
    from cs231n.layers import relu_forward

    x = np.array([[-2.0, -0.0, 0.5], [3.0, -1e-9, 0.0]])
    out, _ = relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.5], [3.0, 0.0, 0.0]])


@pytest.mark.part("Layers: ReLU")
@pytest.mark.points(1)
def test_relu_backward():
    from cs231n.layers import relu_backward, relu_forward

    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6))
    dout = rng.standard_normal((5, 6))
    _, cache = relu_forward(x)
    np.testing.assert_allclose(relu_backward(dout, cache), dout * (x > 0), atol=0)


@pytest.mark.part("Layers: SVM and softmax losses")
@pytest.mark.points(1)
def test_svm_loss_against_loop():
    from cs231n.layers import svm_loss

    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((7, 5)), rng.integers(0, 5, 7)
    loss, dx = svm_loss(x, y)
    ref_loss, ref_dx = ref.score_svm_loop(x, y)
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    np.testing.assert_allclose(dx, ref_dx, atol=1e-12)


@pytest.mark.part("Layers: SVM and softmax losses")
@pytest.mark.points(1)
def test_softmax_loss_against_loop():
    from cs231n.layers import softmax_loss

    rng = np.random.default_rng(3)
    x, y = 3 * rng.standard_normal((7, 5)), rng.integers(0, 5, 7)
    loss, dx = softmax_loss(x, y)
    ref_loss, ref_dx = ref.score_softmax_loop(x, y)
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-8, atol=1e-12)
