"""Tests of the k-nearest-neighbour classifier."""
import tracemalloc

import numpy as np
import pytest

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

DISTANCE_METHODS = ("compute_distances_two_loops", "compute_distances_one_loop",
                    "compute_distances_no_loops")


def direct_distances(X_test, X_train):
    """Reference distances, one np.linalg.norm per pair (independent of the code under test)."""
    out = np.empty((len(X_test), len(X_train)))
    for i, a in enumerate(X_test):
        for j, b in enumerate(X_train):
            out[i, j] = np.linalg.norm(np.asarray(a, float) - np.asarray(b, float))
    return out


@pytest.fixture
def random_data():
    rng = np.random.default_rng(0)
    X_train = rng.normal(scale=50.0, size=(13, 7))
    y_train = rng.integers(0, 4, size=13)
    X_test = rng.normal(scale=50.0, size=(6, 7))
    return X_train, y_train, X_test


@pytest.mark.parametrize("method", DISTANCE_METHODS)
def test_distances_match_direct_computation(random_data, method):
    X_train, y_train, X_test = random_data
    knn = KNearestNeighbor().train(X_train, y_train)
    dists = getattr(knn, method)(X_test)
    assert dists.shape == (6, 13)
    np.testing.assert_allclose(dists, direct_distances(X_test, X_train), rtol=1e-10, atol=1e-9)


def test_three_distance_implementations_agree(random_data):
    X_train, y_train, X_test = random_data
    knn = KNearestNeighbor().train(X_train, y_train)
    d2, d1, d0 = (getattr(knn, m)(X_test) for m in DISTANCE_METHODS)
    np.testing.assert_allclose(d1, d2, rtol=1e-12)
    np.testing.assert_allclose(d0, d2, rtol=1e-10)


def test_distances_of_a_hand_made_example():
    # Train points (0, 0), (3, 4) and test points (0, 0), (6, 8), (3, 0):
    # distances 0, 5 / 10, 5 / 3, 4 (3-4-5 triangles).
    knn = KNearestNeighbor().train([[0.0, 0.0], [3.0, 4.0]], [0, 1])
    expected = np.array([[0.0, 5.0], [10.0, 5.0], [3.0, 4.0]])
    for method in DISTANCE_METHODS:
        np.testing.assert_allclose(getattr(knn, method)([[0, 0], [6, 8], [3, 0]]), expected,
                                   atol=1e-12, err_msg=method)


def test_no_loops_clamps_rounding_to_zero():
    # ||a||^2 + ||a||^2 - 2 a.a can round to a tiny negative number; sqrt must not give NaN.
    rng = np.random.default_rng(1)
    X = rng.normal(loc=1e3, scale=1e2, size=(20, 50)) + rng.normal(scale=1e-3, size=(20, 50))
    knn = KNearestNeighbor().train(X, np.zeros(20, dtype=int))
    dists = knn.compute_distances_no_loops(X)
    assert np.all(np.isfinite(dists)) and np.all(dists >= 0)
    # Scale of the rounding error: sqrt(eps * ||x||^2) ~ 1e-8 * 7e3.
    np.testing.assert_allclose(np.diag(dists), 0.0, atol=1e-3)


def test_no_loops_memory_is_test_times_train():
    # A broadcast (num_test, num_train, D) difference would need 100*200*500*8 B = 80 MB;
    # the expansion needs a few (num_test, num_train) arrays: 160 kB each.
    rng = np.random.default_rng(2)
    knn = KNearestNeighbor().train(rng.normal(size=(200, 500)), rng.integers(0, 3, 200))
    X_test = rng.normal(size=(100, 500))
    tracemalloc.start()
    try:
        knn.compute_distances_no_loops(X_test)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"peak {peak / 1e6:.1f} MB: is a (test, train, D) array built?"


def test_float32_data_gives_float64_distances():
    rng = np.random.default_rng(3)
    X_train = rng.normal(scale=60, size=(9, 30)).astype(np.float32)
    X_test = rng.normal(scale=60, size=(4, 30)).astype(np.float32)
    knn = KNearestNeighbor().train(X_train, np.arange(9) % 3)
    dists = knn.compute_distances_no_loops(X_test)
    assert dists.dtype == np.float64
    np.testing.assert_allclose(dists, direct_distances(X_test, X_train), rtol=1e-10)


# -- predictions ------------------------------------------------------------------------

# Five 1-D training points: two of class 0 near 0, three of class 1 near 11.
X_LINE = [[0.0], [1.0], [10.0], [11.0], [12.0]]
Y_LINE = [0, 0, 1, 1, 1]


@pytest.mark.parametrize("num_loops", [0, 1, 2])
@pytest.mark.parametrize("k, expected", [
    (1, [0, 1, 0]),   # nearest points: 0 (dist .4), 11 (dist .2), 1 (dist 3)
    (3, [0, 1, 0]),   # 0.4 -> {0, 1, 10} = labels 0, 0, 1; 4.0 -> {1, 0, 10} = 0, 0, 1
    (5, [1, 1, 1]),   # everybody votes: three 1s beat two 0s
])
def test_predict_hand_made(num_loops, k, expected):
    knn = KNearestNeighbor().train(X_LINE, Y_LINE)
    y_pred = knn.predict([[0.4], [11.2], [4.0]], k=k, num_loops=num_loops)
    assert y_pred.dtype == np.int64
    np.testing.assert_array_equal(y_pred, expected)


