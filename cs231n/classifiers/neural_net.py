"""A two-layer fully connected network: affine - ReLU - affine - softmax.

This is the monolithic net of the 2017 course: ``loss`` computes the scores, the loss and
the gradients in one method, ``train`` runs minibatch SGD and ``predict`` labels new data.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from cs231n._validation import (check_features, check_float_dtype, check_nonnegative_float,
                                check_positive_float, check_positive_int, check_y)
from cs231n.divergence import DivergenceWarning, divergence_message, has_diverged

__all__ = ["TwoLayerNet", "DivergenceWarning"]

#: Training accuracy is measured on (at most) this many training images, the same ones
#: every epoch, so the train and validation curves are comparable.
TRAIN_ACC_SAMPLES = 1000


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

    def loss(self, X, y=None, reg=0.0):
        """Compute the loss and gradients for a two-layer fully connected neural network.

        Inputs:
        - X: input data of shape (N, D); each X[i] is a training sample.
        - y: vector of training labels, shape (N,); y[i] is an integer in 0..C-1. If None,
          only the scores are computed and returned.
        - reg: regularisation strength (the loss adds 0.5 * reg * sum(W**2) for W1, W2).

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

        # Unpack variables from the params dictionary, in the data's precision (float32
        # data is computed in float32, which is about twice as fast)
        W1, b1, W2, b2 = (self.params[k].astype(X.dtype, copy=False)
                          for k in ("W1", "b1", "W2", "b2"))
        N, D = X.shape

        # Compute the forward pass
        scores = None
        # TODO: Perform the forward pass, computing the class scores for the input:
        # affine layer (X, W1, b1), ReLU, affine layer (W2, b2). Store the result in the
        # variable scores, an array of shape (N, C). Keep the hidden activations: the
        # backward pass needs them.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        z1 = X.dot(W1) + b1
        a1 = np.maximum(0, z1)
        scores = a1.dot(W2) + b2
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # If the targets are not given then jump out, we're done
        if y is None:
            return scores

        # Compute the loss
        loss = None
        # TODO: Finish the forward pass and compute the loss: the softmax classifier's
        # data loss (the mean over the N examples of -log of the correct class's
        # probability) plus the L2 regularisation 0.5 * reg * (sum(W1**2) + sum(W2**2)).
        # Store the result in the variable loss, a scalar. Subtract each row's maximum
        # score before exponentiating: the softmax is unchanged and exp cannot overflow.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        exp_scores = np.exp(shifted)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        data_loss = -np.mean(np.log(probs[np.arange(N), y]))
        reg_loss = 0.5 * reg * np.sum(W1 * W1) + 0.5 * reg * np.sum(W2 * W2)
        loss = data_loss + reg_loss
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        # Backward pass: compute gradients
        grads = {}
        # TODO: Compute the backward pass, computing the derivatives of the weights and
        # biases. Store the results in the grads dictionary: grads['W1'] holds the
        # gradient of the loss with respect to W1 and has W1's shape, and likewise for
        # 'b1', 'W2' and 'b2'. Include the regularisation's gradient, reg * W.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = a1.T.dot(dscores)
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[a1 <= 0] = 0
        grads["W1"] = X.T.dot(dhidden)
        grads["b1"] = np.sum(dhidden, axis=0)
        grads["W2"] += reg * W2
        grads["W1"] += reg * W1
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        return float(loss), grads

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100, batch_size=200, verbose=False, seed=None,
              progress=False):
        """Train this neural network using stochastic gradient descent.

        An epoch is ``max(num_train // batch_size, 1)`` iterations. At the end of every
        epoch the training accuracy (on a fixed subset of at most 1,000 training images)
        and the validation accuracy are recorded, and the learning rate is multiplied by
        ``learning_rate_decay``.

        If the loss becomes NaN or infinite, training stops before that step is applied,
        with a :class:`DivergenceWarning` naming the iteration and the learning rate; the
        history so far is returned and ``history["diverged_at"]`` is that iteration.

        Float32 training data trains in float32 (the parameters are converted to float32);
        other data in float64.

        Inputs:
        - X: a numpy array of shape (N, D) giving training data.
        - y: a numpy array of shape (N,) giving training labels; y[i] = c means that X[i]
          has label c, where 0 <= c < C.
        - X_val: a numpy array of shape (N_val, D) giving validation data.
        - y_val: a numpy array of shape (N_val,) giving validation labels.
        - learning_rate: scalar giving the learning rate for optimisation.
        - learning_rate_decay: scalar giving the factor used to decay the learning rate
          after each epoch.
        - reg: scalar giving the regularisation strength.
        - num_iters: number of steps to take when optimising.
        - batch_size: number of training examples to use per step.
        - verbose: boolean; if true print progress during optimisation.
        - seed: None, or an int (or np.random.Generator) that makes the minibatches
          reproducible: NumPy's global random state is seeded with it while training and
          restored afterwards, so ``np.random.choice`` draws the same batches every run.
        - progress: show a progress bar.

        Returns a dict with:
        - loss_history: list of num_iters floats (fewer if training diverged).
        - train_acc_history, val_acc_history: one float per completed epoch.
        - learning_rates: the learning rate used in each epoch.
        - iterations_per_epoch: int.
        - diverged_at: None, or the iteration whose loss was not finite.
        - message: None, or the divergence message.
        """
        X, y, X_val, y_val, learning_rate, learning_rate_decay, reg, num_iters, batch_size = \
            check_training_inputs(self, X, y, X_val, y_val, learning_rate, learning_rate_decay,
                                  reg, num_iters, batch_size)
        initial_lr = learning_rate

        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        X_train_acc, y_train_acc = X[:TRAIN_ACC_SAMPLES], y[:TRAIN_ACC_SAMPLES]

        # Use SGD to optimize the parameters in self.model
        history = new_history(iterations_per_epoch)
        with seeded_global_rng(seed), progress_bar(num_iters, progress) as bar:
            for it in range(num_iters):
                X_batch = None
                y_batch = None
                # TODO: Create a random minibatch of training data and labels, storing
                # them in X_batch and y_batch respectively: batch_size rows of X and the
                # matching labels of y, drawn at random with replacement (use
                # np.random, so that the seed argument makes runs reproducible).
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                batch_indices = np.random.choice(np.arange(num_train), batch_size)
                X_batch = X[batch_indices]
                y_batch = y[batch_indices]
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                check_minibatch(X_batch, y_batch, batch_size, X.shape[1])

                # Compute loss and gradients using the current minibatch
                # (a diverging net overflows on the way: the check below says so clearly)
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
                if has_diverged(loss):  # stop before a step that would ruin the weights
                    stop_diverged(history, it, loss, learning_rate, initial_lr, reg, verbose)
                    break
                check_grads(grads, self.params)

                # TODO: Use the gradients in the grads dictionary to update the parameters
                # of the network (stored in the dictionary self.params) using vanilla
                # stochastic gradient descent: each parameter moves by -learning_rate
                # times its gradient.
                # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
                self.params["W1"] += -learning_rate * grads["W1"]
                self.params["b1"] += -learning_rate * grads["b1"]
                self.params["W2"] += -learning_rate * grads["W2"]
                self.params["b2"] += -learning_rate * grads["b2"]
                # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

                history["loss_history"].append(float(loss))
                bar.update(1)
                if verbose and it % 100 == 0:
                    print(f"iteration {it} / {num_iters}: loss {loss:f}")

                # Every epoch, check train and val accuracy and decay learning rate.
                if (it + 1) % iterations_per_epoch == 0:
                    record_epoch(history, self, X_train_acc, y_train_acc, X_val, y_val,
                                 learning_rate, verbose)
                    learning_rate *= learning_rate_decay
        return history

    def predict(self, X):
        """Use the trained weights of this two-layer network to predict labels.

        Inputs:
        - X: a numpy array of shape (N, D) giving N D-dimensional data points to classify.

        Returns:
        - y_pred: a numpy array of shape (N,) giving predicted labels for each of the
          elements of X. For all i, y_pred[i] = c means that X[i] is predicted to have
          class c, where 0 <= c < C.
        """
        X = check_features(X, n_features=self.input_size)
        # The weights, if you would rather write the forward pass again than call loss.
        W1, b1 = self.params["W1"], self.params["b1"]  # noqa: F841
        W2, b2 = self.params["W2"], self.params["b2"]  # noqa: F841

        y_pred = None
        # TODO: Implement this function; it should be VERY simple! The predicted class
        # of X[i] is the one with the highest score (self.loss(X) gives the scores).
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        y_pred = np.argmax(self.loss(X), axis=1)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return check_predictions(y_pred, X.shape[0], self.output_size)

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


