"""Tests of LinearClassifier training (SGD) and its LinearSVM / Softmax subclasses."""
import re
import warnings

import numpy as np
import pytest

from cs231n.classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax
from cs231n.divergence import DivergenceWarning

MODELS = (LinearSVM, Softmax)


def blobs(seed=0, n_per_class=40, dim=6, num_classes=3, dtype=np.float64, noise_seed=None):
    """Linearly separable data: well-separated Gaussian blobs, with a bias column of ones.

    The centres depend on seed only; noise_seed draws new points around the same centres.
    """
    rng = np.random.default_rng(seed)
    centres = 5.0 * rng.normal(size=(num_classes, dim))
    if noise_seed is not None:
        rng = np.random.default_rng(noise_seed)
    y = np.repeat(np.arange(num_classes), n_per_class)
    X = centres[y] + 0.3 * rng.normal(size=(len(y), dim))
    X = np.hstack([X, np.ones((len(y), 1))]).astype(dtype)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


@pytest.mark.parametrize("model_cls", MODELS)
def test_training_reduces_loss_and_separates(model_cls):
    X, y = blobs()
    model = model_cls()
    history = model.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=300, batch_size=50, seed=0)
    assert len(history) == 300
    assert all(isinstance(v, float) for v in history)
    assert np.mean(history[-20:]) < 0.2 * history[0]
    assert model.W.shape == (7, 3)
    np.testing.assert_array_equal(model.predict(X), y)
    # New points around the same centres are classified correctly too.
    X_new, y_new = blobs(seed=0, n_per_class=10, noise_seed=99)
    np.testing.assert_array_equal(model.predict(X_new), y_new)


@pytest.mark.parametrize("model_cls", MODELS)
def test_initial_loss_matches_small_random_W(model_cls):
    # W starts at 0.001 * randn, so scores are ~0 and the first loss is that of W = 0:
    # SVM: C - 1 = 2 (every margin ~1); Softmax: log C = log 3.
    X, y = blobs()
    history = model_cls().train(X, y, learning_rate=1e-9, reg=0.0, num_iters=1, seed=0)
    expected = 2.0 if model_cls is LinearSVM else np.log(3)
    assert history[0] == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize("model_cls", MODELS)
def test_seed_makes_training_reproducible(model_cls):
    X, y = blobs()
    a, b, c = model_cls(), model_cls(), model_cls()
    ha = a.train(X, y, learning_rate=1e-2, num_iters=20, batch_size=10, seed=5)
    hb = b.train(X, y, learning_rate=1e-2, num_iters=20, batch_size=10, seed=5)
    hc = c.train(X, y, learning_rate=1e-2, num_iters=20, batch_size=10, seed=6)
    assert ha == hb
    np.testing.assert_array_equal(a.W, b.W)
    assert ha != hc
    # The run draws from NumPy's global state seeded with the seed, as np.random.seed does,
    # and gives the caller its own global state back.
    np.random.seed(11)
    before = np.random.get_state()[1].copy()
    d = model_cls()
    assert d.train(X, y, learning_rate=1e-2, num_iters=20, batch_size=10, seed=5) == ha
    assert np.array_equal(np.random.get_state()[1], before), "train must restore np.random"


@pytest.mark.parametrize("model_cls", MODELS)
def test_float32_path_stays_float32(model_cls):
    X, y = blobs(dtype=np.float32)
    model = model_cls()
    history = model.train(X, y, learning_rate=1e-2, num_iters=50, batch_size=20, seed=0)
    assert model.W.dtype == np.float32
    assert np.all(np.isfinite(history)) and history[-1] < history[0]
    assert model.predict(X).dtype.kind == "i"


@pytest.mark.parametrize("model_cls", MODELS)
def test_integer_data_trains_in_float64(model_cls):
    X, y = blobs()
    model = model_cls()
    model.train(np.rint(X).astype(np.int64), y, learning_rate=1e-3, num_iters=5, seed=0)
    assert model.W.dtype == np.float64


@pytest.mark.parametrize("model_cls", MODELS)
def test_training_continues_from_learned_W(model_cls):
    X, y = blobs()
    model = model_cls()
    model.train(X, y, learning_rate=1e-2, num_iters=10, seed=0)
    W_after_first = model.W.copy()
    history = model.train(X, y, learning_rate=1e-2, num_iters=10, seed=1)
    assert not np.array_equal(model.W, W_after_first)
    # The second run starts where the first stopped, not from a fresh 0.001 * randn.
    fresh = model_cls().train(X, y, learning_rate=1e-2, num_iters=1, seed=1)[0]
    assert history[0] < fresh


