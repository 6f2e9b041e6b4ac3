"""Tests of cs231n.classifiers.fc_net: the course's published values, numeric gradients,
agreement with the monolithic TwoLayerNet, dtypes, seeds and bad input."""
import numpy as np
import pytest

from cs231n.classifiers.fc_net import FullyConnectedNet, ModularTwoLayerNet
from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.gradient_check import eval_numerical_gradient, rel_error
from cs231n.solver import Solver


def course_two_layer_net():
    """The course's modular two-layer net check: N, D, H, C = 3, 5, 50, 7 on linspaces."""
    N, D, H, C = 3, 5, 50, 7
    model = ModularTwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    y = np.asarray([0, 5, 1])
    return model, X, y


def test_two_layer_init():
    std = 1e-3
    model = ModularTwoLayerNet(input_dim=5, hidden_dim=50, num_classes=7, weight_scale=std, seed=0)
    assert abs(model.params["W1"].std() - std) < std / 10
    assert abs(model.params["W2"].std() - std) < std / 10
    assert np.all(model.params["b1"] == 0) and np.all(model.params["b2"] == 0)
    assert {k: v.shape for k, v in model.params.items()} == \
        {"W1": (5, 50), "b1": (50,), "W2": (50, 7), "b2": (7,)}


def test_two_layer_course_reference_values():
    model, X, y = course_two_layer_net()
    scores = model.loss(X)
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    assert np.abs(scores - correct_scores).sum() < 1e-6
    loss, _ = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    model.reg = 1.0  # the 0.5 * reg * sum(W**2) convention gives the course's value
    loss, _ = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_numeric_gradients(reg):
    model, X, y = course_two_layer_net()
    model.reg = reg
    _, grads = model.loss(X, y)
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]  # noqa: E731
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False)
        assert rel_error(grad_num, grads[name]) < 1e-6, name


@pytest.mark.parametrize("hidden_dims", [[], [20], [20, 30], [12, 9, 8, 7]])
@pytest.mark.parametrize("reg", [0.0, 3.14])
def test_fc_net_numeric_gradients(hidden_dims, reg):
    rng = np.random.default_rng(231)
    N, D, C = 2, 15, 10
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    model = FullyConnectedNet(hidden_dims, input_dim=D, num_classes=C, reg=reg,
                              weight_scale=5e-2, dtype=np.float64, seed=0)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params) == \
        {f"{p}{i}" for i in range(1, len(hidden_dims) + 2) for p in "Wb"}
    if reg == 0:
        assert loss == pytest.approx(np.log(C), abs=0.1)  # small weights: about log(10)
    # Larger weights for the gradient check (scores of order 1, neither flat nor
    # saturated), so that the relative error measures the maths rather than the rounding
    # of tiny gradient entries.
    model = FullyConnectedNet(hidden_dims, input_dim=D, num_classes=C, reg=reg,
                              weight_scale=0.3, dtype=np.float64, seed=0)
    loss, grads = model.loss(X, y)
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]  # noqa: E731
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        assert rel_error(grad_num, grads[name]) < 1e-6, name


def test_fc_net_regularisation_convention():
    model = FullyConnectedNet([4], input_dim=3, num_classes=2, reg=0.0, dtype=np.float64, seed=1)
    X, y = np.ones((2, 3)), np.array([0, 1])
    loss0, grads0 = model.loss(X, y)
    model.reg = 2.0
    loss2, grads2 = model.loss(X, y)
    W1, W2 = model.params["W1"], model.params["W2"]
    assert loss2 - loss0 == pytest.approx(0.5 * 2.0 * (np.sum(W1**2) + np.sum(W2**2)), rel=1e-12)
    np.testing.assert_allclose(grads2["W1"] - grads0["W1"], 2.0 * W1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads2["b1"], grads0["b1"], rtol=1e-12)


def test_modular_equals_fc_net_with_one_hidden_layer():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 8)), rng.integers(4, size=6)
    a = ModularTwoLayerNet(input_dim=8, hidden_dim=5, num_classes=4, weight_scale=0.3, reg=0.2, seed=0)
    b = FullyConnectedNet([5], input_dim=8, num_classes=4, reg=0.2, dtype=np.float64)
    b.params = {k: v.copy() for k, v in a.params.items()}
    np.testing.assert_allclose(a.loss(X), b.loss(X), rtol=1e-12)
    (la, ga), (lb, gb) = a.loss(X, y), b.loss(X, y)
    assert la == pytest.approx(lb, rel=1e-12)
    for k in ga:
        np.testing.assert_allclose(ga[k], gb[k], rtol=1e-10, atol=1e-14)


