"""Test accuracies of the course's simpler classifiers, to judge the two-layer net against.

The hyperparameters below were chosen in ``notebooks/knn.ipynb`` (k by 5-fold
cross-validation) and ``notebooks/svm.ipynb`` / ``notebooks/softmax.ipynb`` (learning
rate and regularisation by a sweep on the validation split). ``reg`` follows the
project's convention: the loss gets ``0.5 * reg * sum(W * W)``.
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.blas import blas_threads
from cs231n._validation import check_data_dict, check_X, check_y
from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.classifiers.linear_classifier import LinearSVM, Softmax

#: k-NN: training / test subset sizes (the course's usual 5,000 / 500) and k.
KNN_NUM_TRAIN = 5000
KNN_NUM_TEST = 500
KNN_K = 1
#: Linear classifiers: keyword arguments of LinearClassifier.train.
SVM_HYPERPARAMS = dict(learning_rate=3e-7, reg=1e4, num_iters=1500, batch_size=500)
SOFTMAX_HYPERPARAMS = dict(learning_rate=3e-6, reg=1e3, num_iters=1500, batch_size=500)


def add_bias_column(X):
    """The bias trick: append a column of ones to X of shape (N, D), keeping its dtype.

    Returns an array of shape (N, D + 1).
    """
    X = check_X(X)
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


def baseline_accuracies(data, seed=0, verbose=False, skip_missing=True):
    """Train k-NN, a linear SVM and a Softmax classifier; return their test accuracies.

    Inputs:
    - data: the dict of get_CIFAR10_data (mean-subtracted images as rows):
      X_train (N_train, D), y_train (N_train,), X_test (N_test, D), y_test (N_test,).
      Other keys (X_val, y_val) are ignored.
    - seed: seed of the initial weights and minibatches of each linear classifier. Each
      classifier trains from its own generator, ``np.random.default_rng(seed)``, as if it
      were trained alone: with seed=0 the SVM and the Softmax are the ones ``svm.ipynb``
      and ``softmax.ipynb`` train with ``seed=0`` (not the second half of one shared
      stream).
    - verbose: print each accuracy as it is measured.
    - skip_missing: leave out, with a one-line message, a classifier whose code is not
      written yet (raises NotImplementedError); False lets the error through.

    k-NN memorises the first KNN_NUM_TRAIN training images and is scored on the first
    KNN_NUM_TEST test images (as in the course and ``knn.ipynb``, because it is slow on the
    full set); the SVM and Softmax train on the whole training split with the bias trick
    and are scored on the whole test split. Small matrix products run single-threaded: that is
    faster on a busy machine and makes the numbers independent of the core count.

    Returns a dict {"k-NN": acc, "Linear SVM": acc, "Softmax": acc} of floats in [0, 1]; a
    classifier whose code raises NotImplementedError (the student version, before that
    part is written) is left out with a one-line message naming it.
    """
    check_data_dict(data, ("X_train", "y_train", "X_test", "y_test"))
    X_train = check_X(data["X_train"], name="X_train")
    y_train = check_y(data["y_train"], X_train.shape[0], name="y_train")
    X_test = check_X(data["X_test"], name="X_test", n_features=X_train.shape[1])
    y_test = check_y(data["y_test"], X_test.shape[0], name="y_test")

    accuracies = {}
    with blas_threads(1):
        knn_train, knn_test = slice(0, KNN_NUM_TRAIN), slice(0, min(KNN_NUM_TEST, X_test.shape[0]))

        def knn():
            model = KNearestNeighbor().train(X_train[knn_train], y_train[knn_train])
            y_pred = model.predict(X_test[knn_test], k=min(KNN_K, model.X_train.shape[0]))
            return float(np.mean(y_pred == y_test[knn_test]))

        _score(accuracies, f"k-NN (k={KNN_K})", "k-NN", knn, verbose, skip_missing)
        X_train_b, X_test_b = add_bias_column(X_train), add_bias_column(X_test)
        for name, model, params in (("Linear SVM", LinearSVM(), SVM_HYPERPARAMS),
                                    ("Softmax", Softmax(), SOFTMAX_HYPERPARAMS)):
            def linear(model=model, params=params):
                # Its own generator: the same weights as when this classifier trains alone.
                model.train(X_train_b, y_train, seed=np.random.default_rng(seed), **params)
                return float(np.mean(model.predict(X_test_b) == y_test))

            _score(accuracies, name, name, linear, verbose, skip_missing)
    return accuracies


def _score(accuracies, label, name, measure, verbose, skip_missing):
    """accuracies[name] = measure(), or a one-line note if a part is not written yet.

    A student doing the net first has no k-NN, SVM or Softmax yet: the comparison then
    shows what is implemented and names what is skipped.
    """
    try:
        accuracies[name] = measure()
    except NotImplementedError as e:
        if not skip_missing:
            raise
        part = str(e).split(": implement")[0]
        print(f"{name}: skipped, not implemented yet ({part})")
        return
    if verbose:
        print(f"{label}: test accuracy {accuracies[name]:.3f}")
