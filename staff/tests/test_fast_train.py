"""The staff's fast path against TwoLayerNet.train: the same minibatches, losses and weights.

Both run in this process under the same BLAS setting; the fast path sums in another order
(fused GEMM, lr-scaled gradients), so the comparison has a float tolerance, never bitwise.
"""
import warnings

import numpy as np
import pytest

from cs231n.classifiers.neural_net import DivergenceWarning, TwoLayerNet
from cs231n.tools import fast
from cs231n.tools.training import has_fast_path, train_net


def problem(n=600, dim=40, classes=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = 2.0 * rng.standard_normal((classes, dim))
    y = rng.integers(classes, size=n)
    X = centres[y] + rng.standard_normal((n, dim))
    return X.astype(dtype), y


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 2e-4)])
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_same_history_and_weights_as_train(gemm_path, dtype, rtol, reg):
    X, y = problem(dtype=dtype)
    settings = dict(learning_rate=5e-2, learning_rate_decay=0.9, reg=reg, num_iters=60,
                    batch_size=50, seed=3)
    plain = TwoLayerNet(40, 30, 5, std=1e-1, seed=1)
    quick = TwoLayerNet(40, 30, 5, std=1e-1, seed=1)
    h_plain = plain.train(X, y, X[:100], y[:100], **settings)
    h_quick = fast.train(quick, X, y, X[:100], y[:100], **settings)
    np.testing.assert_allclose(h_quick["loss_history"], h_plain["loss_history"], rtol=rtol)
    assert h_quick["learning_rates"] == h_plain["learning_rates"]
    assert h_quick["iterations_per_epoch"] == h_plain["iterations_per_epoch"] == 12
    # Accuracies are counts of argmaxes: equal unless a score ties within rounding.
    np.testing.assert_allclose(h_quick["val_acc_history"], h_plain["val_acc_history"], atol=0.02)
    for k in plain.params:
        assert quick.params[k].dtype == dtype
        scale = np.abs(plain.params[k]).max()
        np.testing.assert_allclose(quick.params[k], plain.params[k], rtol=rtol,
                                   atol=rtol * scale, err_msg=k)


def test_diverges_at_the_same_iteration_with_the_same_message():
    X, y = problem()
    settings = dict(learning_rate=1e2, learning_rate_decay=1.0, num_iters=100, batch_size=20,
                    seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        h_plain = TwoLayerNet(40, 10, 5, std=1e-1, seed=0).train(X, y, X, y, **settings)
    with pytest.warns(DivergenceWarning, match="diverged at iteration"):
        h_quick = fast.train(TwoLayerNet(40, 10, 5, std=1e-1, seed=0), X, y, X, y, **settings)
    assert h_plain["diverged_at"] is not None
    assert h_quick["diverged_at"] == h_plain["diverged_at"]
    assert h_quick["message"].split(":")[0] == h_plain["message"].split(":")[0]


def test_callback_sees_every_step_and_its_loss():
    X, y = problem()
    seen = []
    history = fast.train(TwoLayerNet(40, 10, 5, std=1e-1, seed=0), X, y, X, y, num_iters=25,
                         batch_size=20, seed=0, callback=lambda it, loss: seen.append((it, loss)))
    assert [it for it, _ in seen] == list(range(25))
    assert [loss for _, loss in seen] == history["loss_history"]


def test_tools_use_the_fast_path_only_for_a_plain_two_layer_net():
    assert has_fast_path()
    X, y = problem(n=100)
    calls = []

    class Mine(TwoLayerNet):
        def train(self, *args, **kwargs):
            calls.append(kwargs)
            return super().train(*args, **kwargs)

    train_net(Mine(40, 5, 5, seed=0), X, y, X, y, num_iters=2, seed=0)
    train_net(TwoLayerNet(40, 5, 5, seed=0), X, y, X, y, num_iters=2, seed=0)
    assert len(calls) == 1  # the subclass kept its own train; the plain net went fast


def test_refuses_what_is_not_a_two_layer_net():
    with pytest.raises(TypeError, match="trains a TwoLayerNet"):
        fast.train(object(), np.zeros((2, 2)), [0, 1], np.zeros((2, 2)), [0, 1])
