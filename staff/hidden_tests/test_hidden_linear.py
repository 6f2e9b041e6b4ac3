"""Hidden tests of the linear classifiers' losses (against loops) and of LinearClassifier's
training loop and predict (with the loss replaced by a stub)."""
import numpy as np
import pytest

import _reference as ref


def _problem(seed, N=12, D=5, C=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((D, C)), rng.standard_normal((N, D)), rng.integers(0, C, N)


def _check(fn_name, module, reference, seed, reg):
    import importlib

    fn = getattr(importlib.import_module(f"cs231n.classifiers.{module}"), fn_name)
    W, X, y = _problem(seed)
    loss, dW = fn(W, X, y, reg)
    ref_loss, ref_dW = reference(W, X, y, reg)
    assert loss == pytest.approx(ref_loss, rel=1e-8)
    np.testing.assert_allclose(dW, ref_dW, rtol=1e-7, atol=1e-10)


@pytest.mark.part("SVM: naive loss and gradient")
@pytest.mark.points(2)
def test_svm_naive():
    _check("svm_loss_naive", "linear_svm", ref.svm_loop, 1, 0.4)


@pytest.mark.part("SVM: naive loss and gradient")
@pytest.mark.points(1)
def test_svm_naive_no_reg():
    _check("svm_loss_naive", "linear_svm", ref.svm_loop, 2, 0.0)


@pytest.mark.part("SVM: vectorised loss and gradient")
@pytest.mark.points(2)
def test_svm_vectorised():
    _check("svm_loss_vectorized", "linear_svm", ref.svm_loop, 3, 0.4)


@pytest.mark.part("SVM: vectorised loss and gradient")
@pytest.mark.points(1)
def test_svm_vectorised_no_reg():
    _check("svm_loss_vectorized", "linear_svm", ref.svm_loop, 4, 0.0)


@pytest.mark.part("Softmax: naive loss and gradient")
@pytest.mark.points(2)
def test_softmax_naive():
    _check("softmax_loss_naive", "softmax", ref.softmax_loop, 5, 0.4)


@pytest.mark.part("Softmax: naive loss and gradient")
@pytest.mark.points(1)
def test_softmax_naive_no_reg():
    _check("softmax_loss_naive", "softmax", ref.softmax_loop, 6, 0.0)


@pytest.mark.part("Softmax: vectorised loss and gradient")
@pytest.mark.points(2)
def test_softmax_vectorised():
    _check("softmax_loss_vectorized", "softmax", ref.softmax_loop, 7, 0.4)


@pytest.mark.part("Softmax: vectorised loss and gradient")
@pytest.mark.points(1)
def test_softmax_vectorised_no_reg():
    _check("softmax_loss_vectorized", "softmax", ref.softmax_loop, 8, 0.0)


def _stub_classifier():
    from cs231n.classifiers.linear_classifier import LinearClassifier

    class Stub(LinearClassifier):
        def __init__(self):
            super().__init__()
            self.batches = []
            self.G = None

        def loss(self, X_batch, y_batch, reg):
            self.batches.append((np.array(X_batch), np.array(y_batch)))
            return 1.0, self.G.copy()

    return Stub()


@pytest.mark.part("Linear classifier: SGD and predict")
@pytest.mark.points(1)
def test_linear_minibatches_are_rows_of_X_with_their_labels():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    X[:, 0] = np.arange(40)
    y = rng.integers(0, 4, 40)
    clf = _stub_classifier()
    clf.W = rng.standard_normal((3, 4))
    clf.G = np.zeros((3, 4))
    clf.train(X, y, learning_rate=0.1, reg=0.0, num_iters=6, batch_size=8, seed=0)
    ref.check_minibatches(clf.batches, X, y, num_iters=6, batch_size=8)


@pytest.mark.part("Linear classifier: SGD and predict")
@pytest.mark.points(1)
def test_linear_sgd_update():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 3))
    y = rng.integers(0, 4, 30)
    clf = _stub_classifier()
    W0 = rng.standard_normal((3, 4))
    clf.W = W0.copy()
    clf.G = rng.standard_normal((3, 4))
    clf.train(X, y, learning_rate=0.05, reg=0.0, num_iters=7, batch_size=5, seed=0)
    np.testing.assert_allclose(clf.W, W0 - 7 * 0.05 * clf.G, rtol=1e-9, atol=1e-12)


@pytest.mark.part("Linear classifier: SGD and predict")
@pytest.mark.points(1)
def test_linear_predict():
    from cs231n.classifiers.linear_classifier import LinearSVM

    rng = np.random.default_rng(2)
    clf = LinearSVM()
    clf.W = rng.standard_normal((6, 5))
    X = rng.standard_normal((50, 6))
    np.testing.assert_array_equal(clf.predict(X), np.argmax(X @ clf.W, axis=1))
