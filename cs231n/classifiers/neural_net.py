"""The 2017 course's two-layer net (affine - ReLU - affine - softmax): ``loss`` computes
scores, loss and gradients in one method, ``train`` runs SGD, ``predict`` labels data."""
from __future__ import annotations

import numpy as np

from cs231n.tools.validation import (check_batch, check_features, check_float_dtype, check_grads,
                                check_minibatch, check_nonnegative_float, check_positive_int,
                                check_predictions, check_training_inputs, check_two_layer_params)
from cs231n.divergence import DivergenceWarning  # noqa: F401 (TwoLayerNet.train's warning)
from cs231n.tools.train_loop import TrainingLoop


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

    Regularisation: the loss adds ``0.5 * reg * (sum(W1**2) + sum(W2**2))`` (gradient
    ``reg * W``; the 2017 handout wrote ``reg * sum(W**2)``, so the toy model's reference
    loss 1.30378789133 is reached at ``reg=0.1``). Biases are not regularised.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4, seed=None,
                 dtype=np.float64):
        """Initialise the weights with ``std * standard normal`` and the biases with zeros.

        Inputs:
        - input_size: the dimension D of the input data.
        - hidden_size: the number of units H in the hidden layer.
        - output_size: the number of classes C.
        - std: scale of the initial weights.
        - seed: None draws from NumPy's global random state, as the course does, so
          ``np.random.seed(0); TwoLayerNet(4, 10, 3, std=1e-1)`` gives the course's toy
          weights; an int or a Generator draws from ``np.random.default_rng(seed)``.
        - dtype: float dtype of the parameters (training on float32 data converts them).
        """
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("output_size", output_size)):
            check_positive_int(value, name)
        std, dtype = check_nonnegative_float(std, "std"), check_float_dtype(dtype)
        rng = np.random if seed is None else np.random.default_rng(seed)
        self.params = {
            "W1": (std * rng.standard_normal((input_size, hidden_size))).astype(dtype),
            "b1": np.zeros(hidden_size, dtype=dtype),
            "W2": (std * rng.standard_normal((hidden_size, output_size))).astype(dtype),
            "b2": np.zeros(output_size, dtype=dtype),
        }

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
        X, y, reg = check_batch(X, y, reg, self.params)

        # Unpack variables from the params dictionary (in the data's precision: float32 is faster)
        W1, b1 = (self.params[k].astype(X.dtype, copy=False) for k in ("W1", "b1"))
        W2, b2 = (self.params[k].astype(X.dtype, copy=False) for k in ("W2", "b2"))
        N, D = X.shape

        # Compute the forward pass
        scores = None
        # TODO: Perform the forward pass, computing the class scores for the input: affine
        # (X, W1, b1), ReLU, affine (W2, b2). Store the result in the variable scores, an
        # array of shape (N, C). Keep the hidden activations: the backward pass needs them.
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

        An epoch is ``max(num_train // batch_size, 1)`` iterations; after each, accuracy on
        the first 1,000 training images and on the validation set is recorded and the learning
        rate decays. A NaN or infinite loss stops training, with a :class:`DivergenceWarning`.

        Inputs:
        - X: A numpy array of shape (N, D) giving training data.
        - y: A numpy array of shape (N,) giving training labels; y[i] = c means that
          X[i] has label c, where 0 <= c < C.
        - X_val: A numpy array of shape (N_val, D) giving validation data.
        - y_val: A numpy array of shape (N_val,) giving validation labels.
        - learning_rate: Scalar giving learning rate for optimization.
        - learning_rate_decay: Scalar giving factor used to decay the learning rate each epoch.
        - reg: Scalar giving regularization strength.
        - num_iters: Number of steps to take when optimizing.
        - batch_size: Number of training examples to use per step.
        - verbose: boolean; if true print progress during optimization.
        - seed: None, or an int: NumPy's global random state is seeded with it while
          training (and restored after), so np.random draws the same minibatches each run.
        - progress: show a progress bar.

        Returns a dict with loss_history (one float per step), train_acc_history,
        val_acc_history and learning_rates (one float per epoch), iterations_per_epoch,
        and diverged_at and message (None, or the divergence's iteration and message).
        """
        X, y, X_val, y_val, learning_rate, learning_rate_decay, reg, num_iters, batch_size = \
            check_training_inputs(self, X, y, X_val, y_val, learning_rate,
                                  learning_rate_decay, reg, num_iters, batch_size)
        # The parameters take the data's precision (float32 data: float32 training)
        self.params = {k: v.astype(X.dtype, copy=False) for k, v in self.params.items()}
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)

        # Use SGD to optimize the parameters in self.params
        loss_history, train_acc_history, val_acc_history, learning_rates = [], [], [], []
        # (The loop seeds np.random, stops on divergence, shows progress: tools/train_loop.py)
        with TrainingLoop(num_iters, learning_rate, reg, seed, progress, verbose) as loop:
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
                loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
                if loop.diverged(it, loss, learning_rate):
                    break  # before recording or applying the step: the weights stay finite
                check_grads(grads, self.params)
                loss_history.append(float(loss))

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

                loop.step_done()
                if verbose and it % 100 == 0:
                    print("iteration %d / %d: loss %f" % (it, num_iters, loss))

                # Every epoch, check train and val accuracy and decay learning rate.
                if (it + 1) % iterations_per_epoch == 0:
                    # Check accuracy
                    train_acc = (self.predict(X[:1000]) == y[:1000]).mean()
                    val_acc = (self.predict(X_val) == y_val).mean()
                    train_acc_history.append(float(train_acc))
                    val_acc_history.append(float(val_acc))
                    learning_rates.append(learning_rate)
                    if verbose:
                        print("epoch %d: train acc %.3f, val acc %.3f, lr %.2e"
                              % (len(val_acc_history), train_acc, val_acc, learning_rate))

                    # Decay learning rate
                    learning_rate *= learning_rate_decay

        return {"loss_history": loss_history, "train_acc_history": train_acc_history,
                "val_acc_history": val_acc_history, "learning_rates": learning_rates,
                "iterations_per_epoch": iterations_per_epoch,
                "diverged_at": loop.diverged_at, "message": loop.message}

    def predict(self, X):
        """Use the trained weights of this two-layer network to predict labels for data
        points. For each data point we predict scores for each of the C classes, and
        assign each data point to the class with the highest score.

        Inputs:
        - X: A numpy array of shape (N, D) giving N D-dimensional data points to classify.

        Returns:
        - y_pred: A numpy array of shape (N,) giving predicted labels for each of the
          elements of X. For all i, y_pred[i] = c means that X[i] is predicted to have
          class c, where 0 <= c < C.
        """
        X = check_features(X, n_features=self.params["W1"].shape[0])
        y_pred = None
        # TODO: Implement this function; it should be VERY simple! The predicted class
        # of X[i] is the one with the highest score (self.loss(X) gives the scores).
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        y_pred = np.argmax(self.loss(X), axis=1)
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return check_predictions(y_pred, X.shape[0])

    @property
    def hidden_size(self):
        return self.params["W1"].shape[1]

    def save(self, path):
        """Save the parameters to ``path`` (.npz, no pickle)."""
        np.savez(path, **self.params)

    @classmethod
    def from_params(cls, params, name="params"):
        """A net whose parameters are copies of ``params`` (W1, b1, W2, b2 as in
        ``self.params``); ``name`` says where they come from in error messages."""
        net = cls(1, 1, 1)
        net.params = check_two_layer_params(params, name)
        return net

    @classmethod
    def load(cls, path):
        """Load a net written by :meth:`save` (refuses pickled content)."""
        with np.load(path, allow_pickle=False) as f:
            return cls.from_params({k: f[k] for k in f.files}, name=str(path))
