"""Hidden tests of the modular nets, with the layers they call replaced by the reference
layers of _reference.py: a net's part is graded on its own, whatever the layers give."""
import numpy as np
import pytest

import _reference as ref


@pytest.fixture
def fc_net(monkeypatch):
    from cs231n.classifiers import fc_net

    for name in ("affine_forward", "affine_backward", "affine_relu_forward",
                 "affine_relu_backward", "softmax_loss"):
        monkeypatch.setattr(fc_net, name, getattr(ref, name))
    return fc_net


def _check_init(net, dims, weight_scale):
    for i in range(1, len(dims)):
        W, b = net.params[f"W{i}"], net.params[f"b{i}"]
        assert W.shape == (dims[i - 1], dims[i]) and b.shape == (dims[i],)
        assert np.all(b == 0)
        assert abs(W.std() - weight_scale) < 0.15 * weight_scale
        assert abs(W.mean()) < 0.1 * weight_scale
    assert len(net.params) == 2 * (len(dims) - 1)


def _check_loss(net, num_layers, reg, rng, D, C):
    for k, v in net.params.items():
        net.params[k] = rng.standard_normal(v.shape)
    X, y = rng.standard_normal((6, D)), rng.integers(0, C, 6)
    scores = net.loss(X)
    ref_scores, ref_loss, ref_grads = ref.mlp_loss(net.params, num_layers, X, y, reg)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-9, atol=1e-9)
    loss, grads = net.loss(X, y)
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    assert sorted(grads) == sorted(ref_grads)
    for k in ref_grads:
        np.testing.assert_allclose(grads[k], ref_grads[k], rtol=1e-7, atol=1e-9, err_msg=k)


@pytest.mark.part("Modular nets: ModularTwoLayerNet")
@pytest.mark.points(1)
def test_modular_init(fc_net):
    net = fc_net.ModularTwoLayerNet(input_dim=60, hidden_dim=70, num_classes=8,
                                    weight_scale=0.02, seed=0)
    _check_init(net, [60, 70, 8], 0.02)


@pytest.mark.part("Modular nets: ModularTwoLayerNet")
@pytest.mark.points(2)
def test_modular_loss_and_gradients(fc_net):
    net = fc_net.ModularTwoLayerNet(input_dim=5, hidden_dim=7, num_classes=4, reg=0.3,
                                    dtype=np.float64, seed=0)
    _check_loss(net, 2, 0.3, np.random.default_rng(0), 5, 4)


@pytest.mark.part("Modular nets: FullyConnectedNet")
@pytest.mark.points(1)
def test_fc_init(fc_net):
    net = fc_net.FullyConnectedNet([50, 40, 30], input_dim=60, num_classes=8,
                                   weight_scale=0.05, dtype=np.float64, seed=0)
    _check_init(net, [60, 50, 40, 30, 8], 0.05)


@pytest.mark.part("Modular nets: FullyConnectedNet")
@pytest.mark.points(2)
def test_fc_loss_and_gradients(fc_net):
    net = fc_net.FullyConnectedNet([6, 5], input_dim=4, num_classes=3, reg=0.7,
                                   dtype=np.float64, seed=0)
    _check_loss(net, 3, 0.7, np.random.default_rng(1), 4, 3)
