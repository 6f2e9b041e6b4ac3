"""Linear classifiers trained with minibatch stochastic gradient descent.

Regularisation convention (the same for every model in this project, TwoLayerNet
included): the loss gets ``0.5 * reg * np.sum(W * W)`` and the gradient ``reg * W``.
The original CS231n SVM used ``reg * np.sum(W * W)`` with ``2 * reg * W``, so a ``reg``
from the course corresponds to ``2 * reg`` here.
"""
from __future__ import annotations

import warnings

import numpy as np

from cs231n._validation import (
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_X,
    check_y,
)
from cs231n.classifiers.linear_svm import svm_loss_vectorized
from cs231n.divergence import DivergenceWarning, divergence_message, has_diverged
from cs231n.classifiers.softmax import softmax_loss_vectorized


class LinearClassifier:
    """Scores ``X @ W`` with one column of W per class; subclasses choose the loss.

    W of shape (D, C) is learned state: it is created by the first call to ``train``
    (and training again continues from it). Use the bias trick (a column of ones in X)
    to give the classifier a bias.
    """

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
              batch_size=200, verbose=False, seed=None):
        """Train this linear classifier using stochastic gradient descent.

        Inputs:
        - X: A numpy array of shape (N, D) containing training data; there are N
          training samples each of dimension D. float32 data is trained in float32
          (W gets X's dtype; integer data is converted to float64).
        - y: A numpy array of shape (N,) containing training labels; y[i] = c
          means that X[i] has label 0 <= c < C for C classes.
        - learning_rate: (float) learning rate for optimization, > 0.
        - reg: (float) regularization strength, >= 0: the loss gets
          0.5 * reg * sum(W * W) and the gradient reg * W.
        - num_iters: (integer) number of steps to take when optimizing.
        - batch_size: (integer) number of training examples to use at each step
          (drawn with replacement, as in the course).
        - verbose: (boolean) If true, print progress during optimization.
        - seed: None, an int or a np.random.Generator: the source of randomness for
          the initial W (0.001 * standard normal) and for the minibatches.

        Returns: A list containing the value of the loss function at each training
        iteration. If the loss becomes NaN or infinite (the learning rate is too
        large), training stops with a RuntimeWarning naming the iteration and the
        learning rate, and the history so far (ending with the non-finite value)
        is returned; W is then left as it was when the loss blew up.
        """
        X = check_X(X)
        learning_rate = check_positive_float(learning_rate, "learning_rate")
        reg = check_nonnegative_float(reg, "reg")
        num_iters = check_positive_int(num_iters, "num_iters")
        batch_size = check_positive_int(batch_size, "batch_size")
        rng = np.random.default_rng(seed)
        num_train, dim = X.shape
        if X.dtype.kind != "f":
            X = X.astype(np.float64)

        if self.W is None:
            y = check_y(y, num_train)
            num_classes = int(np.max(y)) + 1  # assume y takes values 0...K-1
            # lazily initialize W
            self.W = (0.001 * rng.standard_normal((dim, num_classes))).astype(X.dtype)
        else:
            if self.W.shape[0] != dim:
                raise ValueError(
                    f"X has {dim} features but this classifier's W has shape {self.W.shape}"
                )
            y = check_y(y, num_train, num_classes=self.W.shape[1])

        # Run stochastic gradient descent to optimize W. A diverging W overflows; NumPy's
        # overflow warnings are silenced because the loss check below reports it clearly.
        loss_history = []
        with np.errstate(over="ignore", invalid="ignore"):
            for it in range(num_iters):
                X_batch = None
                y_batch = None
                # TODO: sample batch_size elements from the training data and their labels
                # (with replacement, using rng) into X_batch and y_batch.
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                # Sampling with replacement is faster than without and works as well.
                batch_idx = rng.choice(num_train, batch_size, replace=True)
                X_batch = X[batch_idx]
                y_batch = y[batch_idx]
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

                # evaluate loss and gradient
                loss, grad = self.loss(X_batch, y_batch, reg)
                loss_history.append(loss)
                if has_diverged(loss):
                    message = divergence_message(it, loss, learning_rate, reg=reg)
                    warnings.warn(message, DivergenceWarning, stacklevel=2)
                    if verbose:
                        print(message)
                    break

                # perform parameter update
                # TODO: update the weights using the gradient and the learning rate.
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                self.W -= learning_rate * grad
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

                if verbose and it % 100 == 0:
                    print("iteration %d / %d: loss %f" % (it, num_iters, loss))

        return loss_history

    def predict(self, X):
        """Use the trained weights of this linear classifier to predict labels for
        data points.

        Inputs:
        - X: A numpy array of shape (N, D) containing data.

        Returns:
        - y_pred: Predicted labels for the data in X. y_pred is a 1-dimensional
          array of length N, and each element is an integer giving the predicted
          class.
        """
        if self.W is None:
            raise ValueError(
                f"this {type(self).__name__} is not trained yet: call train(X, y) first"
            )
        X = check_X(X, n_features=self.W.shape[0])
        y_pred = np.zeros(X.shape[0], dtype=np.int64)
        # TODO: store the predicted labels (the class with the highest score) in y_pred.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        y_pred = np.argmax(X @ self.W, axis=1)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Compute the loss function and its derivative.
        Subclasses will override this.

        Inputs:
        - X_batch: A numpy array of shape (N, D) containing a minibatch of N
          data points; each point has dimension D.
        - y_batch: A numpy array of shape (N,) containing labels for the minibatch.
        - reg: (float) regularization strength (0.5 * reg * sum(W * W) in the loss).

        Returns: A tuple containing:
        - loss as a single float
        - gradient with respect to self.W; an array of the same shape as W
        """
        raise NotImplementedError(
            "LinearClassifier is abstract: use LinearSVM or Softmax, or override loss()"
        )


class LinearSVM(LinearClassifier):
    """A subclass that uses the Multiclass SVM loss function (0.5 * reg * ||W||^2)."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A subclass that uses the Softmax + Cross-entropy loss function (0.5 * reg * ||W||^2)."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
