"""Layers of a fully connected network, each a forward and a backward function.

Every forward function takes the layer's inputs (and parameters) and returns a tuple
``(out, cache)``: the output, and whatever the backward pass will need. Every backward
function takes ``dout`` (the upstream gradient, the derivative of the loss with respect to
``out``) and that ``cache``, and returns the gradients with respect to the forward
function's inputs, in the same order. The loss layers (``softmax_loss``, ``svm_loss``)
return ``(loss, dx)`` directly.

The checks on the inputs (shapes, labels; in cs231n/tools/validation.py) run before the maths, so
that a mismatch is reported with the layer's name and the shapes instead of a broadcasting error.
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_affine, check_dout, check_layer_array, check_scores


def affine_forward(x, w, b):
    """Computes the forward pass for an affine (fully connected) layer.

    The input x has shape (N, d_1, ..., d_k) and contains a minibatch of N examples, where
    each example x[i] has shape (d_1, ..., d_k). We reshape each input into a vector of
    dimension D = d_1 * ... * d_k, and then transform it to an output vector of dimension M.

    Inputs:
    - x: A numpy array containing input data, of shape (N, d_1, ..., d_k)
    - w: A numpy array of weights, of shape (D, M)
    - b: A numpy array of biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b)
    """
    x, w, b = check_affine(x, w, b)
    out = None
    # TODO: Implement the affine forward pass. Store the result in out. You will need
    # to reshape the input into rows (each example x[i] becomes a row of length D).
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = x.reshape(x.shape[0], -1).dot(w) + b
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Computes the backward pass for an affine (fully connected) layer.

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: Tuple of:
      - x: Input data, of shape (N, d_1, ... d_k)
      - w: Weights, of shape (D, M)
      - b: Biases, of shape (M,)

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    dout = check_dout("affine_backward", dout, (x.shape[0], w.shape[1]))
    dx, dw, db = None, None, None
    # TODO: Implement the affine backward pass: set dx (of x's original shape), dw and db.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def relu_forward(x):
    """Computes the forward pass for a layer of rectified linear units (ReLUs).

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: x
    """
    x = check_layer_array("x", "relu_forward", x)
    out = None
    # TODO: Implement the ReLU forward pass (elementwise max(0, x)); store it in out.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = np.maximum(0, x)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Computes the backward pass for a layer of rectified linear units (ReLUs).

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: Input x, of same shape as dout

    Returns:
    - dx: Gradient with respect to x
    """
    x = cache
    dout = check_dout("relu_backward", dout, x.shape)
    dx = None
    # TODO: Implement the ReLU backward pass: the gradient flows where x > 0. Set dx.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = dout * (x > 0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def svm_loss(x, y):
    """Computes the loss and gradient using for multiclass SVM classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth
      class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss (the mean over the N examples, margin 1)
    - dx: Gradient of the loss with respect to x, of shape (N, C)
    """
    x, y = check_scores("svm_loss", x, y)
    loss, dx = None, None
    # TODO: Implement the multiclass SVM (hinge) loss with margin 1, averaged over the
    # N examples, and its gradient with respect to the scores x. Set loss and dx.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss, dx


def softmax_loss(x, y):
    """Computes the loss and gradient for softmax classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth
      class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss (the mean cross-entropy over the N examples)
    - dx: Gradient of the loss with respect to x, of shape (N, C)
    """
    x, y = check_scores("softmax_loss", x, y)
    loss, dx = None, None
    # TODO: Implement the softmax (cross-entropy) loss averaged over the N examples and
    # its gradient with respect to the scores x. Set loss and dx. Keep it numerically
    # stable: subtract each row's maximum score before exponentiating.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss, dx
