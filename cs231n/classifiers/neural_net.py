"""A two-layer fully connected network: affine - ReLU - affine - softmax."""
from __future__ import annotations

import warnings

import numpy as np

from cs231n._blas import add_matmul_t
from cs231n._validation import (check_features, check_float_dtype, check_nonnegative_float,
                                check_positive_float, check_positive_int, check_y)

# Rows per chunk when predicting, so scoring 49,000 images never holds a (49000, H) array.
PREDICT_CHUNK = 4096


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""


class TwoLayerNet:
    """A two-layer fully connected neural network.

    The net has an input dimension of D, a hidden layer of H units and C classes:

        input - fully connected layer - ReLU - fully connected layer - softmax

    and is trained with a softmax (cross-entropy) loss plus L2 regularisation of the
    weight matrices. The learnable parameters live in ``self.params``:

    - W1: first layer weights, shape (D, H)
    - b1: first layer biases, shape (H,)
    - W2: second layer weights, shape (H, C)
    - b2: second layer biases, shape (C,)

    Regularisation convention: the loss adds ``0.5 * reg * (sum(W1**2) + sum(W2**2))``,
    so its gradient is ``reg * W``. (The course's 2017 handout wrote ``reg * sum(W**2)``;
    with this convention the toy model's reference loss 1.30378789133 is reached at
    ``reg=0.1``.) Biases are not regularised.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4, seed=None,
                 dtype=np.float64):
        """Initialise the weights with ``std * standard normal`` and the biases with zeros.

        Inputs:
        - input_size: the dimension D of the input data.
        - hidden_size: the number of units H in the hidden layer.
        - output_size: the number of classes C.
        - std: scale of the initial weights.
        - seed: None draws from NumPy's global random state (``np.random.randn``), which is
          what the course does, so ``np.random.seed(0); TwoLayerNet(4, 10, 3, std=1e-1)``
          gives the course's toy weights. An int or a ``np.random.Generator`` draws from
          ``np.random.default_rng(seed)`` instead, independent of hidden global state.
        - dtype: float dtype of the parameters (training on float32 data converts them).
        """
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("output_size", output_size)):
            check_positive_int(value, name)
        if not np.isfinite(std) or std < 0:
            raise ValueError(f"std must be a non-negative finite number, got {std!r}")
        dtype = check_float_dtype(dtype)
        if seed is None:
            draw = np.random.randn
        else:
            rng = np.random.default_rng(seed)
            draw = lambda *shape: rng.standard_normal(shape)  # noqa: E731
        self.params = {
            "W1": (std * draw(input_size, hidden_size)).astype(dtype),
            "b1": np.zeros(hidden_size, dtype=dtype),
            "W2": (std * draw(hidden_size, output_size)).astype(dtype),
            "b2": np.zeros(output_size, dtype=dtype),
        }

    @property
    def input_size(self):
        return self.params["W1"].shape[0]

    @property
    def hidden_size(self):
        return self.params["W1"].shape[1]

    @property
    def output_size(self):
        return self.params["W2"].shape[1]

    def _weights(self, dtype):
        """The parameters as ``dtype`` (no copy when they already are)."""
        return [self.params[k].astype(dtype, copy=False) for k in ("W1", "b1", "W2", "b2")]

    def loss(self, X, y=None, reg=0.0):
        """Compute the loss and gradients for a minibatch.

        Inputs:
        - X: input data of shape (N, D); each X[i] is a training sample. float32 input is
          computed in float32, anything else in float64.
        - y: vector of training labels, shape (N,); y[i] is an integer in 0..C-1. If None,
          only the scores are computed.
        - reg: regularisation strength (see the class docstring for the convention).

        Returns:
        If y is None, the scores: an array of shape (N, C), scores[i, c] the score of
        class c for input X[i].
        Otherwise a tuple of:
        - loss: data loss (mean softmax cross-entropy) plus regularisation loss, a float.
        - grads: dict with the same keys as self.params, the gradient of the loss with
          respect to each parameter, each of that parameter's shape.
        """
        X = check_features(X, n_features=self.input_size)
        if y is not None:
            y = check_y(y, X.shape[0], num_classes=self.output_size)
        reg = check_nonnegative_float(reg, "reg")
        return self._loss(X, y, reg)

    def _loss(self, X, y, reg, out=None, grad_scale=1.0):
        """loss() on checked input, and train's SGD step.

        - out: None to return the gradients. Or a dict of arrays shaped like the
          parameters (train passes ``self.params``): ``grad_scale`` times each gradient is
          then added into ``out[name]`` in place and ``(loss, None)`` is returned. With
          ``grad_scale=-learning_rate`` that is the SGD step ``W -= learning_rate * dW``.
          Nothing is added when the loss is not finite.
        - grad_scale: factor applied to every gradient (the L2 part too). Scaling the small
          (N, C) dscores once scales everything downstream of it at no cost.
        """
        W1, b1, W2, b2 = self._weights(X.dtype)
        N = X.shape[0]

        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        # Forward pass: affine, ReLU (in place: the pre-activation is not needed later,
        # since relu'(z) = (h > 0)), affine.
        hidden = X @ W1
        hidden += b1
        np.maximum(hidden, 0, out=hidden)
        scores = hidden @ W2
        scores += b2
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        if y is None:
            return scores

        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        # Softmax loss. Shifting each row by its maximum leaves the softmax unchanged and
        # keeps exp() from overflowing; log-sum-exp gives the log-probabilities directly.
        scores -= scores.max(axis=1, keepdims=True)
        log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        rows = np.arange(N)
        data_loss = -log_probs[rows, y].mean()
        loss = float(data_loss) + self._reg_loss(reg)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        if out is not None and not np.isfinite(loss):
            return loss, None  # a diverged loss: leave the parameters as they are

        grads = {}
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        # Backward pass, each step beside its forward step above.
        # softmax + cross-entropy: dL/dscores = (probs - onehot(y)) / N
        dscores = np.exp(log_probs, out=log_probs)
        dscores[rows, y] -= 1
        dscores /= N
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        if grad_scale != 1.0:
            dscores *= grad_scale
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        # (L2 regularisation: d/dW of 0.5 * reg * sum(W**2) is reg * W, scaled like the rest.)
        # second affine: scores = hidden @ W2 + b2
        grads["W2"] = hidden.T @ dscores
        if reg:
            grads["W2"] += (grad_scale * reg) * W2
        grads["b2"] = dscores.sum(axis=0)
        dhidden = dscores @ W2.T
        # ReLU: pass the gradient where the unit was active
        dhidden *= hidden > 0
        # first affine: hidden = X @ W1 + b1
        grads["b1"] = dhidden.sum(axis=0)
        if out is not None and out["W1"] is W1:
            # train's step on W1 itself: W1 = (1 + s*reg) * W1 + X.T @ dhidden (dhidden
            # holds s = grad_scale times the gradient) is one BLAS GEMM call, with no
            # (D, H) gradient array and no extra pass over W1.
            add_matmul_t(W1, X, dhidden, beta=1.0 + grad_scale * reg)
        else:
            grads["W1"] = X.T @ dhidden
            if reg:
                grads["W1"] += (grad_scale * reg) * W1
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        if out is None:
            return loss, grads
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        # The step itself: add the (scaled) gradients into out, in place.
        for name, grad in grads.items():
            out[name] += grad
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return loss, None

    def _reg_loss(self, reg):
        """The L2 part of the loss, 0.5 * reg * (sum(W1**2) + sum(W2**2))."""
        if not reg:
            return 0.0
        W1, W2 = self.params["W1"], self.params["W2"]
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return 0.5 * reg * float(np.vdot(W1, W1) + np.vdot(W2, W2))
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100, batch_size=200, verbose=False, seed=None,
              progress=False, callback=None):
        """Train this network with minibatch stochastic gradient descent.

        An epoch is ``max(num_train // batch_size, 1)`` iterations. At the end of every
        epoch the training accuracy (on that iteration's minibatch, as in the course) and
        the validation accuracy are recorded and the learning rate is multiplied by
        ``learning_rate_decay``.

        If the loss becomes NaN or infinite, training stops before that step is applied,
        with a :class:`DivergenceWarning` naming the iteration and the learning rate; the
        history so far is returned and ``history["diverged_at"]`` is that iteration.

        Float32 training data trains in float32 (the parameters are converted to float32);
        other data in float64.

        Inputs:
        - X: training data, shape (N, D).
        - y: training labels, shape (N,); y[i] = c means X[i] has label c, 0 <= c < C.
        - X_val: validation data, shape (N_val, D).
        - y_val: validation labels, shape (N_val,).
        - learning_rate: scalar giving the initial learning rate.
        - learning_rate_decay: factor applied to the learning rate after each epoch.
        - reg: regularisation strength.
        - num_iters: number of SGD steps.
        - batch_size: training examples per step, drawn with replacement.
        - verbose: print one line per epoch.
        - seed: int or np.random.Generator for drawing minibatches (None: unpredictable).
        - progress: show a progress bar (tqdm).
        - callback: None, or a function called as ``callback(it, loss)`` after every step
          (live displays; the sweep uses it to hand a configuration the cores that idle
          workers leave).

        Returns a dict with:
        - loss_history: list of num_iters floats (fewer if training diverged).
        - train_acc_history, val_acc_history: one float per completed epoch.
        - learning_rates: the learning rate used in each epoch.
        - iterations_per_epoch: int.
        - diverged_at: None, or the iteration whose loss was not finite.
        - message: None, or the divergence message.
        """
        X = check_features(X, n_features=self.input_size)
        y = check_y(y, X.shape[0], num_classes=self.output_size)
        X_val = check_features(X_val, name="X_val", n_features=self.input_size)
        y_val = check_y(y_val, X_val.shape[0], num_classes=self.output_size, name="y_val")
        learning_rate = initial_lr = check_positive_float(learning_rate, "learning_rate")
        learning_rate_decay = check_positive_float(learning_rate_decay, "learning_rate_decay")
        reg = check_nonnegative_float(reg, "reg")
        num_iters = check_positive_int(num_iters, "num_iters")
        batch_size = check_positive_int(batch_size, "batch_size")
        if X.shape[0] == 0:
            raise ValueError("X has no training samples")

        dtype = X.dtype
        # Learned state follows the data's precision; one conversion, not one per step.
        self.params = {k: v.astype(dtype, copy=False) for k, v in self.params.items()}
        params = self.params
        rng = np.random.default_rng(seed)
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        # The minibatch buffer, reused by every step.
        X_batch = np.empty((batch_size, X.shape[1]), dtype=dtype)

        history = {
            "loss_history": [],
            "train_acc_history": [],
            "val_acc_history": [],
            "learning_rates": [],
            "iterations_per_epoch": iterations_per_epoch,
            "diverged_at": None,
            "message": None,
        }
        bar = _progress_bar(num_iters) if progress else None
        try:
            for it in range(num_iters):
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                # Minibatch, sampled with replacement, gathered into the reused buffer
                # (mode="clip": the indices are in range, and the default mode="raise"
                # makes take() buffer its output, about 3x slower).
                idx = rng.integers(num_train, size=batch_size)
                np.take(X, idx, axis=0, out=X_batch, mode="clip")
                y_batch = y[idx]
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

                with np.errstate(over="ignore", invalid="ignore"):
                    # The loss, and the vanilla SGD step W -= learning_rate * dW applied
                    # to the parameters in place (unless the loss is not finite).
                    loss, _ = self._loss(X_batch, y_batch, reg, out=params,
                                         grad_scale=-learning_rate)
                if not np.isfinite(loss):
                    history["diverged_at"] = it
                    history["message"] = (
                        f"Training diverged at iteration {it}: the loss became {loss} with "
                        f"learning rate {learning_rate:.3g} (initial {initial_lr:.3g}) and "
                        f"reg {reg:.3g}. "
                        "Try a smaller learning rate."
                    )
                    warnings.warn(history["message"], DivergenceWarning, stacklevel=2)
                    if verbose:
                        print(history["message"])
                    break
                history["loss_history"].append(loss)
                if callback is not None:
                    callback(it, loss)

                if bar is not None:
                    bar.update(1)
                    if it % 50 == 0:
                        bar.set_postfix(loss=f"{loss:.3f}")
                if (it + 1) % iterations_per_epoch == 0:
                    # Just before a divergence the scores may overflow: argmax still works.
                    with np.errstate(over="ignore", invalid="ignore"):
                        train_acc = float((self.predict(X_batch) == y_batch).mean())
                        val_acc = float((self.predict(X_val) == y_val).mean())
                    history["train_acc_history"].append(train_acc)
                    history["val_acc_history"].append(val_acc)
                    history["learning_rates"].append(learning_rate)
                    if verbose:
                        epoch = (it + 1) // iterations_per_epoch
                        print(f"epoch {epoch}/{num_iters // iterations_per_epoch} "
                              f"(iteration {it + 1}/{num_iters}): loss {loss:.4f}, "
                              f"train acc {train_acc:.3f}, val acc {val_acc:.3f}, "
                              f"lr {learning_rate:.2e}")
                    learning_rate *= learning_rate_decay
        finally:
            if bar is not None:
                bar.close()
        return history

    def predict(self, X):
        """Predict labels with the trained weights.

        Inputs:
        - X: data of shape (N, D).

        Returns:
        - y_pred: int64 array of shape (N,), the predicted class of each X[i], in 0..C-1.
        """
        X = check_features(X, n_features=self.input_size)
        y_pred = np.empty(X.shape[0], dtype=np.int64)
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            chunk = slice(start, start + PREDICT_CHUNK)
            # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
            y_pred[chunk] = np.argmax(self._loss(X[chunk], None, 0.0), axis=1)
            # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return y_pred

    def save(self, path):
        """Save the parameters to ``path`` (.npz, no pickle)."""
        np.savez(path, **self.params)

    @classmethod
    def from_params(cls, params, name="params"):
        """A net whose parameters are copies of ``params`` (W1, b1, W2, b2 as in
        ``self.params``); ``name`` says where they come from in error messages."""
        missing = {"W1", "b1", "W2", "b2"} - set(params)
        if missing:
            raise ValueError(f"{name}: not TwoLayerNet parameters, missing {sorted(missing)}")
        params = {k: np.array(params[k]) for k in ("W1", "b1", "W2", "b2")}
        if params["W1"].ndim != 2 or params["W2"].ndim != 2:
            raise ValueError(f"{name}: W1 and W2 must be 2-D")
        D, H = params["W1"].shape
        C = params["W2"].shape[1]
        if params["b1"].shape != (H,) or params["W2"].shape != (H, C) or params["b2"].shape != (C,):
            raise ValueError(f"{name}: parameter shapes do not fit together")
        net = cls(D, H, C, std=0.0, seed=0, dtype=params["W1"].dtype)
        net.params = params
        return net

    @classmethod
    def load(cls, path):
        """Load a net written by :meth:`save` (refuses pickled content)."""
        with np.load(path, allow_pickle=False) as f:
            return cls.from_params({k: f[k] for k in f.files}, name=str(path))


def _progress_bar(total):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="it", leave=False)
