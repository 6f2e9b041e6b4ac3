"""Hidden tests of KNearestNeighbor: each distance method on its own, and predict_labels
from given distances."""
import numpy as np
import pytest

import _reference as ref


def _fitted(seed, num_train=9, dim=4, integer=False):
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    rng = np.random.default_rng(seed)
    X_train = rng.integers(-5, 6, (num_train, dim)).astype(float) if integer else rng.standard_normal((num_train, dim))
    knn = KNearestNeighbor()
    knn.train(X_train, rng.integers(0, 3, num_train))
    return knn, X_train, rng


def _check(method, seed, integer=False):
    knn, X_train, rng = _fitted(seed, integer=integer)
    X = rng.integers(-5, 6, (6, 4)).astype(float) if integer else rng.standard_normal((6, 4))
    dists = getattr(knn, method)(X)
    np.testing.assert_allclose(dists, ref.l2_distances(X, X_train), rtol=1e-7, atol=1e-7)


@pytest.mark.part("k-NN: two loops")
@pytest.mark.points(1)
@pytest.mark.parametrize("integer", [False, True])
def test_two_loops(integer):
    _check("compute_distances_two_loops", 1, integer)


@pytest.mark.part("k-NN: one loop")
@pytest.mark.points(1)
@pytest.mark.parametrize("integer", [False, True])
def test_one_loop(integer):
    _check("compute_distances_one_loop", 2, integer)


@pytest.mark.part("k-NN: no loops")
@pytest.mark.points(2)
def test_no_loops_random():
    _check("compute_distances_no_loops", 3)


@pytest.mark.part("k-NN: no loops")
@pytest.mark.points(1)
def test_no_loops_integer_points():
    _check("compute_distances_no_loops", 4, integer=True)


@pytest.mark.part("k-NN: predict labels")
@pytest.mark.points(1)
def test_predict_labels_k1_and_k3():
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    knn = KNearestNeighbor()
    knn.train(np.zeros((5, 2)), np.array([2, 0, 1, 1, 0]))
    dists = np.array([[5.0, 1.0, 4.0, 2.0, 3.0],
                      [0.5, 9.0, 0.7, 8.0, 0.6]])
    np.testing.assert_array_equal(knn.predict_labels(dists, k=1), [0, 2])
    # k=3: row 0 nearest are 1, 3, 4 -> labels 0, 1, 0 -> 0; row 1: 0, 4, 2 -> 2, 0, 1 -> tie, 0
    np.testing.assert_array_equal(knn.predict_labels(dists, k=3), [0, 0])


@pytest.mark.part("k-NN: predict labels")
@pytest.mark.points(1)
def test_predict_labels_ties_go_to_the_smaller_label():
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    knn = KNearestNeighbor()
    knn.train(np.zeros((4, 2)), np.array([3, 1, 3, 1]))
    dists = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(knn.predict_labels(dists, k=4), [1])
    np.testing.assert_array_equal(knn.predict_labels(dists, k=2), [1])
