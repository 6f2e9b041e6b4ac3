"""TwoLayerNet.train, fast: the same minibatches, losses and updates, fewer passes.

What differs from the course's code in ``TwoLayerNet`` (and why it is faster):
- the minibatch is gathered into one reused buffer (``np.take(..., out=)``);
- the forward pass works in place (``+=`` the bias, ReLU with ``out=``);
- the softmax is computed in place in the scores' array;
- the (N, C) upstream gradient is scaled by ``-learning_rate`` once, so every gradient
  downstream of it is already a step;
- W1's step ``W1 = (1 - lr * reg) * W1 - lr * X.T @ dhidden`` is one GEMM call with no
  (D, H) gradient array (``add_matmul_t``).
The plumbing (input checks, seeding, the divergence stop, the progress bar) is the one
``TwoLayerNet.train`` uses: :mod:`cs231n.tools.validation` and :mod:`cs231n.tools.train_loop`.
"""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import check_training_inputs
from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.tools.fast.gemm import add_matmul_t
from cs231n.tools.train_loop import TrainingLoop


def train(net, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=5e-6,
          num_iters=100, batch_size=200, verbose=False, seed=None, progress=False,
          callback=None):
    """``net.train(...)`` with the same arguments and result, faster.

    ``net`` must be a :class:`TwoLayerNet` (its ``params`` are updated in place).
    ``callback``: None, or ``callback(it, loss)`` after every step (live displays).
    Returns the history dict of ``TwoLayerNet.train``.
    """
    if not isinstance(net, TwoLayerNet):
        raise TypeError(f"the fast path trains a TwoLayerNet, got {type(net).__name__}")
    X, y, X_val, y_val, learning_rate, learning_rate_decay, reg, num_iters, batch_size = \
        check_training_inputs(net, X, y, X_val, y_val, learning_rate, learning_rate_decay,
                              reg, num_iters, batch_size)
    net.params = params = {k: v.astype(X.dtype, copy=False) for k, v in net.params.items()}
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train // batch_size, 1)
    X_batch = np.empty((batch_size, X.shape[1]), dtype=X.dtype)  # reused by every step

    history = {"loss_history": [], "train_acc_history": [], "val_acc_history": [],
               "learning_rates": [], "iterations_per_epoch": iterations_per_epoch}
    with TrainingLoop(num_iters, learning_rate, reg, seed, progress, verbose) as loop:
        for it in range(num_iters):
            # The course's np.random.choice(np.arange(num_train), batch_size) draws
            # exactly these indices from the global state.
            idx = np.random.randint(0, num_train, batch_size)
            # mode="clip": the indices are in range, and "raise" makes take() buffer.
            np.take(X, idx, axis=0, out=X_batch, mode="clip")
            loss = sgd_step(params, X_batch, y[idx], reg, learning_rate)
            if loop.diverged(it, loss, learning_rate):
                break
            history["loss_history"].append(loss)
            if callback is not None:
                callback(it, loss)
            loop.step_done()
            if verbose and it % 100 == 0:
                print("iteration %d / %d: loss %f" % (it, num_iters, loss))
            if (it + 1) % iterations_per_epoch == 0:
                train_acc = float((net.predict(X[:1000]) == y[:1000]).mean())
                val_acc = float((net.predict(X_val) == y_val).mean())
                history["train_acc_history"].append(train_acc)
                history["val_acc_history"].append(val_acc)
                history["learning_rates"].append(learning_rate)
                if verbose:
                    print("epoch %d: train acc %.3f, val acc %.3f, lr %.2e"
                          % (len(history["val_acc_history"]), train_acc, val_acc, learning_rate))
                learning_rate *= learning_rate_decay
    history.update(diverged_at=loop.diverged_at, message=loop.message)
    return history


def sgd_step(params, X, y, reg, learning_rate):
    """One vanilla SGD step of the two-layer net on the minibatch (X, y), in place.

    Returns the loss before the step (a float). Nothing changes when it is not finite.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    rows = np.arange(N)
    # Forward; relu'(z) = (h > 0), so the pre-activation need not be kept.
    hidden = X @ W1
    hidden += b1
    np.maximum(hidden, 0, out=hidden)
    scores = hidden @ W2
    scores += b2
    # The course's softmax (shift, exp, normalise, log of the correct class's probability):
    # a correct-class probability that underflows to 0 gives an infinite loss here too.
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores, out=scores)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = float(-np.log(probs[rows, y]).mean())
    if reg:
        loss += 0.5 * reg * float(np.vdot(W1, W1) + np.vdot(W2, W2))
    if not np.isfinite(loss):
        return loss
    # Backward, every gradient already times -learning_rate.
    dscores = probs
    dscores[rows, y] -= 1
    dscores *= -learning_rate / N
    dW2 = hidden.T @ dscores
    db2 = dscores.sum(axis=0)
    dhidden = dscores @ W2.T
    dhidden *= hidden > 0
    db1 = dhidden.sum(axis=0)
    decay = 1.0 - learning_rate * reg
    add_matmul_t(W1, X, dhidden, beta=decay)  # W1 = decay * W1 + X.T @ dhidden
    if reg:
        W2 *= decay
    W2 += dW2
    b1 += db1
    b2 += db2
    return loss
