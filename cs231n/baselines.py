"""Test accuracies of the course's simpler classifiers, to judge the two-layer net against.

The hyperparameters below were chosen in ``notebooks/knn.ipynb`` (k by 5-fold
cross-validation) and ``notebooks/svm.ipynb`` / ``notebooks/softmax.ipynb`` (learning
rate and regularisation by a sweep on the validation split). ``reg`` follows the
project's convention: the loss gets ``0.5 * reg * sum(W * W)``.
"""
from __future__ import annotations

import numpy as np

from cs231n._blas import blas_threads
from cs231n._validation import check_X, check_y
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


def baseline_accuracies(data, seed=0, verbose=False):
    """Train k-NN, a linear SVM and a Softmax classifier; return their test accuracies.

    Inputs:
    - data: the dict of get_CIFAR10_data (mean-subtracted images as rows):
      X_train (N_train, D), y_train (N_train,), X_test (N_test, D), y_test (N_test,).
      Other keys (X_val, y_val) are ignored.
    - seed: seed of the initial weights and minibatches of the linear classifiers.
    - verbose: print each accuracy as it is measured.

    k-NN memorises the first KNN_NUM_TRAIN training images and is scored on the first
    KNN_NUM_TEST test images (as in the course, because it is slow on the full set);
    the SVM and Softmax train on the whole training split with the bias trick and are
    scored on the whole test split. Small matrix products run single-threaded: that is
    faster on a busy machine and makes the numbers independent of the core count.

    Returns a dict {"k-NN": acc, "Linear SVM": acc, "Softmax": acc} of floats in [0, 1].
    """
    missing = [key for key in ("X_train", "y_train", "X_test", "y_test") if key not in data]
    if missing:
        raise ValueError(f"data is missing {missing}; pass the dict of get_CIFAR10_data")
    X_train = check_X(data["X_train"], name="X_train")
    y_train = check_y(data["y_train"], X_train.shape[0], name="y_train")
    X_test = check_X(data["X_test"], name="X_test", n_features=X_train.shape[1])
    y_test = check_y(data["y_test"], X_test.shape[0], name="y_test")

    accuracies = {}
    with blas_threads(1):
        knn = KNearestNeighbor().train(X_train[:KNN_NUM_TRAIN], y_train[:KNN_NUM_TRAIN])
        n_test = min(KNN_NUM_TEST, X_test.shape[0])
        y_pred = knn.predict(X_test[:n_test], k=min(KNN_K, knn.X_train.shape[0]))
        accuracies["k-NN"] = float(np.mean(y_pred == y_test[:n_test]))
        if verbose:
            print(f"k-NN (k={KNN_K}): test accuracy {accuracies['k-NN']:.3f}")

        X_train_b, X_test_b = add_bias_column(X_train), add_bias_column(X_test)
        rng = np.random.default_rng(seed)
        for name, model, params in (("Linear SVM", LinearSVM(), SVM_HYPERPARAMS),
                                    ("Softmax", Softmax(), SOFTMAX_HYPERPARAMS)):
            model.train(X_train_b, y_train, seed=rng, **params)
            accuracies[name] = float(np.mean(model.predict(X_test_b) == y_test))
            if verbose:
                print(f"{name}: test accuracy {accuracies[name]:.3f}")
    return accuracies
