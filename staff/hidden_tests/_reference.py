"""Independent reference computations for the hidden tests (loops and plain formulas)."""
import math

import numpy as np


def two_layer_scores(p, X):
    return np.maximum(0, X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def softmax_data_loss(scores, y):
    """Mean cross-entropy, one sample at a time with math.log/exp."""
    total = 0.0
    for i in range(scores.shape[0]):
        top = max(scores[i])
        total += top + math.log(sum(math.exp(s - top) for s in scores[i])) - scores[i, y[i]]
    return total / scores.shape[0]


def two_layer_grads(p, X, y, reg):
    N = X.shape[0]
    z = X @ p["W1"] + p["b1"]
    h = np.maximum(0, z)
    s = h @ p["W2"] + p["b2"]
    e = np.exp(s - s.max(axis=1, keepdims=True))
    d = e / e.sum(axis=1, keepdims=True)
    d[np.arange(N), y] -= 1
    d /= N
    dh = d @ p["W2"].T * (z > 0)
    return {"W1": X.T @ dh + reg * p["W1"], "b1": dh.sum(0),
            "W2": h.T @ d + reg * p["W2"], "b2": d.sum(0)}


def l2_distances(X, X_train):
    out = np.zeros((X.shape[0], X_train.shape[0]))
    for i in range(X.shape[0]):
        for j in range(X_train.shape[0]):
            out[i, j] = math.sqrt(sum((a - b) ** 2 for a, b in zip(X[i], X_train[j])))
    return out


def svm_loop(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        s = X[i] @ W
        for j in range(C):
            if j != y[i] and s[j] - s[y[i]] + 1 > 0:
                loss += s[j] - s[y[i]] + 1
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss / N + 0.5 * reg * np.sum(W * W), dW / N + reg * W


def softmax_loop(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        s = X[i] @ W
        top = max(s)
        z = sum(math.exp(v - top) for v in s)
        loss += -(s[y[i]] - top - math.log(z))
        for j in range(C):
            dW[:, j] += (math.exp(s[j] - top) / z - (j == y[i])) * X[i]
    return loss / N + 0.5 * reg * np.sum(W * W), dW / N + reg * W


def score_svm_loop(x, y):
    N = x.shape[0]
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(N):
        for j in range(x.shape[1]):
            if j != y[i] and x[i, j] - x[i, y[i]] + 1 > 0:
                loss += x[i, j] - x[i, y[i]] + 1
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    return loss / N, dx / N


def score_softmax_loop(x, y):
    N = x.shape[0]
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(N):
        top = max(x[i])
        z = sum(math.exp(v - top) for v in x[i])
        loss += math.log(z) + top - x[i, y[i]]
        for j in range(x.shape[1]):
            dx[i, j] = (math.exp(x[i, j] - top) / z - (j == y[i])) / N
    return loss / N, dx


# Reference layers for the modular nets' tests (patched into cs231n.classifiers.fc_net, so a
# net's part is graded on its own, whatever the layers' parts give).
def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(0)


def affine_relu_forward(x, w, b):
    a, cache = affine_forward(x, w, b)
    return np.maximum(0, a), (cache, a)


def affine_relu_backward(dout, cache):
    cache, a = cache
    return affine_backward(dout * (a > 0), cache)


def softmax_loss(x, y):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    N = x.shape[0]
    loss = -np.log(p[np.arange(N), y]).mean()
    p[np.arange(N), y] -= 1
    return loss, p / N


def mlp_loss(params, num_layers, X, y, reg):
    """Loss and gradients of an affine-ReLU-...-affine-softmax net, written out."""
    h, hs = X.reshape(X.shape[0], -1), []
    for i in range(1, num_layers + 1):
        hs.append(h)
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < num_layers:
            h = np.maximum(0, h)
    scores = h
    loss, d = softmax_loss(scores, y)
    grads = {}
    for i in range(num_layers, 0, -1):
        W = params[f"W{i}"]
        loss += 0.5 * reg * np.sum(W * W)
        grads[f"W{i}"] = hs[i - 1].T @ d + reg * W
        grads[f"b{i}"] = d.sum(0)
        d = (d @ W.T) * (hs[i - 1] > 0)
    return scores, loss, grads


def check_minibatches(batches, X, y, num_iters, batch_size):
    """The minibatches a training loop drew (``[(X_batch, y_batch), ...]``, recorded by a stub
    loss) are ``num_iters`` batches of ``batch_size`` rows of ``X`` with their own labels, and
    not all the same. ``X[:, 0]`` must hold each row's index."""
    assert len(batches) == num_iters
    for Xb, yb in batches:
        assert Xb.shape == (batch_size, X.shape[1]) and yb.shape == (batch_size,)
        rows = Xb[:, 0].astype(int)
        np.testing.assert_array_equal(Xb, X[rows])
        np.testing.assert_array_equal(yb, y[rows])
    assert len({tuple(Xb[:, 0]) for Xb, _ in batches}) > 1, "every minibatch is the same"
