"""A k-nearest-neighbour classifier with L2 distance (CS231n assignment 1)."""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_positive_int, check_X, check_y


class KNearestNeighbor:
    """A kNN classifier with L2 distance.

    ``train`` only memorises the data; all the work happens in ``predict``:
    distances from every test point to every training point, then a majority vote
    among the k closest training labels.
    """

    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """Train the classifier: for k-nearest neighbours this is just memorising the data.

        Inputs:
        - X: training data, shape (num_train, D).
        - y: training labels, shape (num_train,); y[i] is the label of X[i], an integer >= 0.

        Returns self. Raises ValueError on bad shapes, NaN/infinity or bad labels.
        X is kept as a float64 array (no copy if it already is one).
        """
        X = check_X(X)
        self.y_train = check_y(y, X.shape[0])
        # Distances are computed in float64 (see compute_distances_no_loops), so convert once here.
        self.X_train = X.astype(np.float64, copy=False)
        return self

    def predict(self, X, k=1, num_loops=0):
        """Predict labels for test data.

        Inputs:
        - X: test data, shape (num_test, D).
        - k: number of nearest neighbours that vote, 1 <= k <= num_train.
        - num_loops: which distance implementation to use: 0, 1 or 2 Python loops
          (all three give the same distances; 0 is by far the fastest).

        Returns:
        - y: predicted labels, shape (num_test,), int64.
        """
        if num_loops not in (0, 1, 2) or isinstance(num_loops, bool):
            raise ValueError(f"num_loops must be 0, 1 or 2, got {num_loops!r}")
        self._check_k(k)  # before the (expensive) distances
        compute = {
            0: self.compute_distances_no_loops,
            1: self.compute_distances_one_loop,
            2: self.compute_distances_two_loops,
        }[num_loops]
        return self.predict_labels(compute(X), k=k)

    def compute_distances_two_loops(self, X):
        """L2 distances between each test point in X and each training point,
        with a nested loop over both the test and the training data.

        Inputs:
        - X: test data, shape (num_test, D).

        Returns:
        - dists: shape (num_test, num_train), float64; dists[i, j] is the Euclidean
          distance between the ith test point and the jth training point.
        """
        X, X_train = self._prepare(X)
        num_test, num_train = X.shape[0], X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                # TODO: compute the l2 distance between the ith test point and the jth
                # training point, and store the result in dists[i, j]. Do not loop over
                # the dimension.
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                diff = X[i] - X_train[j]
                dists[i, j] = np.sqrt(np.dot(diff, diff))
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return dists

    def compute_distances_one_loop(self, X):
        """L2 distances as in compute_distances_two_loops, with a single loop over
        the test data (each row of dists in one vectorised step).

        Inputs / Returns: as compute_distances_two_loops.
        """
        X, X_train = self._prepare(X)
        num_test, num_train = X.shape[0], X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            # TODO: compute the l2 distance between the ith test point and all training
            # points, and store the result in dists[i, :]. Do not use np.linalg.norm().
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            dists[i, :] = np.sqrt(np.sum((X_train - X[i]) ** 2, axis=1))
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return dists

    def compute_distances_no_loops(self, X):
        """L2 distances as in compute_distances_two_loops, with no explicit loop.

        Uses ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b: one matrix multiplication plus
        broadcasting, so the memory is O(num_test * num_train), never
        O(num_test * num_train * D) as a broadcast difference would need.
        Rounding can make a tiny squared distance slightly negative, so it is clamped
        to 0 before the square root. Computed in float64, because the expansion
        subtracts large, nearly equal numbers.

        Inputs / Returns: as compute_distances_two_loops.
        """
        X, X_train = self._prepare(X)
        dists = np.zeros((X.shape[0], X_train.shape[0]))
        # TODO: compute the l2 distance between all test points and all training points
        # without any explicit loops: one matrix multiplication and two broadcast sums
        # (no np.tile, no (num_test, num_train, D) array), then clamp at 0 and take the
        # square root.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        test_sq = np.sum(X * X, axis=1)[:, np.newaxis]  # (num_test, 1)
        train_sq = np.sum(X_train * X_train, axis=1)  # (num_train,)
        dists = X @ X_train.T  # (num_test, num_train)
        dists *= -2.0
        dists += test_sq
        dists += train_sq
        np.maximum(dists, 0.0, out=dists)
        np.sqrt(dists, out=dists)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return dists

    def predict_labels(self, dists, k=1):
        """Predict a label for each test point from its distances to the training points.

        Inputs:
        - dists: shape (num_test, num_train); dists[i, j] is the distance between the
          ith test point and the jth training point.
        - k: number of nearest neighbours that vote, 1 <= k <= num_train.

        Returns:
        - y: predicted labels, shape (num_test,), int64. The most common label among
          the k nearest training points; a tie between labels goes to the smaller
          label, and equally distant training points are taken in training order.
        """
        self._check_fitted()
        k = self._check_k(k)
        dists = np.asarray(dists)
        if dists.ndim != 2 or dists.shape[1] != self.X_train.shape[0]:
            raise ValueError(
                f"dists must have shape (num_test, {self.X_train.shape[0]}), got {dists.shape}"
            )
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=np.int64)
        for i in range(num_test):
            # TODO: find the labels of the k nearest neighbours of the ith test point
            # (np.argsort(dists[i], kind="stable"): a stable sort keeps equally distant
            # training points in training order, as the docstring promises) and store
            # their most common label in y_pred[i]; break ties by choosing the smaller
            # label (np.bincount, then np.argmax, does both).
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            # A stable sort keeps ties in distance deterministic (earlier training point first).
            nearest = np.argsort(dists[i], kind="stable")[:k]
            closest_y = self.y_train[nearest]
            # bincount + argmax: argmax returns the first maximum, i.e. the smaller label.
            y_pred[i] = np.argmax(np.bincount(closest_y))
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return y_pred

    # -- helpers -----------------------------------------------------------------------

    def _check_fitted(self):
        if self.X_train is None:
            raise ValueError("this KNearestNeighbor is not trained yet: call train(X, y) first")

    def _check_k(self, k):
        self._check_fitted()
        k = check_positive_int(k, "k")
        num_train = self.X_train.shape[0]
        if k > num_train:
            raise ValueError(f"k = {k} exceeds the number of training points ({num_train})")
        return k

    def _prepare(self, X):
        """Check test data against the training data; return both as float64."""
        self._check_fitted()
        X = check_X(X, n_features=self.X_train.shape[1])
        return X.astype(np.float64, copy=False), self.X_train
