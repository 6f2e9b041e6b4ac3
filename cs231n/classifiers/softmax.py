"""Softmax (cross-entropy) loss of a linear classifier, naive and vectorised.

Regularisation convention (the same for every model in this project, TwoLayerNet
included): the loss gets ``0.5 * reg * np.sum(W * W)`` and so the gradient gets
``reg * W``. (Some CS231n versions used ``reg * np.sum(W * W)`` with ``2 * reg * W``;
such a ``reg`` corresponds to ``2 * reg`` here.)

Both implementations subtract each row's maximum score before exponentiating, which
leaves the probabilities unchanged but keeps exp() from overflowing (scores of 1e4
are fine).
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_loss_inputs


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss function, naive implementation (with loops).

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means
      that X[i] has label c, where 0 <= c < C.
    - reg: (float) regularization strength, >= 0.

    Returns a tuple of:
    - loss as single float: the mean over the N examples of -log(p_{y_i}), where
      p = softmax(X[i] @ W), plus 0.5 * reg * sum(W * W).
    - gradient with respect to weights W; an array of same shape as W
      (the regularisation adds reg * W).

    Raises ValueError on bad shapes, non-finite data, labels outside 0..C-1 or reg < 0.
    """
    W, X, y, reg = check_loss_inputs(W, X, y, reg)
    dW = np.zeros_like(W, dtype=np.result_type(W, X))
    loss = 0.0
    # TODO: compute the softmax loss and its gradient dW with explicit loops, averaged
    # over the examples, plus 0.5 * reg * sum(W * W) (gradient reg * W). Subtract the
    # maximum score before exp() to avoid numeric instability.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    num_classes = W.shape[1]
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)  # shift for numerical stability
        exp_scores = np.exp(scores)
        sum_exp = np.sum(exp_scores)
        # -log p_y = log(sum_j exp(s_j)) - s_y, without ever forming a tiny p_y.
        loss += np.log(sum_exp) - scores[y[i]]
        for j in range(num_classes):
            p_j = exp_scores[j] / sum_exp
            dW[:, j] += (p_j - (j == y[i])) * X[i]

    loss /= num_train
    dW /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    dW += reg * W
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return float(loss), dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss function, vectorized version.

    Inputs and outputs are the same as softmax_loss_naive (same regularisation:
    0.5 * reg * sum(W * W) in the loss, reg * W in the gradient). Works in the
    dtype of X and W: float32 inputs give a float32 gradient.
    """
    W, X, y, reg = check_loss_inputs(W, X, y, reg)
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.result_type(W, X))
    # TODO: compute the softmax loss and its gradient dW without any explicit loop
    # (same convention as softmax_loss_naive, numerically stable).
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    scores -= np.max(scores, axis=1, keepdims=True)  # shift for numerical stability
    exp_scores = np.exp(scores)
    sum_exp = np.sum(exp_scores, axis=1, keepdims=True)
    log_probs = scores - np.log(sum_exp)
    loss = -np.mean(log_probs[rows, y]) + 0.5 * reg * np.sum(W * W)

    # d loss / d scores = p - one_hot(y), averaged over the batch.
    dscores = exp_scores / sum_exp
    dscores[rows, y] -= 1
    dW = X.T @ dscores / num_train + reg * W
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return float(loss), dW
