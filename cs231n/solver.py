"""The Solver: trains a classification model with minibatch stochastic gradient descent.

Nothing to implement in this file: read it to see how a model is trained.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from cs231n import optim
from cs231n.tools.validation import check_positive_float, check_positive_int, check_solver_data
from cs231n.tools.checkpoint import load_checkpoint, save_checkpoint
from cs231n.tools.train_loop import GlobalRandomState, TrainingLoop

# The default learning rate of each update rule in cs231n.optim (for messages).
_DEFAULT_LEARNING_RATES = {"sgd": 1e-2, "sgd_momentum": 1e-2, "rmsprop": 1e-2, "adam": 1e-3}


class Solver:
    """A Solver encapsulates all the logic necessary for training classification models.

    The Solver performs stochastic gradient descent using different update rules defined
    in optim.py. It accepts both training and validation data and labels so it can
    periodically check classification accuracy on both, to watch out for overfitting.

    To train a model, construct a Solver instance, passing the model, dataset, and
    various options (learning rate, batch size, etc.) to the constructor, then call
    ``train()``. After ``train()`` returns, ``model.params`` contains the parameters that
    performed best on the validation set over the course of training (as the course does).
    ``solver.loss_history`` holds the loss of every iteration, and
    ``solver.train_acc_history`` and ``solver.val_acc_history`` the accuracies measured
    after the first iteration, at the end of every epoch and after the last iteration.

    Example usage might look something like this::

        data = {
          'X_train': # training data
          'y_train': # training labels
          'X_val': # validation data
          'y_val': # validation labels
        }
        model = MyAwesomeModel(hidden_size=100, reg=10)
        solver = Solver(model, data,
                        update_rule='sgd',
                        optim_config={
                          'learning_rate': 1e-4,
                        },
                        lr_decay=0.95,
                        num_epochs=5, batch_size=200,
                        print_every=100, seed=0)
        solver.train()

    A Solver works on a model object that must conform to the following API:

    - model.params must be a dictionary mapping string parameter names to numpy arrays
      containing parameter values.
    - model.loss(X, y) must be a function that computes training-time loss and gradients,
      and test-time classification scores, with the following inputs and outputs:

      Inputs:
      - X: Array giving a minibatch of input data of shape (N, d_1, ..., d_k)
      - y: Array of labels, of shape (N,) giving labels for X where y[i] is the label
        for X[i].

      Returns:
      If y is None, run a test-time forward pass and return:
      - scores: Array of shape (N, C) giving classification scores for X where
        scores[i, c] gives the score of class c for X[i].

      If y is not None, run a training time forward and backward pass and return a tuple:
      - loss: Scalar giving the loss
      - grads: Dictionary with the same keys as self.params mapping parameter names to
        gradients of the loss with respect to those parameters.

    Divergence: if the loss of a minibatch is NaN or infinite, that step is neither recorded
    nor applied, training stops with a :class:`cs231n.divergence.DivergenceWarning`, and
    ``solver.diverged_at`` (the iteration) and ``solver.message`` say what happened.

    Checkpoints: with ``checkpoint_name``, the whole training state is written after every
    accuracy check (npz, no pickle); ``solver.resume(path)`` and ``solver.train()`` continue
    from it, with the same result as an uninterrupted run (up to floating-point rounding).
    """

    def __init__(self, model, data, **kwargs):
        """Construct a new Solver instance.

        Required arguments:
        - model: A model object conforming to the API described above
        - data: A dictionary of training and validation data containing:
          'X_train': Array, shape (N_train, d_1, ..., d_k) of training images
          'X_val': Array, shape (N_val, d_1, ..., d_k) of validation images
          'y_train': Array, shape (N_train,) of labels for training images
          'y_val': Array, shape (N_val,) of labels for validation images

        Optional arguments:
        - update_rule: A string giving the name of an update rule in optim.py
          ('sgd', 'sgd_momentum', 'rmsprop' or 'adam'). Default is 'sgd'.
        - optim_config: A dictionary containing hyperparameters that will be passed to the
          chosen update rule. Each update rule requires different hyperparameters (see
          optim.py) but all update rules require a 'learning_rate' parameter so that
          should always be present.
        - lr_decay: A scalar for learning rate decay; after each epoch the learning rate
          is multiplied by this value.
        - batch_size: Size of minibatches used to compute loss and gradient during
          training (drawn with replacement, as in the course).
        - num_epochs: The number of epochs to run for during training.
        - num_train_samples: Number of training samples used to check training accuracy
          (the same subset at every check; see check_accuracy). Default is 1000; None uses
          the entire training set.
        - num_val_samples: Number of validation samples to use to check val accuracy;
          default is None, which uses the entire validation set.
        - checkpoint_name: If not None, then save model checkpoints here every epoch
          (``{checkpoint_name}_epoch_{epoch}.npz``).
        - print_every: Integer; training losses will be printed every print_every
          iterations.
        - verbose: Boolean; if set to false then no output will be printed during training.
        - progress: Boolean; show a progress bar (cs231n.tools.progress) during training.
        - seed: None, or an int that makes the run repeatable: NumPy's global random state
          (np.random, which draws the minibatches) is seeded with
          it while the Solver works, and handed back to the caller in between.
        """
        self.model = model
        self.X_train, self.y_train, self.X_val, self.y_val = check_solver_data(data)

        # Unpack keyword arguments
        self.update_rule_name = kwargs.pop("update_rule", "sgd")
        self.optim_config = dict(kwargs.pop("optim_config", {}))
        self.lr_decay = check_positive_float(kwargs.pop("lr_decay", 1.0), "lr_decay")
        self.batch_size = check_positive_int(kwargs.pop("batch_size", 100), "batch_size")
        self.num_epochs = check_positive_int(kwargs.pop("num_epochs", 10), "num_epochs")
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        for name in ("num_train_samples", "num_val_samples"):  # None: all samples
            if getattr(self, name) is not None:
                check_positive_int(getattr(self, name), name)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = check_positive_int(kwargs.pop("print_every", 10), "print_every")
        self.verbose = bool(kwargs.pop("verbose", True))
        self.progress = bool(kwargs.pop("progress", False))
        seed = kwargs.pop("seed", None)

        # Throw an error if there are extra keyword arguments
        if len(kwargs) > 0:
            extra = ", ".join('"%s"' % k for k in list(kwargs.keys()))
            raise ValueError("Unrecognized arguments %s" % extra)

        # Make sure the update rule exists, then replace the string name with the actual
        # function
        if self.update_rule_name not in optim.UPDATE_RULES:
            raise ValueError(f'Invalid update_rule "{self.update_rule_name}": the known update '
                             f"rules are {', '.join(sorted(optim.UPDATE_RULES))}")
        self.update_rule = optim.UPDATE_RULES[self.update_rule_name]
        if "learning_rate" in self.optim_config:
            check_positive_float(self.optim_config["learning_rate"], "optim_config['learning_rate']")

        self.random_state = GlobalRandomState(seed)  # np.random's stream while training
        self._reset()

    def _reset(self):
        """Set up some book-keeping variables for optimization. Don't call this manually."""
        self.epoch = 0
        self.iteration = 0  # iterations completed
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.diverged_at = None
        self.message = None
        self.last_checkpoint = None
        self._loop = None

        # Make a deep copy of the optim_config for each parameter
        self.optim_configs = {}
        for p in self.model.params:
            d = {k: v for k, v in self.optim_config.items()}
            d.setdefault("learning_rate", _DEFAULT_LEARNING_RATES[self.update_rule_name])
            self.optim_configs[p] = d

    @property
    def initial_learning_rate(self):
        return self.optim_config.get("learning_rate",
                                     _DEFAULT_LEARNING_RATES[self.update_rule_name])

    @property
    def learning_rate(self):
        """The learning rate of the current epoch."""
        configs = iter(self.optim_configs.values())
        return next(configs, {}).get("learning_rate", self.initial_learning_rate)

    def _step(self):
        """Make a single gradient update. This is called by train() and should not be
        called manually. Returns False (recording and applying nothing) if the loss is NaN
        or infinite."""
        # Make a minibatch of training data
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        # Compute loss and gradient
        loss, grads = self.model.loss(X_batch, y_batch)
        if self._loop.diverged(self.iteration, loss, self.learning_rate):
            return False  # stop before the step: the parameters stay finite
        self.loss_history.append(float(loss))

        # Perform a parameter update
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config
        self.iteration += 1
        return True

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Check accuracy of the model on the provided data.

        Inputs:
        - X: Array of data, of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,)
        - num_samples: If not None, subsample the data and only test the model
          on num_samples datapoints (a random subset, the same at every call: drawn from
          a generator seeded 0, it leaves np.random alone).
        - batch_size: Split X and y into batches of this size to avoid using
          too much memory.

        Returns:
        - acc: Scalar giving the fraction of instances that were correctly
          classified by the model.
        """
        # Maybe subsample the data (the same subset of X at every check)
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.sort(np.random.default_rng(0).choice(N, num_samples, replace=False))
            N = num_samples
            X = X[mask]
            y = y[mask]

        # Compute predictions in batches
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        acc = np.mean(y_pred == y)

        return float(acc)

    def train(self):
        """Run optimization to train the model (or continue a resumed run)."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        # (The loop seeds np.random, stops on divergence, shows progress: tools/train_loop.py)
        self._loop = TrainingLoop(num_iterations, self.initial_learning_rate,
                                  getattr(self.model, "reg", None), self.random_state,
                                  self.progress, self.verbose, self.iteration, stacklevel=4)
        with self._loop:
            for t in range(self.iteration, num_iterations):
                if not self._step():
                    break
                self._loop.step_done()

                # Maybe print training loss
                if self.verbose and t % self.print_every == 0:
                    print("(Iteration %d / %d) loss: %f"
                          % (t + 1, num_iterations, self.loss_history[-1]))

                # At the end of every epoch, increment the epoch counter and decay
                # the learning rate.
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    for k in self.optim_configs:
                        self.optim_configs[k]["learning_rate"] *= self.lr_decay

                # Check train and val accuracy on the first iteration, the last
                # iteration, and at the end of each epoch.
                first_it = t == 0
                last_it = t == num_iterations - 1
                if first_it or last_it or epoch_end:
                    train_acc = self.check_accuracy(self.X_train, self.y_train,
                                                    num_samples=self.num_train_samples)
                    val_acc = self.check_accuracy(self.X_val, self.y_val,
                                                  num_samples=self.num_val_samples)
                    self.train_acc_history.append(train_acc)
                    self.val_acc_history.append(val_acc)

                    if self.verbose:
                        print("(Epoch %d / %d) train acc: %f; val_acc: %f"
                              % (self.epoch, self.num_epochs, train_acc, val_acc))

                    # Keep track of the best model
                    if val_acc > self.best_val_acc:
                        self.best_val_acc = val_acc
                        self.best_params = {}
                        for k, v in self.model.params.items():
                            self.best_params[k] = v.copy()
                    self._save_checkpoint()
        self.diverged_at, self.message = self._loop.diverged_at, self._loop.message

        # At the end of training swap the best params into the model
        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        filename = Path(f"{self.checkpoint_name}_epoch_{self.epoch}.npz")
        if self.verbose:
            print('Saving checkpoint to "%s"' % filename)
        save_checkpoint(self, filename)  # the whole training state, npz (no pickle)
        self.last_checkpoint = filename

    def resume(self, checkpoint_path):
        """Load a checkpoint written by a Solver, to continue its training with train().

        This Solver must have been built with the same kind of model (same parameter
        names and shapes) and the same data. The update rule, its configuration and state,
        lr_decay, batch_size, num_epochs, the accuracy sample sizes, the histories, the best
        parameters, the epoch and iteration and the random state all come from the
        checkpoint.

        Returns self.
        """
        load_checkpoint(self, checkpoint_path)
        self.last_checkpoint = Path(checkpoint_path)
        return self