# ------------------------------------------------------------------------------------
# Training plumbing shared by TwoLayerNet.train and the staff's fast path.
# ------------------------------------------------------------------------------------

def check_training_inputs(net, X, y, X_val, y_val, learning_rate, learning_rate_decay, reg,
                          num_iters, batch_size):
    """train's arguments, checked (a ValueError names any bad one), in that order.

    The net's parameters are converted to the data's precision here, once, not at every
    step: float32 data trains in float32.
    """
    X = check_features(X, n_features=net.input_size)
    y = check_y(y, X.shape[0], num_classes=net.output_size)
    X_val = check_features(X_val, name="X_val", n_features=net.input_size)
    y_val = check_y(y_val, X_val.shape[0], num_classes=net.output_size, name="y_val")
    net.params = {k: v.astype(X.dtype, copy=False) for k, v in net.params.items()}
    return (X, y, X_val, y_val,
            check_positive_float(learning_rate, "learning_rate"),
            check_positive_float(learning_rate_decay, "learning_rate_decay"),
            check_nonnegative_float(reg, "reg"),
            check_positive_int(num_iters, "num_iters"),
            check_positive_int(batch_size, "batch_size"))


def new_history(iterations_per_epoch):
    """The empty history dict that ``train`` fills and returns."""
    return {
        "loss_history": [],
        "train_acc_history": [],
        "val_acc_history": [],
        "learning_rates": [],
        "iterations_per_epoch": iterations_per_epoch,
        "diverged_at": None,
        "message": None,
    }


