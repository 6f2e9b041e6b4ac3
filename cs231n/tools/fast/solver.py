"""The Solver, fast, for a plain FullyConnectedNet: the same run, fewer passes.

``FastSolver`` is a :class:`cs231n.solver.Solver` (same arguments, minibatches, epochs,
learning-rate decay, accuracy checks, best parameters, histories, checkpoints and
divergence stop); only its training step differs, and only for a plain
:class:`FullyConnectedNet` with one of the four update rules of ``cs231n.optim``. There,
one step does what ``model.loss`` and the update rule do with the course's solution, with
the same result up to rounding, but:
- the forward and backward passes write into float buffers reused across steps;
- layer 1's ``dx`` (the gradient with respect to the data, which nothing uses) is not
  computed: two large matrix products for layer 1 instead of three;
- ``dW = h.T @ dout + reg * W`` is one GEMM call (``add_matmul_t`` with ``beta = reg``);
- the update rules run in place (``m *= beta1; m += ...``), with no temporaries.
Any other model or rule takes the plain Solver's step, with one difference: a large
parameter is updated slice by slice (:func:`sliced_update`), optionally in threads.
``cs231n/solver.py`` (what the student reads) knows nothing of this; the staff's benchmark
uses it explicitly.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from cs231n import optim
from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.solver import Solver
from cs231n.tools.fast.gemm import add_matmul_t

#: Parameters with at least this many entries are updated slice by slice, UPDATE_SLICE
#: entries at a time (see sliced_update). 0 turns that off.
SLICED_UPDATE_MIN_SIZE = 1 << 16
UPDATE_SLICE = 1 << 15
#: Threads for the sliced update (1: one after the other).
UPDATE_THREADS = int(os.environ.get("CS231N_UPDATE_THREADS", "1"))


class FastSolver(Solver):
    """A Solver whose step is fast for a plain FullyConnectedNet (see the module's doc).

    Same constructor, attributes and methods as :class:`cs231n.solver.Solver`; checkpoints
    of either can be resumed by the other. ``solver.fast_steps`` counts the steps that
    took the fast path.
    """

    def _reset(self):
        super()._reset()
        self.fast_steps = 0
        self._buffers = {}

    def _step(self):
        """One update, as Solver._step; returns False (applying nothing) on divergence."""
        if not self._fast_path_applies():
            return self._sliced_step()
        X_batch, y_batch = self._minibatch()
        hidden, dscores, loss = self._forward(X_batch, y_batch)
        if self._loop.diverged(self.iteration, loss, self.learning_rate):
            return False
        self.loss_history.append(loss)
        self._backward_and_update(hidden, dscores)
        self.iteration += 1
        self.fast_steps += 1
        return True

    def _sliced_step(self):
        """Solver._step, with each large parameter updated slice by slice (sliced_update)."""
        rule = self.update_rule
        if UPDATE_THREADS > 1 and getattr(self, "_pool", None) is None:
            self._pool = ThreadPoolExecutor(UPDATE_THREADS)
        pool = self._pool if UPDATE_THREADS > 1 else None
        self.update_rule = lambda w, dw, config: sliced_update(rule, w, dw, config, pool)
        try:
            return super()._step()
        finally:
            self.update_rule = rule

    def _minibatch(self):
        """Solver._step's minibatch (the same np.random draw), gathered into a buffer."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.randint(0, num_train, self.batch_size)  # = np.random.choice
        X_batch = self._buffer("X_batch", (self.batch_size,) + self.X_train.shape[1:],
                               self.X_train.dtype)
        # mode="clip": the indices are in range, and "raise" makes take() buffer (3x slower).
        np.take(self.X_train, batch_mask, axis=0, out=X_batch, mode="clip")
        return X_batch, self.y_train[batch_mask]

    def _fast_path_applies(self):
        """A plain FullyConnectedNet, its parameters as it made them, a rule of optim, and
        data that fits the net (else the plain step runs, and reports any mismatch)."""
        model = self.model
        if type(model) is not FullyConnectedNet \
                or self.update_rule is not optim.UPDATE_RULES.get(self.update_rule_name) \
                or self.update_rule_name not in _RULES:
            return False
        params, L = model.params, model.num_layers
        if set(params) != {f"{p}{i}" for p in "Wb" for i in range(1, L + 1)} \
                or not all(isinstance(w, np.ndarray) and w.dtype == model.dtype
                           and w.flags.c_contiguous and w.flags.writeable
                           for w in params.values()):
            return False
        dims = [model.input_dim] + [params[f"b{i}"].size for i in range(1, L + 1)]
        return all(params[f"W{i}"].shape == (dims[i - 1], dims[i])
                   and params[f"b{i}"].shape == (dims[i],) for i in range(1, L + 1)) \
            and dims[-1] == model.num_classes \
            and self.X_train[0].size == model.input_dim \
            and self.y_train.max() < model.num_classes

    def _buffer(self, name, shape, dtype):
        """A reused array of this shape and dtype (new contents undefined)."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._buffers[name] = np.empty(shape, dtype=dtype)
        return buf

    def _forward(self, X, y):
        """Forward pass and softmax loss of the net on the minibatch (X, y).

        Inputs:
        - X: minibatch of shape (N, d_1, ..., d_k); y: its N labels.

        Returns a tuple of:
        - hidden: the input of every layer (hidden[0] is X as (N, D) rows, in the net's
          dtype; the others are buffers of this solver)
        - dscores: d(data loss)/d(scores), of shape (N, C) (a buffer)
        - loss: the loss with its L2 term, a float
        """
        model, params = self.model, self.model.params
        L, dtype, N = model.num_layers, model.dtype, X.shape[0]
        hidden = [X.reshape(N, -1).astype(dtype, copy=False)]
        for i in range(1, L + 1):
            W, b = params[f"W{i}"], params[f"b{i}"]
            out = np.matmul(hidden[-1], W, out=self._buffer(f"out{i}", (N, W.shape[1]), dtype))
            out += b
            if i < L:
                np.maximum(out, 0, out=out)
                hidden.append(out)
        dscores, loss = _softmax_loss(out, y)
        loss += 0.5 * model.reg * sum(float(np.vdot(params[f"W{i}"], params[f"W{i}"]))
                                      for i in range(1, L + 1))
        return hidden, dscores, loss

    def _backward_and_update(self, hidden, dout):
        """Backward pass from layer L down to 1, each layer's parameters updated as soon as
        the gradient below it no longer needs them.

        Inputs:
        - hidden: the layers' inputs, from _forward
        - dout: d(data loss)/d(scores), of shape (N, C)

        Returns nothing; updates model.params and the update rule's configs in place.
        """
        model, params = self.model, self.model.params
        for i in range(model.num_layers, 0, -1):
            W, h = params[f"W{i}"], hidden[i - 1]
            if i > 1:  # layer 1's input is the data: no gradient needed
                dh = np.matmul(dout, W.T, out=self._buffer(f"dh{i}", h.shape, W.dtype))
                dh *= h > 0  # relu'(z) = (h > 0), h = relu(z)
            dW = self._buffer(f"dW{i}", W.shape, W.dtype)
            if model.reg:
                np.copyto(dW, W)
                add_matmul_t(dW, h, dout, beta=model.reg)  # dW = h.T @ dout + reg * W
            else:
                np.matmul(h.T, dout, out=dW)
            db = np.sum(dout, axis=0)
            self._update_in_place(f"W{i}", W, dW)
            self._update_in_place(f"b{i}", params[f"b{i}"], db)
            if i > 1:
                dout = dh

    def _update_in_place(self, name, w, dw):
        """The update rule's step on one parameter, in place.

        Inputs:
        - name: the parameter's key in model.params and self.optim_configs
        - w: the parameter (updated in place); dw: its gradient (same shape)

        Returns nothing; w and the rule's state in optim_configs[name] are updated.
        """
        config = self.optim_configs[name]
        rule, state_names, hyper = _RULES[self.update_rule_name]
        for key, default in _DEFAULTS[self.update_rule_name].items():
            config.setdefault(key, default)
        states = [self._state(config, key, w) for key in state_names]
        rule(w, dw, *states, self._scratch(w), *hyper(config))

    def _scratch(self, w):
        """A reused scratch array shaped like w (one buffer, as large as the largest w)."""
        buf = self._buffers.get("scratch")
        if buf is None or buf.size < w.size or buf.dtype != w.dtype:
            buf = self._buffers["scratch"] = np.empty(w.size, dtype=w.dtype)
        return buf[:w.size].reshape(w.shape)

    @staticmethod
    def _state(config, key, w):
        """config[key] as a writable C-contiguous array like w (zeros if missing)."""
        a = config.get(key)
        if not (isinstance(a, np.ndarray) and a.shape == w.shape and a.dtype == w.dtype
                and a.flags.c_contiguous and a.flags.writeable):
            a = np.zeros_like(w) if a is None else np.array(a, dtype=w.dtype, order="C")
            config[key] = a
        return a


def sliced_update(rule, w, dw, config, pool=None):
    """``rule(w, dw, config)``, faster for large parameters.

    The update rules work entry by entry (every entry of next_w depends only on the same
    entry of w, dw and the config's arrays), so a large parameter can be updated slice by
    slice: each slice's arrays then stay in the CPU cache across the dozen NumPy operations
    of a rule like Adam, instead of a dozen passes through memory over the whole array
    (and, with a thread pool, the slices run in parallel; NumPy releases the GIL inside its
    loops). The result is the same, entry for entry, as one call on the whole array; the new
    values are written into w and into the config's arrays in place.
    """
    n = w.size
    if (SLICED_UPDATE_MIN_SIZE == 0 or n < SLICED_UPDATE_MIN_SIZE
            or not (w.flags.c_contiguous and w.flags.writeable)):
        return rule(w, dw, config)
    w_flat = w.reshape(-1)
    dw_flat = np.ascontiguousarray(dw).reshape(-1)
    # Arrays of the config shaped like w (velocity, cache, m, v) are sliced with w.
    full = {k: v.reshape(-1) for k, v in config.items()
            if isinstance(v, np.ndarray) and v.shape == w.shape and v.flags.c_contiguous}
    bounds = list(range(0, n, UPDATE_SLICE)) + [n]
    slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

    def update_slice(sl):
        sub = {k: (full[k][sl] if k in full else v) for k, v in config.items()}
        next_w, sub = rule(w_flat[sl], dw_flat[sl], sub)
        w_flat[sl] = next_w
        for k in full:
            if sub.get(k) is not None:
                full[k][sl] = sub[k]
        return sub

    subs = list(pool.map(update_slice, slices) if pool else map(update_slice, slices))
    # Keys the rule added (its state on the first step) are gathered into whole arrays;
    # scalars (t, learning_rate, ...) are the same in every slice.
    next_config = dict(config)
    for k, v in subs[0].items():
        if k in full:
            continue
        if isinstance(v, np.ndarray) and v.shape == (slices[0].stop - slices[0].start,):
            whole = np.empty(w.shape, dtype=v.dtype)
            for sl, sub in zip(slices, subs):
                whole.reshape(-1)[sl] = sub[k]
            next_config[k] = whole
        else:
            next_config[k] = v
    return w, next_config


def _softmax_loss(scores, y):
    """The course's softmax_loss (shift, log-sum-exp, mean), in place in scores.

    Inputs:
    - scores: array of shape (N, C), overwritten; y: N labels in 0..C-1.

    Returns a tuple of:
    - dscores: scores' array, now d(loss)/d(scores)
    - loss: the mean cross-entropy, a float
    """
    N = scores.shape[0]
    rows = np.arange(N)
    scores -= scores.max(axis=1, keepdims=True)
    scores -= np.log(np.exp(scores).sum(axis=1, keepdims=True))  # log-probabilities
    loss = -float(scores[rows, y].sum()) / N
    probs = np.exp(scores, out=scores)
    probs[rows, y] -= 1
    probs /= N
    return probs, loss


# The update rules of cs231n.optim, in place: w, dw, the rule's state arrays and a scratch
# array tmp, all of the same shape, then the rule's scalars. Same maths as
# optim.py (t incremented before the bias correction, epsilon added after the square root).

def _sgd(w, dw, tmp, lr):
    np.multiply(dw, lr, out=tmp)
    w -= tmp


def _sgd_momentum(w, dw, v, tmp, lr, momentum):
    v *= momentum  # v = momentum * v - lr * dw; w = w + v
    np.multiply(dw, lr, out=tmp)
    v -= tmp
    w += v


def _rmsprop(w, dw, cache, tmp, lr, decay, eps):
    np.multiply(dw, dw, out=tmp)  # cache = decay * cache + (1 - decay) * dw**2
    tmp *= 1 - decay
    cache *= decay
    cache += tmp
    np.sqrt(cache, out=tmp)  # w = w - lr * dw / (sqrt(cache) + eps)
    tmp += eps
    np.divide(dw, tmp, out=tmp)
    tmp *= lr
    w -= tmp


def _adam(w, dw, m, v, tmp, lr_over_c1, beta1, beta2, eps, c2):
    m *= beta1  # m = beta1 * m + (1 - beta1) * dw
    np.multiply(dw, 1 - beta1, out=tmp)
    m += tmp
    v *= beta2  # v = beta2 * v + (1 - beta2) * dw**2
    np.multiply(dw, dw, out=tmp)
    tmp *= 1 - beta2
    v += tmp
    np.divide(v, c2, out=tmp)  # w = w - lr * (m / c1) / (sqrt(v / c2) + eps)
    np.sqrt(tmp, out=tmp)
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= lr_over_c1
    w -= tmp


def _adam_scalars(config):
    config["t"] += 1  # before the bias correction, as optim.adam
    t, beta1, beta2 = config["t"], config["beta1"], config["beta2"]
    return (config["learning_rate"] / (1 - beta1 ** t), beta1, beta2, config["epsilon"],
            1 - beta2 ** t)


# name -> (in-place rule, state arrays in config, config -> the rule's scalars)
_RULES = {
    "sgd": (_sgd, (), lambda c: (c["learning_rate"],)),
    "sgd_momentum": (_sgd_momentum, ("velocity",),
                     lambda c: (c["learning_rate"], c["momentum"])),
    "rmsprop": (_rmsprop, ("cache",),
                lambda c: (c["learning_rate"], c["decay_rate"], c["epsilon"])),
    "adam": (_adam, ("m", "v"), _adam_scalars),
}
# optim.py's defaults of each rule's scalars (the learning rate comes from the Solver).
_DEFAULTS = {
    "sgd": {},
    "sgd_momentum": {"momentum": 0.9},
    "rmsprop": {"decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 0},
}
