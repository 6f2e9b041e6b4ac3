"""TwoLayerNet against the course's published toy numbers and independent computations."""
import math
import re
import warnings

import numpy as np
import pytest

from cs231n.classifiers.neural_net import DivergenceWarning, TwoLayerNet
from cs231n.gradient_check import eval_numerical_gradient, rel_error

# The course's toy problem (CS231n assignment 1, two_layer_net.ipynb) and its published numbers.
CORRECT_SCORES = np.array([
    [-0.81233741, -1.27654624, -0.70335995],
    [-0.17129677, -1.18803311, -0.47310444],
    [-0.51590475, -1.01354314, -0.8504215],
    [-0.15419291, -0.48629638, -0.52901952],
    [-0.00618733, -0.12435261, -0.15226949]])
CORRECT_LOSS = 1.30378789133  # at reg=0.1 with the 0.5 * reg * ||W||^2 convention


def toy_model():
    np.random.seed(0)
    return TwoLayerNet(4, 10, 3, std=1e-1)


def toy_data():
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    return X, y


def reference_loss(params, X, y, reg):
    """Loss computed independently, one sample and one class at a time with math.exp/log."""
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    total = 0.0
    for i in range(X.shape[0]):
        hidden = [max(0.0, sum(X[i, d] * W1[d, h] for d in range(W1.shape[0])) + b1[h])
                  for h in range(W1.shape[1])]
        scores = [sum(hidden[h] * W2[h, c] for h in range(W2.shape[0])) + b2[c]
                  for c in range(W2.shape[1])]
        top = max(scores)
        log_norm = top + math.log(sum(math.exp(s - top) for s in scores))
        total += log_norm - scores[y[i]]
    return total / X.shape[0] + 0.5 * reg * (float((W1 ** 2).sum()) + float((W2 ** 2).sum()))


def blobs(n_per_class=40, num_classes=3, dim=6, seed=0, spread=0.3):
    """Well separated Gaussian blobs: a linearly separable toy problem."""
    rng = np.random.default_rng(seed)
    centres = 3.0 * rng.standard_normal((num_classes, dim))
    y = np.repeat(np.arange(num_classes), n_per_class)
    X = centres[y] + spread * rng.standard_normal((y.size, dim))
    perm = rng.permutation(y.size)
    return X[perm], y[perm]


def test_toy_init_matches_course_weights():
    net = toy_model()
    np.random.seed(0)
    assert np.array_equal(net.params["W1"], 1e-1 * np.random.randn(4, 10))
    assert np.array_equal(net.params["W2"], 1e-1 * np.random.randn(10, 3))
    assert not net.params["b1"].any() and not net.params["b2"].any()
    assert net.params["W1"].shape == (4, 10) and net.params["b2"].shape == (3,)


@pytest.mark.part("TwoLayerNet: forward")
@pytest.mark.points(1)
def test_toy_scores_match_course():
    X, _ = toy_data()
    scores = toy_model().loss(X)
    assert scores.shape == (5, 3)
    # The course's implementation gives 3.68e-08 (its numbers are printed to 8 decimals).
    assert np.sum(np.abs(scores - CORRECT_SCORES)) < 1e-7


@pytest.mark.part("TwoLayerNet: loss")
@pytest.mark.points(1)
def test_toy_loss_matches_course():
    X, y = toy_data()
    loss, _ = toy_model().loss(X, y, reg=0.1)
    assert abs(loss - CORRECT_LOSS) < 1e-12


@pytest.mark.parametrize("reg", [0.0, 0.1, 1.0, 3.0])
def test_loss_matches_independent_loop(reg):
    X, y = toy_data()
    net = toy_model()
    loss, _ = net.loss(X, y, reg=reg)
    assert loss == pytest.approx(reference_loss(net.params, X, y, reg), rel=1e-12)


@pytest.mark.parametrize("reg", [0.1, 1.0])
def test_gradients_match_numeric(reg):
    # At reg=1.0 a missing or halved regularisation gradient would be off by about 1e-1,
    # far above the tolerance.
    X, y = toy_data()
    net = toy_model()
    _, grads = net.loss(X, y, reg=reg)
    for name, param in net.params.items():
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y, reg=reg)[0], param, verbose=False)
        assert rel_error(numeric, grads[name]) < 1e-8, name


