"""The gradient checkers on functions whose gradients are known in closed form."""
import numpy as np
import pytest

from cs231n.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                   grad_check_sparse, rel_error)


def test_rel_error_by_hand():
    # |1 - 1.1| / (1 + 1.1) = 0.1 / 2.1
    assert rel_error(np.array([1.0, 5.0]), np.array([1.1, 5.0])) == pytest.approx(0.1 / 2.1)
    assert rel_error(0.0, 0.0) == 0.0


def test_numerical_gradient_of_a_cubic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x, verbose=False)
    np.testing.assert_allclose(grad, 3 * original ** 2, rtol=1e-8)
    assert np.array_equal(x, original)  # restored after perturbing


def test_numerical_gradient_array_of_an_elementwise_product():
    rng = np.random.default_rng(0)
    x, w, df = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    grad = eval_numerical_gradient_array(lambda v: v * w, x, df)
    np.testing.assert_allclose(grad, w * df, rtol=1e-8)


def test_grad_check_sparse_accepts_right_and_flags_wrong_gradients(capsys):
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    f = lambda v: np.sum(np.sin(v))  # noqa: E731
    assert grad_check_sparse(f, x, np.cos(x), num_checks=8, rng=1) < 1e-8
    assert "relative error" in capsys.readouterr().out
    assert grad_check_sparse(f, x, 1.1 * np.cos(x), num_checks=8, rng=1, verbose=False) > 1e-2
