"""Fully connected networks built from the modular layers of cs231n.layers.

- ModularTwoLayerNet: affine - relu - affine - softmax, the course's modular two-layer
  net (a different class from the monolithic ``TwoLayerNet`` of neural_net.py, which
  computes everything in one function and trains itself).
- FullyConnectedNet: {affine - relu} x (L - 1) - affine - softmax, of any depth.

Both follow the course's API, which the Solver relies on: learnable parameters in the
dict ``self.params``, and ``loss(X, y=None)`` returning the scores (y is None) or
``(loss, grads)``. Regularisation convention of this package: the loss adds
``0.5 * reg * sum(W**2)`` for every weight matrix W (not the biases), so its gradient is
``reg * W``.
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_net_args, check_net_inputs, normal_sampler
from cs231n.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n.layers import affine_backward, affine_forward, softmax_loss


class ModularTwoLayerNet:
    """A two-layer fully-connected neural network with ReLU nonlinearity and softmax loss
    that uses a modular layer design. We assume an input dimension of D, a hidden
    dimension of H, and perform classification over C classes.

    The architecture should be affine - relu - affine - softmax.

    Note that this class does not implement gradient descent; instead, it will interact
    with a separate Solver object that is responsible for running optimization.

    The learnable parameters of the model are stored in the dictionary self.params that
    maps parameter names to numpy arrays: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float64, seed=None):
        """Initialize a new network.

        Inputs:
        - input_dim: An integer giving the size of the input
        - hidden_dim: An integer giving the size of the hidden layer
        - num_classes: An integer giving the number of classes to classify
        - weight_scale: Scalar giving the standard deviation for random
          initialization of the weights.
        - reg: Scalar giving L2 regularization strength.
        - dtype: A numpy float datatype object; all computations will be performed using
          this datatype (float32 is faster, float64 is needed for numeric gradient checks).
        - seed: None draws the weights from NumPy's global random state; an int (or a
          np.random.Generator) makes the initialisation independent of it.
        """
        check_net_args(input_dim, [hidden_dim], num_classes, weight_scale, reg, dtype)
        self.input_dim, self.num_classes = input_dim, num_classes
        self.reg = reg
        self.dtype = dtype
        randn = normal_sampler(seed)
        self.params = {}

        # TODO: Initialize the weights and biases of the two-layer net. Weights should be
        # initialized from a Gaussian centered at 0.0 with standard deviation equal to
        # weight_scale (draw standard normal numbers with randn(rows, cols), defined
        # above), and biases should be initialized to zero. All weights and biases should
        # be stored in the dictionary self.params, with first layer weights and biases
        # using the keys 'W1' and 'b1' and second layer weights and biases using the keys
        # 'W2' and 'b2'.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        self.params["W1"] = weight_scale * randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # Cast all parameters to the correct datatype.
        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    def loss(self, X, y=None):
        """Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass of the model and return:
        - scores: Array of shape (N, C) giving classification scores, where
          scores[i, c] is the classification score for X[i] and class c.

        If y is not None, then run a training-time forward and backward pass and
        return a tuple of:
        - loss: Scalar value giving the loss
        - grads: Dictionary with the same keys as self.params, mapping parameter
          names to gradients of the loss with respect to those parameters.
        """
        X, y = check_net_inputs(self, X, y)
        scores = None
        # TODO: Implement the forward pass for the two-layer net (affine - relu - affine),
        # computing the class scores for X and storing them in the scores variable. Use
        # affine_relu_forward and affine_forward, and keep their caches for the backward
        # pass.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        hidden, cache1 = affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, cache2 = affine_forward(hidden, self.params["W2"], self.params["b2"])
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # If y is None then we are in test mode so just return scores
        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: Implement the backward pass for the two-layer net. Store the loss in the
        # loss variable and gradients in the grads dictionary. Compute data loss using
        # softmax_loss, and make sure that grads[k] holds the gradients for
        # self.params[k]. Don't forget to add L2 regularization!
        #
        # NOTE: To ensure that your implementation matches ours and you pass the automated
        # tests, make sure that your L2 regularization includes a factor of 0.5 to
        # simplify the expression for the gradient: the loss adds
        # 0.5 * self.reg * (sum(W1**2) + sum(W2**2)), the gradient of W is self.reg * W.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        loss, dscores = softmax_loss(scores, y)
        W1, W2 = self.params["W1"], self.params["W2"]
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, cache2)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, cache1)
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        return loss, grads