def record_epoch(history, net, X_train_acc, y_train_acc, X_val, y_val, learning_rate,
                 verbose):
    """Append the end-of-epoch training and validation accuracy of ``net`` to history."""
    # Just before a divergence the scores may overflow: argmax still works.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        train_acc = float((net.predict(X_train_acc) == y_train_acc).mean())
        val_acc = float((net.predict(X_val) == y_val).mean())
    history["train_acc_history"].append(train_acc)
    history["val_acc_history"].append(val_acc)
    history["learning_rates"].append(learning_rate)
    if verbose:
        epoch = len(history["val_acc_history"])
        print(f"epoch {epoch}: train acc {train_acc:.3f}, val acc {val_acc:.3f}, "
              f"lr {learning_rate:.2e}")


def stop_diverged(history, it, loss, learning_rate, initial_lr, reg, verbose):
    """Record a divergence at iteration ``it`` in history, and warn."""
    history["diverged_at"] = it
    history["message"] = divergence_message(it, loss, learning_rate, initial_lr, reg)
    warnings.warn(history["message"], DivergenceWarning, stacklevel=3)
    if verbose:
        print(history["message"])


def check_minibatch(X_batch, y_batch, batch_size, D):
    """The minibatch region's outputs, or a ValueError saying what is wrong with them."""
    for name, value, shape in (("X_batch", X_batch, (batch_size, D)),
                               ("y_batch", y_batch, (batch_size,))):
        if value is None:
            raise ValueError(f"train: {name} is still None; the minibatch code must set it")
        if np.shape(value) != shape:
            raise ValueError(f"train: {name} must have shape {shape} (batch_size rows), "
                             f"got {np.shape(value)}")


def check_grads(grads, params):
    """A ValueError naming the key if ``grads`` does not match ``params`` key for key."""
    if not isinstance(grads, dict):
        raise ValueError(f"loss must return (loss, grads) with grads a dict, got {type(grads)}")
    for name, value in params.items():
        if name not in grads:
            raise ValueError(f"grads has no key {name!r}: loss must fill grads[{name!r}] "
                             f"with the gradient of the loss with respect to {name}")
        if np.shape(grads[name]) != value.shape:
            raise ValueError(f"grads[{name!r}] has shape {np.shape(grads[name])} but "
                             f"params[{name!r}] has shape {value.shape}; they must match")


def check_predictions(y_pred, N, C):
    """The predict region's output as an int64 array of shape (N,), or a ValueError."""
    if y_pred is None:
        raise ValueError("predict: y_pred is still None; the predict code must set it")
    y_pred = np.asarray(y_pred)
    if y_pred.shape != (N,):
        raise ValueError(f"predict: y_pred must have shape ({N},), one label per row of X, "
                         f"got {y_pred.shape}")
    return y_pred.astype(np.int64, copy=False)


@contextlib.contextmanager
def seeded_global_rng(seed):
    """Seed NumPy's global random state with ``seed`` inside the block, then restore it.

    None leaves the global state alone (the course's behaviour). A Generator gives an int
    seed from its own stream.
    """
    if seed is None:
        yield
        return
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**32))
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


@contextlib.contextmanager
def progress_bar(total, show):
    """A progress bar over ``total`` iterations when ``show``, else one that does nothing."""
    if not show:
        yield _NoBar()
        return
    from cs231n.tools.progress import progress_bar as bar

    with bar(total, desc="training") as b:
        yield b


class _NoBar:
    def update(self, n=1):
        pass