def test_tie_goes_to_smaller_label():
    # Test point 1.0: neighbour at 0.0 has label 7 (distance 1), neighbour at 3.0 has
    # label 2 (distance 2). With k=2 each label has one vote: the tie goes to the smaller
    # label, 2, even though label 7 is closer.
    knn = KNearestNeighbor().train([[0.0], [3.0]], [7, 2])
    assert knn.predict([[1.0]], k=2).tolist() == [2]
    assert knn.predict([[1.0]], k=1).tolist() == [7]
    # Same with labels the other way round: now the closer one is also the smaller one.
    knn = KNearestNeighbor().train([[0.0], [3.0]], [2, 7])
    assert knn.predict([[1.0]], k=2).tolist() == [2]


def test_equally_distant_neighbours_are_taken_in_training_order():
    # Five far points, then 60 points all at distance 0 from the test point. With k=1 the
    # nearest neighbour must be the earliest of the 60 in training order, point 5 (label 1;
    # the others have label 0). A stable sort keeps that order; np.argsort's default
    # (introsort, not stable) puts point 6 first on this input, and the vote would be 0.
    labels = [0] * 5 + [1] + [0] * 59
    knn = KNearestNeighbor().train(np.zeros((65, 1)), labels)
    dists = np.array([[1.0] * 5 + [0.0] * 60])
    assert knn.predict_labels(dists, k=1).tolist() == [1], (
        "with ties in distance the nearest neighbours must be the earliest training points: "
        "sort with np.argsort(dists[i], kind='stable')")


def test_predict_labels_from_given_distances():
    knn = KNearestNeighbor().train(np.zeros((4, 2)), [3, 1, 1, 0])
    dists = np.array([[0.5, 0.1, 0.9, 0.2],    # k=1 -> train 1 (label 1); k=3 -> {1, 3, 0}
                      [0.0, 5.0, 5.0, 1.0]])   # k=1 -> label 3; k=3 -> {0, 3, 1 or 2}
    assert knn.predict_labels(dists, k=1).tolist() == [1, 3]
    # row 0: labels {1, 0, 3} all once -> 0; row 1: labels {3, 0, 1} -> 0
    assert knn.predict_labels(dists, k=3).tolist() == [0, 0]
    # k=4: labels {3, 1, 1, 0} -> 1 wins with two votes
    assert knn.predict_labels(dists, k=4).tolist() == [1, 1]


def test_predict_on_clustered_data():
    rng = np.random.default_rng(4)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    y_train = np.repeat(np.arange(3), 20)
    X_train = centres[y_train] + rng.normal(size=(60, 2))
    y_test = np.repeat(np.arange(3), 5)
    X_test = centres[y_test] + rng.normal(size=(15, 2))
    knn = KNearestNeighbor().train(X_train, y_train)
    for k in (1, 5, 15):
        np.testing.assert_array_equal(knn.predict(X_test, k=k), y_test)


# -- bad inputs -------------------------------------------------------------------------

def test_unfitted_model():
    knn = KNearestNeighbor()
    with pytest.raises(ValueError, match="not trained"):
        knn.predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="not trained"):
        knn.compute_distances_no_loops(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="not trained"):
        knn.predict_labels(np.zeros((1, 2)))


@pytest.mark.parametrize("k, match", [
    (0, r"k must be a positive integer"),
    (-2, r"k must be a positive integer"),
    (1.5, r"k must be a positive integer"),
    (True, r"k must be a positive integer"),
    (6, r"k = 6 exceeds the number of training points \(5\)"),
])
def test_bad_k(k, match):
    knn = KNearestNeighbor().train(X_LINE, Y_LINE)
    with pytest.raises(ValueError, match=match):
        knn.predict([[1.0]], k=k)
    with pytest.raises(ValueError, match=match):
        knn.predict_labels(np.zeros((1, 5)), k=k)


def test_bad_shapes_and_values():
    knn = KNearestNeighbor()
    with pytest.raises(ValueError, match=r"X must be 2-D"):
        knn.train(np.zeros(5), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"3 labels but X has 5 rows"):
        knn.train(np.zeros((5, 2)), [0, 1, 0])
    with pytest.raises(ValueError, match=r"NaN"):
        knn.train([[0.0], [np.nan]], [0, 1])
    with pytest.raises(ValueError, match=r">= 0"):
        knn.train([[0.0], [1.0]], [0, -1])
    with pytest.raises(ValueError, match=r"non-integer"):
        knn.train([[0.0], [1.0]], [0, 0.5])
    knn.train(X_LINE, Y_LINE)
    with pytest.raises(ValueError, match=r"X must have 1 features"):
        knn.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"NaN"):
        knn.predict([[np.nan]])
    with pytest.raises(ValueError, match=r"num_loops must be 0, 1 or 2"):
        knn.predict([[1.0]], num_loops=3)
    with pytest.raises(ValueError, match=r"dists must have shape \(num_test, 5\)"):
        knn.predict_labels(np.zeros((2, 4)))
