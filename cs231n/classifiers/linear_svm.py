"""Multiclass SVM (hinge) loss of a linear classifier, naive and vectorised.

Regularisation convention (the same for every model in this project, TwoLayerNet
included): the loss gets ``0.5 * reg * np.sum(W * W)`` and so the gradient gets
``reg * W``. The original CS231n SVM used ``reg * np.sum(W * W)`` with ``2 * reg * W``;
a ``reg`` from the course therefore corresponds to ``2 * reg`` here.
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_loss_inputs


def svm_loss_naive(W, X, y, reg):
    """Structured SVM loss function, naive implementation (with loops).

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means
      that X[i] has label c, where 0 <= c < C.
    - reg: (float) regularization strength, >= 0.

    Returns a tuple of:
    - loss as single float: the mean over the N examples of
      sum_{j != y_i} max(0, s_j - s_{y_i} + 1), where s = X[i] @ W, plus
      0.5 * reg * sum(W * W).
    - gradient with respect to weights W; an array of same shape as W
      (the regularisation adds reg * W).

    Raises ValueError on bad shapes, non-finite data, labels outside 0..C-1 or reg < 0.
    """
    W, X, y, reg = check_loss_inputs(W, X, y, reg)
    dW = np.zeros_like(W, dtype=np.result_type(W, X))
    loss = 0.0
    # TODO: compute the loss and its gradient dW with loops over the examples and
    # the classes, averaged over the examples, plus 0.5 * reg * sum(W * W) (gradient reg * W).
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    num_classes = W.shape[1]
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                # Each violated margin pushes class j's score down and the correct one up.
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]

    # Right now the loss is a sum over all training examples, but we want it
    # to be an average instead so we divide by num_train.
    loss /= num_train
    dW /= num_train

    # Add regularization to the loss (and its gradient): 0.5 * reg * ||W||^2.
    loss += 0.5 * reg * np.sum(W * W)
    dW += reg * W
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return float(loss), dW


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss function, vectorized implementation.

    Inputs and outputs are the same as svm_loss_naive (same regularisation:
    0.5 * reg * sum(W * W) in the loss, reg * W in the gradient). Works in the
    dtype of X and W: float32 inputs give a float32 gradient.
    """
    W, X, y, reg = check_loss_inputs(W, X, y, reg)
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.result_type(W, X))
    # TODO: compute the structured SVM loss and its gradient dW without any loop.
    # Hint: build the (N, C) matrix of margins, then the coefficient of each X[i] in each
    # column of dW.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    correct_class_scores = scores[rows, y][:, np.newaxis]  # (N, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[rows, y] = 0  # the correct class does not count against itself
    loss = np.sum(margins) / num_train + 0.5 * reg * np.sum(W * W)

    # d loss / d scores: +1 for every violated margin, minus their count on the correct class.
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] = -np.sum(dscores, axis=1)
    dW = X.T @ dscores / num_train + reg * W
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return float(loss), dW
