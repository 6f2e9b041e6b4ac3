"""Linear classifiers trained with minibatch stochastic gradient descent.

Regularisation convention (the same for every model in this project, TwoLayerNet
included): the loss gets ``0.5 * reg * np.sum(W * W)`` and the gradient ``reg * W``.
The original CS231n SVM used ``reg * np.sum(W * W)`` with ``2 * reg * W``, so a ``reg``
from the course corresponds to ``2 * reg`` here.
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_linear_training_inputs, check_X
from cs231n.classifiers.linear_svm import svm_loss_vectorized
from cs231n.classifiers.softmax import softmax_loss_vectorized
from cs231n.tools.train_loop import TrainingLoop


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
        - seed: None, or an int: NumPy's global random state (np.random, which draws the
          initial W, 0.001 * standard normal, and the minibatches) is seeded with it while
          training and restored afterwards.

        Returns: A list containing the value of the loss function at each training
        iteration. If the loss becomes NaN or infinite (the learning rate is too large),
        training stops before that step with a DivergenceWarning naming the iteration and
        the learning rate; the history so far (all finite) is returned, and W is left as
        it was before the non-finite step.
        """
        X, y, learning_rate, reg, num_iters, batch_size = check_linear_training_inputs(
            self.W, X, y, learning_rate, reg, num_iters, batch_size)
        num_train, dim = X.shape
        num_classes = np.max(y) + 1  # assume y takes values 0...K-1 where K is number of classes

        # (The loop seeds np.random and stops on divergence: cs231n/tools/train_loop.py)
        with TrainingLoop(num_iters, learning_rate, reg, seed, verbose=verbose) as loop:
            if self.W is None:
                # lazily initialize W
                self.W = (0.001 * np.random.randn(dim, num_classes)).astype(X.dtype)

            # Run stochastic gradient descent to optimize W
            loss_history = []
            for it in range(num_iters):
                X_batch = None
                y_batch = None
                # TODO: Sample batch_size elements from the training data and their
                # corresponding labels to use in this round of gradient descent. Store the
                # data in X_batch and their corresponding labels in y_batch.
                # Hint: Use np.random.choice to generate indices. Sampling with replacement
                # is faster than sampling without replacement.
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                batch_idx = np.random.choice(num_train, batch_size, replace=True)
                X_batch = X[batch_idx]
                y_batch = y[batch_idx]
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

                # evaluate loss and gradient
                loss, grad = self.loss(X_batch, y_batch, reg)
                if loop.diverged(it, loss, learning_rate):
                    break  # before recording or applying the step: W stays finite
                loss_history.append(loss)

                # perform parameter update
                # TODO: Update the weights using the gradient and the learning rate.
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