class FullyConnectedNet:
    """Class for a multi-layer fully connected neural network.

    Network contains an arbitrary number of hidden layers, ReLU nonlinearities,
    and a softmax loss function. For a network with L layers, the architecture will be

    {affine - relu} x (L - 1) - affine - softmax

    Similar to the ModularTwoLayerNet above, learnable parameters are stored in the
    self.params dictionary and will be learned using the Solver class: W1, b1 for the
    first layer, W2, b2 for the second layer, ..., WL, bL for the last.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        """Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: A list of integers giving the size of each hidden layer.
        - input_dim: An integer giving the size of the input.
        - num_classes: An integer giving the number of classes to classify.
        - reg: Scalar giving L2 regularization strength.
        - weight_scale: Scalar giving the standard deviation for random
          initialization of the weights.
        - dtype: A numpy datatype object; all computations will be performed using
          this datatype. float32 is faster but less accurate, so you should use
          float64 for numeric gradient checking.
        - seed: None draws the weights from NumPy's global random state; an int (or a
          np.random.Generator) makes the initialisation independent of it.
        """
        hidden_dims = check_net_args(input_dim, hidden_dims, num_classes, weight_scale, reg, dtype)
        self.input_dim, self.num_classes = input_dim, num_classes
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        randn = normal_sampler(seed)
        self.params = {}

        # TODO: Initialize the parameters of the network, storing all values in the
        # self.params dictionary. Store weights and biases for the first layer in W1 and
        # b1; for the second layer use W2 and b2, etc. Weights should be initialized from
        # a normal distribution centered at 0 with standard deviation equal to
        # weight_scale (draw standard normal numbers with randn(rows, cols), defined
        # above). Biases should be initialized to zero. Layer i maps dimension
        # dims[i - 1] to dims[i], where dims = [input_dim, *hidden_dims, num_classes].
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # Cast all parameters to the correct datatype.
        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    def loss(self, X, y=None):
        """Compute loss and gradient for the fully connected net.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass of the model and return:
        - scores: Array of shape (N, C) giving classification scores, where
          scores[i, c] is the classification score for X[i] and class c.

        If y is not None, then run a training-time forward and backward pass and
        return a tuple of:
        - loss: Scalar value giving the loss
        - grads: Dictionary with the same keys as self.params, mapping parameter
          names to gradients of the loss with respect to those parameters.
        """
        X, y = check_net_inputs(self, X, y)
        L = self.num_layers
        scores = None
        caches = {}
        # TODO: Implement the forward pass for the fully connected net, computing the
        # class scores for X and storing them in the scores variable: layers 1 .. L-1 are
        # affine_relu_forward, layer L is affine_forward. Store the cache of layer i in
        # caches[i] for the backward pass.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        out = X
        for i in range(1, L):
            out, caches[i] = affine_relu_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
        scores, caches[L] = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # If test mode return early.
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass for the fully connected net. Store the loss in
        # the loss variable and gradients in the grads dictionary. Compute data loss using
        # softmax_loss, and make sure that grads[k] holds the gradients for
        # self.params[k]. Don't forget to add L2 regularization!
        #
        # NOTE: To ensure that your implementation matches ours and you pass the automated
        # tests, make sure that your L2 regularization includes a factor of 0.5 to
        # simplify the expression for the gradient: the loss adds
        # 0.5 * self.reg * sum(W**2) for every W, the gradient of W is self.reg * W.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        loss, dout = softmax_loss(scores, y)
        for i in range(L, 0, -1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            if i == L:
                dout, dW, db = affine_backward(dout, caches[i])
            else:
                dout, dW, db = affine_relu_backward(dout, caches[i])
            grads[f"W{i}"] = dW + self.reg * W
            grads[f"b{i}"] = db
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        return loss, grads
