"""Hidden tests of TwoLayerNet, one part at a time: the training loop and predict are
graded with the net's loss replaced by a stub, so each part stands on its own."""
import numpy as np
import pytest

import _reference as ref


def _net(D, H, C, seed):
    from cs231n.classifiers.neural_net import TwoLayerNet

    rng = np.random.default_rng(seed)
    net = TwoLayerNet(D, H, C, std=1.0, seed=0)
    net.params = {"W1": rng.standard_normal((D, H)), "b1": rng.standard_normal(H),
                  "W2": rng.standard_normal((H, C)), "b2": rng.standard_normal(C)}
    return net, rng


@pytest.mark.part("TwoLayerNet: forward")
@pytest.mark.points(1)
@pytest.mark.parametrize("shape", [(7, 5, 6, 4), (3, 9, 2, 5)])
def test_scores(shape):
    N, D, H, C = shape
    net, rng = _net(D, H, C, seed=N)
    X = rng.standard_normal((N, D))
    scores = net.loss(X)
    np.testing.assert_allclose(scores, ref.two_layer_scores(net.params, X), rtol=1e-9, atol=1e-9)


@pytest.mark.part("TwoLayerNet: loss")
@pytest.mark.points(1)
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_loss(reg):
    net, rng = _net(6, 8, 5, seed=11)
    X = rng.standard_normal((9, 6))
    y = rng.integers(0, 5, 9)
    loss, _ = net.loss(X, y, reg=reg)
    p = net.params
    expected = ref.softmax_data_loss(ref.two_layer_scores(p, X), y) + 0.5 * reg * (
        np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    assert loss == pytest.approx(expected, rel=1e-9)


@pytest.mark.part("TwoLayerNet: backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("reg", [0.05, 0.5, 2.0])
def test_gradients(reg):
    net, rng = _net(5, 7, 4, seed=int(reg * 100))
    X = rng.standard_normal((8, 5))
    y = rng.integers(0, 4, 8)
    _, grads = net.loss(X, y, reg=reg)
    expected = ref.two_layer_grads(net.params, X, y, reg)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-7, atol=1e-9,
                                   err_msg=name)


class _Stub:
    """A loss that records the minibatches and returns fixed gradients."""

    def __init__(self, net, X):
        self.net, self.X, self.batches = net, X, []
        self.G = {k: np.full_like(v, 0.5) + 0.25 * np.arange(v.size).reshape(v.shape) / v.size
                  for k, v in net.params.items()}

    def __call__(self, X, y=None, reg=0.0):
        if y is None:
            return ref.two_layer_scores(self.net.params, X)
        self.batches.append((np.array(X), np.array(y)))
        return 1.0, {k: g.copy() for k, g in self.G.items()}


def _stubbed(N=50, D=4, H=5, C=3):
    net, rng = _net(D, H, C, seed=3)
    X = rng.standard_normal((N, D))
    X[:, 0] = np.arange(N)  # row i is recognisable by its first feature
    y = rng.integers(0, C, N)
    stub = _Stub(net, X)
    net.loss = stub
    net.predict = lambda Z: np.argmax(ref.two_layer_scores(net.params, Z), axis=1)
    return net, stub, X, y


@pytest.mark.part("TwoLayerNet: training loop")
@pytest.mark.points(2)
def test_minibatches_are_rows_of_X_with_their_labels():
    net, stub, X, y = _stubbed()
    net.train(X, y, X[:10], y[:10], learning_rate=1e-3, learning_rate_decay=1.0, reg=0.0,
              num_iters=8, batch_size=10, seed=0)
    ref.check_minibatches(stub.batches, X, y, num_iters=8, batch_size=10)


@pytest.mark.part("TwoLayerNet: training loop")
@pytest.mark.points(2)
def test_sgd_update_with_learning_rate_decay():
    net, stub, X, y = _stubbed()
    start = {k: v.copy() for k, v in net.params.items()}
    lr, decay = 0.1, 0.5
    net.train(X, y, X[:10], y[:10], learning_rate=lr, learning_rate_decay=decay, reg=0.0,
              num_iters=12, batch_size=10, seed=0)
    # 5 iterations per epoch: 5 steps at lr, 5 at lr / 2, 2 at lr / 4
    total = 5 * lr + 5 * lr * decay + 2 * lr * decay ** 2
    for k in start:
        np.testing.assert_allclose(net.params[k], start[k] - total * stub.G[k], rtol=1e-9,
                                   atol=1e-12, err_msg=k)


@pytest.mark.part("TwoLayerNet: predict")
@pytest.mark.points(1)
def test_predict_is_argmax_of_scores():
    net, rng = _net(6, 7, 5, seed=8)
    X = rng.standard_normal((40, 6))
    scores = ref.two_layer_scores(net.params, X)
    net.loss = lambda Z, y=None, reg=0.0: ref.two_layer_scores(net.params, Z)
    np.testing.assert_array_equal(net.predict(X), np.argmax(scores, axis=1))