def test_softmax_is_stable_for_huge_scores():
    net = TwoLayerNet(2, 3, 2, std=0.0, seed=0)
    net.params["W1"][:] = [[10.0, 0, 0], [0, 0, 0]]
    net.params["W2"][:] = [[1.0, 0.999], [0, 0], [0, 0]]
    X = np.array([[100.0, 0.0], [-100.0, 0.0]])  # scores (1000, 999) for the first sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss, grads = net.loss(X, np.array([1, 0]), reg=0.0)
    # Sample 0: scores (1000, 999), label 1 -> loss log(e^1000 + e^999) - 999 = 1 + log(1 + e^-1).
    # Sample 1: hidden is all zero -> scores (0, 0) -> loss log 2.
    expected = (1 + math.log(1 + math.exp(-1)) + math.log(2)) / 2
    assert np.isfinite(loss), (
        "the loss is not finite for scores near 1000: np.exp(1000) overflows to inf. Subtract "
        "each row's maximum score before np.exp; the softmax probabilities do not change.")
    assert loss == pytest.approx(expected, rel=1e-12)
    assert all(np.isfinite(g).all() for g in grads.values())


def test_larger_reg_gives_smaller_weights():
    X, y = blobs()
    norms = []
    for reg in (1e-4, 1.0):
        net = TwoLayerNet(6, 20, 3, std=1e-1, seed=3)
        net.train(X, y, X, y, learning_rate=5e-2, reg=reg, num_iters=300, batch_size=30, seed=4)
        norms.append(np.sum(net.params["W1"] ** 2) + np.sum(net.params["W2"] ** 2))
    assert norms[1] < 0.5 * norms[0]


def test_epoch_bookkeeping_and_decay_match_a_hand_written_sgd_loop():
    X, y = blobs(n_per_class=10)          # 30 samples
    batch_size, num_iters = 7, 20         # epoch = 30 // 7 = 4 iterations -> 5 epochs
    lr, decay, reg = 0.05, 0.5, 0.01
    net = TwoLayerNet(6, 5, 3, std=1e-1, seed=1)
    ref = TwoLayerNet(6, 5, 3, std=1e-1, seed=1)
    history = net.train(X, y, X[:9], y[:9], learning_rate=lr, learning_rate_decay=decay,
                        reg=reg, num_iters=num_iters, batch_size=batch_size, seed=2)

    # The same SGD written out by hand: lr halves after iterations 4, 8, 12, 16. seed=2
    # means the minibatches come from NumPy's global state seeded with 2; any way of
    # drawing 7 of 30 indices with replacement from it, like np.random.randint, gives them.
    np.random.seed(2)
    for it in range(num_iters):
        idx = np.random.randint(0, 30, size=batch_size)
        _, grads = ref.loss(X[idx], y[idx], reg=reg)
        step = lr * decay ** (it // 4)
        for k in ref.params:
            ref.params[k] -= step * grads[k]

    assert history["iterations_per_epoch"] == 4
    assert len(history["loss_history"]) == 20
    assert len(history["train_acc_history"]) == len(history["val_acc_history"]) == 5
    assert history["learning_rates"] == pytest.approx([0.05, 0.025, 0.0125, 0.00625, 0.003125])
    for k in ref.params:
        np.testing.assert_allclose(net.params[k], ref.params[k], rtol=1e-10, atol=1e-12)


def test_seed_makes_minibatches_reproducible_and_restores_global_state():
    X, y = blobs()
    np.random.seed(11)
    before = np.random.get_state()[1].copy()
    runs = [TwoLayerNet(6, 10, 3, std=1e-1, seed=0).train(X, y, X, y, num_iters=30,
                                                        batch_size=20, seed=5)
            for _ in range(2)]
    other = TwoLayerNet(6, 10, 3, std=1e-1, seed=0).train(X, y, X, y, num_iters=30,
                                                        batch_size=20, seed=6)
    assert runs[0]["loss_history"] == runs[1]["loss_history"]  # same process, same BLAS
    assert runs[0]["loss_history"] != other["loss_history"]
    assert np.array_equal(np.random.get_state()[1], before), "train must restore np.random"


def test_train_accuracy_is_measured_on_a_fixed_training_subset():
    X, y = blobs(n_per_class=400)  # 1,200 samples: the first 1,000 are the subset
    net = TwoLayerNet(6, 10, 3, std=1e-1, seed=0)
    history = net.train(X, y, X[:50], y[:50], num_iters=6, batch_size=200, seed=0)
    assert len(history["train_acc_history"]) == 1  # one epoch of 1200 // 200 = 6 steps
    assert history["train_acc_history"][0] == (net.predict(X[:1000]) == y[:1000]).mean()


class _BrokenGrads(TwoLayerNet):
    """A student's loss whose grads are missing a key or have a wrong shape."""

    def __init__(self, *args, broken, **kwargs):
        super().__init__(*args, **kwargs)
        self.broken = broken

    def loss(self, X, y=None, reg=0.0):
        out = super().loss(X, y, reg)
        if y is None:
            return out
        loss, grads = out
        if self.broken == "missing":
            del grads["b1"]
        else:
            grads["W2"] = grads["W2"].T
        return loss, grads


@pytest.mark.parametrize("broken, match", [
    ("missing", r"grads has no key 'b1'"),
    ("shape", r"grads\['W2'\] has shape \(3, 10\) but params\['W2'\] has shape \(10, 3\)"),
])
def test_update_names_the_key_and_shape_of_bad_grads(broken, match):
    X, y = blobs()
    net = _BrokenGrads(6, 10, 3, std=1e-1, seed=0, broken=broken)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match=match):
        net.train(X, y, X, y, num_iters=5, batch_size=20, seed=0)
    for k in before:  # nothing was applied
        np.testing.assert_array_equal(net.params[k], before[k])