@pytest.mark.parametrize("model_cls", MODELS)
def test_verbose_prints_progress(model_cls, capsys):
    X, y = blobs()
    model_cls().train(X, y, num_iters=101, seed=0, verbose=True)
    out = capsys.readouterr().out
    assert "iteration 0 / 101: loss" in out and "iteration 100 / 101: loss" in out
    model_cls().train(X, y, num_iters=101, seed=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("model_cls", MODELS)
def test_divergence_stops_with_warning(model_cls):
    # lr * reg = 1e10: W grows by ~1e10 per step, so within ~35 steps sum(W * W) (and then
    # W itself) passes the largest float: any correct loss becomes inf or nan.
    X, y = blobs()
    model = model_cls()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.train(X, y, learning_rate=1e10, reg=1.0, num_iters=100, seed=0)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and caught[0].category is DivergenceWarning, (
        f"training with learning_rate=1e10 and reg=1 must stop with one DivergenceWarning "
        f"(got {messages or 'none'}; largest |W| {np.abs(model.W).max():.3g}). Each step "
        "multiplies W by about -1e10, so a correct loss with 0.5 * reg * sum(W * W) becomes "
        "inf or nan within about 35 steps: check the regularisation in the loss and that the "
        "update in train uses learning_rate * grad.")
    it = int(re.search(r"diverged at iteration (\d+): .*learning rate 1e\+10", messages[0])[1])
    assert 1 < it < 100
    assert len(history) == it and np.all(np.isfinite(history))  # the non-finite loss left out
    assert np.all(np.isfinite(model.W))  # its step was not applied


@pytest.mark.parametrize("model_cls", MODELS)
def test_no_warning_when_training_is_fine(model_cls):
    X, y = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model_cls().train(X, y, learning_rate=1e-2, num_iters=50, seed=0)


def test_base_class_is_abstract():
    X, y = blobs()
    with pytest.raises(NotImplementedError, match="LinearSVM or Softmax"):
        LinearClassifier().train(X, y, num_iters=1)


@pytest.mark.parametrize("model_cls", MODELS)
def test_predict_before_training(model_cls):
    with pytest.raises(ValueError, match="not trained"):
        model_cls().predict(np.zeros((2, 3)))


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("kwargs, match", [
    (dict(learning_rate=0.0), r"learning_rate must be a finite number > 0"),
    (dict(learning_rate=-1e-3), r"learning_rate must be"),
    (dict(reg=-1.0), r"reg must be a finite number >= 0"),
    (dict(num_iters=0), r"num_iters must be a positive integer"),
    (dict(num_iters=10.0), r"num_iters must be a positive integer"),
    (dict(batch_size=0), r"batch_size must be a positive integer"),
])
def test_bad_hyperparameters(model_cls, kwargs, match):
    X, y = blobs()
    with pytest.raises(ValueError, match=match):
        model_cls().train(X, y, **kwargs)


@pytest.mark.parametrize("model_cls", MODELS)
def test_bad_data(model_cls):
    X, y = blobs()
    model = model_cls()
    with pytest.raises(ValueError, match=r"X must be 2-D"):
        model.train(X[:, 0], y)
    with pytest.raises(ValueError, match=r"labels but X has"):
        model.train(X, y[:-1])
    with pytest.raises(ValueError, match=r">= 0"):
        model.train(X, y - 1)
    with pytest.raises(ValueError, match=r"non-integer"):
        model.train(X, y + 0.5)
    X_nan = X.copy()
    X_nan[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN"):
        model.train(X_nan, y)
    model.train(X, y, num_iters=1, seed=0)  # W is now (7, 3)
    with pytest.raises(ValueError, match=r"X must have 7 features"):
        model.predict(X[:, :5])
    with pytest.raises(ValueError, match=r"X has 5 features but .* W has shape \(7, 3\)"):
        model.train(X[:, :5], y)
    with pytest.raises(ValueError, match=r"0\.\.2 \(3 classes\), found 3"):
        model.train(X, np.where(y == 0, 3, y))