def test_modular_equals_monolithic_two_layer_net():
    # Same weights, same data: the same loss (mean cross-entropy + 0.5 * reg * sum W**2)
    # and gradients as cs231n.classifiers.TwoLayerNet.
    rng = np.random.default_rng(1)
    D, H, C, N, reg = 12, 9, 5, 7, 0.3
    X, y = 10 * rng.standard_normal((N, D)), rng.integers(C, size=N)
    modular = ModularTwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=0.1,
                                 reg=reg, seed=2)
    modular.params["b1"] = rng.standard_normal(H)
    modular.params["b2"] = rng.standard_normal(C)
    mono = TwoLayerNet(D, H, C, std=0.1, seed=0, dtype=np.float64)
    for k, v in modular.params.items():
        mono.params[k] = v.copy()
    np.testing.assert_allclose(modular.loss(X), mono.loss(X), rtol=1e-12)
    (l1, g1), (l2, g2) = modular.loss(X, y), mono.loss(X, y, reg=reg)
    assert l1 == pytest.approx(l2, rel=1e-12)
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-10, atol=1e-13)


def test_dtypes():
    model = FullyConnectedNet([6], input_dim=4, num_classes=3, seed=0)
    assert all(v.dtype == np.float32 for v in model.params.values())  # the default
    scores = model.loss(np.ones((2, 4)))  # float64 input is computed in the net's dtype
    assert scores.dtype == np.float32
    _, grads = model.loss(np.ones((2, 4)), np.array([0, 2]))
    assert all(g.dtype == np.float32 for g in grads.values())
    two = ModularTwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2, dtype=np.float32, seed=0)
    assert all(v.dtype == np.float32 for v in two.params.values())
    with pytest.raises(ValueError, match="dtype must be a floating-point dtype"):
        FullyConnectedNet([3], dtype=np.int32)


def test_seeds():
    a = FullyConnectedNet([7, 7], input_dim=5, num_classes=3, seed=42)
    b = FullyConnectedNet([7, 7], input_dim=5, num_classes=3, seed=42)
    c = FullyConnectedNet([7, 7], input_dim=5, num_classes=3, seed=43)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    # seed=None draws from NumPy's global state, as the course does
    np.random.seed(0)
    d = ModularTwoLayerNet(input_dim=5, hidden_dim=4, num_classes=3, weight_scale=1.0)
    np.random.seed(0)
    np.testing.assert_allclose(d.params["W1"], np.random.randn(5, 4), rtol=1e-15)


def test_bad_input_names_the_net_and_shapes():
    model = FullyConnectedNet([6], input_dim=4, num_classes=3, seed=0)
    with pytest.raises(ValueError) as e:
        model.loss(np.ones((2, 5)))
    assert str(e.value) == "FullyConnectedNet.loss: X has shape (2, 5) (D=5) but the net has input_dim=4"
    with pytest.raises(ValueError, match="y has 3 labels but X has 2 rows"):
        model.loss(np.ones((2, 4)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2"):
        model.loss(np.ones((2, 4)), np.array([0, 3]))
    two = ModularTwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2)
    with pytest.raises(ValueError, match=r"ModularTwoLayerNet.loss: X has shape \(1, 2, 3\) \(D=6\)"):
        two.loss(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="hidden dimension must be a positive integer"):
        FullyConnectedNet([10, 0])
    # images (N, 2, 2) are flattened like the course's (N, 3, 32, 32)
    assert model.loss(np.ones((2, 2, 2))).shape == (2, 3)


@pytest.mark.parametrize("hidden_dims", [[50, 50], [50, 50, 50, 50]])
def test_overfits_a_small_synthetic_set(hidden_dims):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 30)), rng.integers(10, size=50)
    model = FullyConnectedNet(hidden_dims, input_dim=30, weight_scale=0.2, seed=0)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                    batch_size=25, num_epochs=20, verbose=False, seed=0)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0


@pytest.mark.cifar
@pytest.mark.parametrize("hidden_dims, weight_scale, learning_rate",
                         [([100, 100], 3e-2, 2e-3), ([100, 100, 100, 100], 7e-2, 3e-3)])
def test_overfits_50_cifar_images(cifar_dir, hidden_dims, weight_scale, learning_rate):
    # The notebook's overfitting experiment: 100% training accuracy within 20 epochs.
    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=1000, num_validation=100, num_test=10,
                            cifar10_dir=cifar_dir)
    small = {"X_train": data["X_train"][:50], "y_train": data["y_train"][:50],
             "X_val": data["X_val"], "y_val": data["y_val"]}
    model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, seed=0)
    solver = Solver(model, small, update_rule="sgd", optim_config={"learning_rate": learning_rate},
                    batch_size=25, num_epochs=20, verbose=False, seed=0)
    solver.train()
    assert max(solver.train_acc_history) == 1.0