def test_epoch_is_at_least_one_iteration():
    X, y = blobs(n_per_class=2)  # 6 samples, batch 200 -> epoch of 1 iteration
    history = TwoLayerNet(6, 4, 3, seed=0).train(X, y, X, y, num_iters=3, seed=0)
    assert history["iterations_per_epoch"] == 1
    assert len(history["val_acc_history"]) == 3


# lr * reg = 100: every step multiplies the weights by about -99 (the weight decay
# overshoots), so within about 80 steps 0.5 * reg * sum(W**2) passes the largest float and
# the loss of ANY correct implementation (textbook softmax or log-sum-exp) is inf or nan.
DIVERGING = dict(learning_rate=1e2, learning_rate_decay=1.0, reg=1.0, batch_size=20, seed=0)


def train_to_divergence(net, X, y, num_iters=200):
    """net.train with DIVERGING settings; the history and the warnings it gave, after
    checking that it stopped with exactly one DivergenceWarning and no NumPy noise."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = net.train(X, y, X, y, num_iters=num_iters, **DIVERGING)
    losses = history["loss_history"] or [float("nan")]
    weights = max(float(np.abs(v).max()) for v in net.params.values())
    assert any(issubclass(w.category, DivergenceWarning) for w in caught), (
        f"training with learning_rate=100 and reg=1 ran {num_iters} iterations without "
        f"stopping (largest loss {max(losses):.3g}, largest weight {weights:.3g}). With "
        "lr * reg = 100 every step multiplies the weights by about -99, so a correct loss "
        "becomes inf or nan within about 80 steps, once 0.5 * reg * sum(W**2) passes the "
        "largest float. Check that loss adds 0.5 * reg * (sum(W1**2) + sum(W2**2)) and "
        "reg * W to the gradients, and that train updates every parameter with "
        "-learning_rate * grads[...].")
    assert [str(w.message) for w in caught] == [history["message"]], (
        "training must warn once, with the divergence message; NumPy's overflow warnings "
        "are silenced by the training loop")
    return history


def test_divergence_stops_training_with_a_clear_message():
    X, y = blobs()
    history = train_to_divergence(TwoLayerNet(6, 10, 3, std=1e-1, seed=0), X, y)
    assert re.search(r"diverged at iteration \d+.*learning rate 100 \(initial 100\) and reg 1",
                     history["message"])
    it = history["diverged_at"]
    assert it is not None and it < 200 and f"iteration {it}:" in history["message"]
    assert len(history["loss_history"]) == it  # the losses before it are kept, all finite
    assert np.isfinite(history["loss_history"]).all()


def test_divergence_leaves_the_parameters_of_the_last_finite_step():
    X, y = blobs()
    diverged = TwoLayerNet(6, 10, 3, std=1e-1, seed=0)
    it = train_to_divergence(diverged, X, y)["diverged_at"]
    assert it is not None and it > 0
    # The same training stopped just before the diverging step: the same minibatches, so
    # the same parameters, all finite; the step of the non-finite loss was never applied.
    stopped = TwoLayerNet(6, 10, 3, std=1e-1, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        stopped.train(X, y, X, y, num_iters=it, **DIVERGING)
    for k in stopped.params:
        assert np.isfinite(diverged.params[k]).all()
        np.testing.assert_array_equal(diverged.params[k], stopped.params[k])


def test_training_without_divergence_reports_none():
    X, y = blobs()
    history = TwoLayerNet(6, 10, 3, std=1e-1, seed=0).train(X, y, X, y, learning_rate=1e-2,
                                                           num_iters=50, batch_size=20, seed=0)
    assert history["diverged_at"] is None and history["message"] is None


def test_toy_training_reaches_low_loss():
    X, y = toy_data()
    net = toy_model()
    history = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, seed=0)
    assert history["loss_history"][-1] < 0.02  # the course: final training loss ~0.017


def test_predict_on_separable_data():
    X, y = blobs(n_per_class=60, num_classes=4, seed=5)
    net = TwoLayerNet(6, 30, 4, std=1e-1, seed=0)
    net.train(X[:200], y[:200], X[200:], y[200:], learning_rate=5e-2, reg=1e-4,
              num_iters=400, batch_size=40, seed=0)
    pred = net.predict(X[200:])
    assert pred.dtype == np.int64 and pred.shape == (40,)
    assert (pred == y[200:]).mean() >= 0.95


@pytest.mark.part("TwoLayerNet: predict")
@pytest.mark.points(1)
def test_predict_equals_argmax_of_scores():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10_000, 8))
    net = TwoLayerNet(8, 16, 5, std=1.0, seed=1)
    assert np.array_equal(net.predict(X), np.argmax(net.loss(X), axis=1))


def test_float32_path_stays_float32_and_agrees_with_float64():
    X, y = blobs(n_per_class=50)
    X32 = X.astype(np.float32)
    net32 = TwoLayerNet(6, 20, 3, std=1e-1, seed=0)
    net64 = TwoLayerNet(6, 20, 3, std=1e-1, seed=0)
    assert net32.loss(X32).dtype == np.float32
    loss32, grads32 = net32.loss(X32, y, reg=0.1)
    assert all(g.dtype == np.float32 for g in grads32.values())
    h32 = net32.train(X32, y, X32, y, learning_rate=1e-2, reg=0.1, num_iters=50, batch_size=30, seed=0)
    h64 = net64.train(X, y, X, y, learning_rate=1e-2, reg=0.1, num_iters=50, batch_size=30, seed=0)
    assert all(p.dtype == np.float32 for p in net32.params.values())
    assert all(p.dtype == np.float64 for p in net64.params.values())
    # float32 keeps ~7 significant digits; 50 SGD steps lose at most a few of them.
    np.testing.assert_allclose(h32["loss_history"], h64["loss_history"], rtol=1e-4)
    for k in net64.params:
        np.testing.assert_allclose(net32.params[k], net64.params[k], rtol=1e-3, atol=1e-5)


def test_explicit_seed_is_reproducible_and_ignores_global_state():
    np.random.seed(123)
    a = TwoLayerNet(5, 4, 3, seed=7)
    np.random.seed(456)
    b = TwoLayerNet(5, 4, 3, seed=7)
    c = TwoLayerNet(5, 4, 3, seed=8)
    assert np.array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_save_and_load_predict_identically(tmp_path):
    X, y = blobs()
    net = TwoLayerNet(6, 10, 3, std=1e-1, seed=0)
    net.train(X, y, X, y, learning_rate=1e-2, num_iters=30, batch_size=20, seed=0)
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = TwoLayerNet.load(path)
    assert np.array_equal(loaded.predict(X), net.predict(X))
    assert all(np.array_equal(loaded.params[k], net.params[k]) for k in net.params)


def test_load_refuses_pickled_content(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W1=np.array([object()], dtype=object), b1=np.zeros(1), W2=np.zeros((1, 1)), b2=np.zeros(1))
    with pytest.raises(ValueError, match="pickle"):
        TwoLayerNet.load(path)


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((3, 5)), np.array([0, 1, 2]), r"must have 4 features \(columns\), got shape \(3, 5\)"),
    (np.zeros(4), None, r"must be 2-D"),
    (np.zeros((3, 4)), np.array([0, 1, 3]), r"labels must lie in 0\.\.2 \(3 classes\), found 3"),
    (np.zeros((3, 4)), np.array([0, -1, 2]), r"labels must be >= 0, found -1"),
    (np.zeros((3, 4)), np.array([0.0, 1.5, 2.0]), "integer class labels"),
    (np.zeros((3, 4)), np.array([0, 1]), "2 labels but X has 3 rows"),
    (np.array([[0, 0, np.nan, 0]] * 3), np.array([0, 1, 2]), "NaN"),
    (np.array([["a"] * 4] * 3), None, "must hold real numbers"),
])
def test_bad_input_to_loss_is_named(X, y, match):
    net = TwoLayerNet(4, 10, 3, seed=0)
    with pytest.raises(ValueError, match=match):
        net.loss(X, y)


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"batch_size": 2.5}, "batch_size must be a positive integer"),
    ({"num_iters": -1}, "num_iters must be a positive integer"),
    ({"learning_rate": 0.0}, r"learning_rate must be a finite number > 0"),
    ({"learning_rate": float("nan")}, r"learning_rate must be a finite number > 0, got nan"),
    ({"reg": -1.0}, r"reg must be a finite number >= 0"),
])
def test_bad_training_settings_are_named(kwargs, match):
    X, y = blobs(n_per_class=3)
    with pytest.raises(ValueError, match=match):
        TwoLayerNet(6, 4, 3, seed=0).train(X, y, X, y, **kwargs)


def test_bad_validation_set_is_named():
    X, y = blobs(n_per_class=3)
    with pytest.raises(ValueError, match=r"X_val must have 6 features \(columns\)"):
        TwoLayerNet(6, 4, 3, seed=0).train(X, y, X[:, :5], y)
    with pytest.raises(ValueError, match=r"y_val labels must lie in 0\.\.2"):
        TwoLayerNet(6, 4, 3, seed=0).train(X, y, X, y + 1)


def test_bad_predict_input_is_named():
    net = TwoLayerNet(4, 3, 2, seed=0)
    with pytest.raises(ValueError, match=r"must have 4 features \(columns\)"):
        net.predict(np.zeros((2, 3)))


@pytest.mark.parametrize("args", [(0, 3, 2), (4, -1, 2), (4, 3, 2.0)])
def test_bad_sizes_are_named(args):
    with pytest.raises(ValueError, match="must be a positive integer"):
        TwoLayerNet(*args)


def test_load_refuses_incomplete_or_mismatched_parameters(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, W1=np.zeros((4, 3)), b1=np.zeros(3), W2=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"partial\.npz.*missing \['b2'\]"):
        TwoLayerNet.load(path)
    with pytest.raises(ValueError, match="shapes do not fit together"):
        TwoLayerNet.from_params({"W1": np.zeros((4, 3)), "b1": np.zeros(3),
                                 "W2": np.zeros((5, 2)), "b2": np.zeros(2)})
