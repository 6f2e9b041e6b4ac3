"""The Solver: trains a classification model with minibatch stochastic gradient descent.

Nothing to implement in this file: read it to see how a model is trained.
"""
from __future__ import annotations

import json
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from cs231n import optim
from cs231n._validation import check_positive_float, check_positive_int, check_y
from cs231n.divergence import DivergenceWarning, divergence_message, has_diverged
from cs231n.tools.progress import progress_bar

# The default learning rate of each update rule in cs231n.optim (for messages).
_DEFAULT_LEARNING_RATES = {"sgd": 1e-2, "sgd_momentum": 1e-2, "rmsprop": 1e-2, "adam": 1e-3}

#: Version of the checkpoint layout written by Solver (stored in every checkpoint).
CHECKPOINT_FORMAT = 1

#: Parameters with at least this many entries are updated slice by slice, UPDATE_SLICE
#: entries at a time (see Solver._update). 0 turns that off.
SLICED_UPDATE_MIN_SIZE = 1 << 16
UPDATE_SLICE = 1 << 15
#: Threads for the sliced update (1: one after the other).
UPDATE_THREADS = int(os.environ.get("CS231N_UPDATE_THREADS", "1"))


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

    Divergence: if the loss of a minibatch is NaN or infinite, that step is not applied,
    training stops with a :class:`cs231n.divergence.DivergenceWarning`, and
    ``solver.diverged_at`` (the iteration) and ``solver.message`` say what happened.

    Checkpoints: with ``checkpoint_name``, the whole training state is written to
    ``{checkpoint_name}_epoch_{epoch}.npz`` after every accuracy check (NumPy's npz format,
    no pickle). ``solver.resume(path)`` loads one into a Solver built with the same model
    class and data, and ``solver.train()`` then continues where the checkpoint was taken,
    reaching the same result as an uninterrupted run (up to floating-point rounding).
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
        - num_train_samples: Number of training samples used to check training accuracy;
          a fixed subset (drawn once, without replacement) is used for every check.
          Default is 1000; None uses the entire training set.
        - num_val_samples: Number of validation samples to use to check val accuracy;
          default is None, which uses the entire validation set (otherwise a fixed subset).
        - checkpoint_name: If not None, then save model checkpoints here every epoch
          (``{checkpoint_name}_epoch_{epoch}.npz``).
        - print_every: Integer; training losses will be printed every print_every
          iterations.
        - verbose: Boolean; if set to false then no output will be printed during training.
        - progress: Boolean; show a progress bar (cs231n.tools.progress) during training.
        - seed: None, an int, or a np.random.Generator: the random source of the
          minibatches and of the accuracy subsets. None is unpredictable; an int makes the
          run repeatable.
        """
        self.model = model
        for key in ("X_train", "y_train", "X_val", "y_val"):
            if key not in data:
                raise ValueError(f"Solver: data is missing '{key}' (it needs X_train, y_train, "
                                 "X_val and y_val)")
        self.X_train, self.y_train = self._check_split(data, "train")
        self.X_val, self.y_val = self._check_split(data, "val")

        # Unpack keyword arguments
        self.update_rule_name = kwargs.pop("update_rule", "sgd")
        self.optim_config = dict(kwargs.pop("optim_config", {}))
        self.lr_decay = check_positive_float(kwargs.pop("lr_decay", 1.0), "lr_decay")
        self.batch_size = check_positive_int(kwargs.pop("batch_size", 100), "batch_size")
        self.num_epochs = check_positive_int(kwargs.pop("num_epochs", 10), "num_epochs")
        self.num_train_samples = self._check_samples(kwargs.pop("num_train_samples", 1000),
                                                     "num_train_samples")
        self.num_val_samples = self._check_samples(kwargs.pop("num_val_samples", None),
                                                   "num_val_samples")
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

        self.rng = np.random.default_rng(seed)
        # The fixed subsets on which accuracies are measured (drawn once).
        self._train_subset = self._subset(self.X_train.shape[0], self.num_train_samples)
        self._val_subset = self._subset(self.X_val.shape[0], self.num_val_samples)
        self._reset()

    @staticmethod
    def _check_split(data, split):
        X, y = np.asarray(data[f"X_{split}"]), data[f"y_{split}"]
        if X.ndim < 2 or X.shape[0] == 0:
            raise ValueError(f"Solver: X_{split} must have shape (N, d_1, ..., d_k) with N >= 1, "
                             f"got shape {X.shape}")
        y = check_y(y, X.shape[0], name=f"y_{split}")
        return X, y

    @staticmethod
    def _check_samples(value, name):
        return None if value is None else check_positive_int(value, name)

    def _subset(self, n, num_samples):
        """Sorted indices of a fixed random subset of num_samples of n items (None: all)."""
        if num_samples is None or num_samples >= n:
            return None
        return np.sort(self.rng.choice(n, num_samples, replace=False))

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

        # Make a deep copy of the optim_config for each parameter
        self.optim_configs = {}
        for p in self.model.params:
            d = {k: v for k, v in self.optim_config.items()}
            d.setdefault("learning_rate", _DEFAULT_LEARNING_RATES[self.update_rule_name])
            self.optim_configs[p] = d
        self._X_batch = None

    @property
    def initial_learning_rate(self):
        return self.optim_config.get("learning_rate",
                                     _DEFAULT_LEARNING_RATES[self.update_rule_name])

    @property
    def learning_rate(self):
        """The learning rate of the current epoch."""
        configs = iter(self.optim_configs.values())
        return next(configs, {}).get("learning_rate", self.initial_learning_rate)

    def _minibatch(self):
        """A minibatch drawn with replacement; X goes into a buffer reused every step."""
        num_train = self.X_train.shape[0]
        batch_mask = self.rng.integers(num_train, size=self.batch_size)
        shape = (self.batch_size,) + self.X_train.shape[1:]
        if self._X_batch is None or self._X_batch.shape != shape:
            self._X_batch = np.empty(shape, dtype=self.X_train.dtype)
        # mode="clip": the indices are in range, and the default mode="raise" makes take()
        # buffer its output (about 3x slower).
        np.take(self.X_train, batch_mask, axis=0, out=self._X_batch, mode="clip")
        return self._X_batch, self.y_train[batch_mask]

    def _step(self):
        """Make a single gradient update. This is called by train() and should not be
        called manually. Returns False (and applies nothing) if the loss diverged."""
        X_batch, y_batch = self._minibatch()

        # Compute loss and gradient (overflows just before a divergence are reported by
        # the divergence check below, not as NumPy warnings).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grads = self.model.loss(X_batch, y_batch)
        loss = float(loss)
        if has_diverged(loss):
            self._stop_diverged(loss)
            return False
        self.loss_history.append(loss)

        # Perform a parameter update
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self._update(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config
        self.iteration += 1
        return True

    def _stop_diverged(self, loss):
        """Record that the loss became NaN or infinite at this iteration, and say so (a
        DivergenceWarning pointing at the caller of train(), printed too when verbose)."""
        self.diverged_at = self.iteration
        self.message = divergence_message(self.iteration, loss, self.learning_rate,
                                          self.initial_learning_rate,
                                          getattr(self.model, "reg", None))
        # stacklevel: this method, _step, train, then the caller of train().
        warnings.warn(self.message, DivergenceWarning, stacklevel=4)
        if self.verbose:
            print(self.message)

    def _update(self, w, dw, config):
        """``self.update_rule(w, dw, config)``, faster for large parameters.

        The update rules work entry by entry (every entry of next_w depends only on the
        same entry of w, dw and the config's arrays), so a large parameter can be updated
        slice by slice: each slice's arrays then stay in the CPU cache across the dozen
        NumPy operations of a rule like Adam, instead of a dozen passes through memory
        over the whole array (and, with ``UPDATE_THREADS`` > 1, the slices run in parallel
        threads; NumPy releases the GIL inside its loops). The result is the same, entry
        for entry, as one call on the whole array; the new values are written into w and
        into the config's arrays in place.
        """
        n = w.size
        if (SLICED_UPDATE_MIN_SIZE == 0 or n < SLICED_UPDATE_MIN_SIZE
                or not (w.flags.c_contiguous and w.flags.writeable)):
            return self.update_rule(w, dw, config)
        w_flat = w.reshape(-1)
        dw_flat = np.ascontiguousarray(dw).reshape(-1)
        # Arrays of the config shaped like w (velocity, cache, m, v) are sliced with w.
        full = {k: v.reshape(-1) for k, v in config.items()
                if isinstance(v, np.ndarray) and v.shape == w.shape and v.flags.c_contiguous}
        bounds = list(range(0, n, UPDATE_SLICE)) + [n]
        slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

        def update_slice(sl):
            sub = {k: (full[k][sl] if k in full else v) for k, v in config.items()}
            next_w, sub = self.update_rule(w_flat[sl], dw_flat[sl], sub)
            w_flat[sl] = next_w
            for k in full:
                if sub.get(k) is not None:
                    full[k][sl] = sub[k]
            return sub

        pool = self._pool_for_updates()
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

    def _pool_for_updates(self):
        """None (slices one after the other), or a pool of UPDATE_THREADS threads."""
        if UPDATE_THREADS < 2:
            return None
        if getattr(self, "_pool", None) is None:
            self._pool = ThreadPoolExecutor(UPDATE_THREADS)
        return self._pool

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Check accuracy of the model on the provided data.

        Inputs:
        - X: Array of data, of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,)
        - num_samples: If not None, subsample the data and only test the model
          on num_samples datapoints (a random subset, drawn from a generator seeded 0).
        - batch_size: Split X and y into batches of this size to avoid using
          too much memory.

        Returns:
        - acc: Scalar giving the fraction of instances that were correctly
          classified by the model.
        """
        # Maybe subsample the data
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.default_rng(0).choice(N, num_samples, replace=False)
            N = num_samples
            X = X[mask]
            y = y[mask]
        return self._accuracy(X, y, batch_size)

    def _accuracy(self, X, y, batch_size):
        N = X.shape[0]
        # Compute predictions in batches
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(num_batches):
                start = i * batch_size
                end = (i + 1) * batch_size
                scores = self.model.loss(X[start:end])
                y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        acc = np.mean(y_pred == y)

        return float(acc)

    def _check_accuracies(self):
        """Accuracies on the fixed training and validation subsets."""
        def take(X, y, subset):
            return (X, y) if subset is None else (X[subset], y[subset])

        train_acc = self._accuracy(*take(self.X_train, self.y_train, self._train_subset), 1000)
        val_acc = self._accuracy(*take(self.X_val, self.y_val, self._val_subset), 1000)
        return train_acc, val_acc

    def train(self):
        """Run optimization to train the model (or continue a resumed run)."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        self.diverged_at = self.message = None

        bar = None
        if self.progress:
            bar = progress_bar(num_iterations, "training", unit="it", initial=self.iteration)
        try:
            for t in range(self.iteration, num_iterations):
                if not self._step():
                    break
                if bar is not None:
                    bar.update(1)

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
                    train_acc, val_acc = self._check_accuracies()
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
        finally:
            if bar is not None:
                bar.close()

        # At the end of training swap the best params into the model
        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}

    # ----------------------------------------------------------------- checkpoints

    def state_dict(self):
        """The whole training state as a dict of NumPy arrays (what a checkpoint holds)."""
        meta = {
            "format": CHECKPOINT_FORMAT,
            "update_rule": self.update_rule_name,
            "optim_config": {k: float(v) for k, v in self.optim_config.items()},
            "lr_decay": self.lr_decay,
            "batch_size": self.batch_size,
            "num_epochs": self.num_epochs,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "iteration": self.iteration,
            "best_val_acc": float(self.best_val_acc),
            "rng_state": self.rng.bit_generator.state,
            "param_names": list(self.model.params),
            "best_param_names": list(self.best_params),
            "optim_keys": {p: sorted(c) for p, c in self.optim_configs.items()},
        }
        state = {"meta": np.array(json.dumps(meta, default=int))}
        for k, v in self.model.params.items():
            state[f"param/{k}"] = v
        for k, v in self.best_params.items():
            state[f"best/{k}"] = v
        for p, config in self.optim_configs.items():
            for k, v in config.items():
                state[f"optim/{p}/{k}"] = np.asarray(v)
        state["loss_history"] = np.asarray(self.loss_history, dtype=np.float64)
        state["train_acc_history"] = np.asarray(self.train_acc_history, dtype=np.float64)
        state["val_acc_history"] = np.asarray(self.val_acc_history, dtype=np.float64)
        for name, subset in (("train_subset", self._train_subset), ("val_subset", self._val_subset)):
            if subset is not None:
                state[name] = subset
        return state

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        filename = Path(f"{self.checkpoint_name}_epoch_{self.epoch}.npz")
        if self.verbose:
            print('Saving checkpoint to "%s"' % filename)
        filename.parent.mkdir(parents=True, exist_ok=True)
        tmp = filename.with_name(filename.name + ".tmp")
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(f, **self.state_dict())
        os.replace(tmp, filename)  # never a half-written checkpoint
        self.last_checkpoint = filename

    def resume(self, checkpoint_path):
        """Load a checkpoint written by a Solver, to continue its training with train().

        This Solver must have been built with the same kind of model (same parameter
        names and shapes) and the same data. The update rule, its configuration and state,
        lr_decay, batch_size, num_epochs, the accuracy subsets, the histories, the best
        parameters, the epoch and iteration and the random generator's state all come from
        the checkpoint.

        Returns self.
        """
        with np.load(checkpoint_path, allow_pickle=False) as f:
            state = {k: f[k] for k in f.files}
        try:
            meta = json.loads(str(state["meta"]))
        except KeyError as e:
            raise ValueError(f"{checkpoint_path}: not a Solver checkpoint (no 'meta')") from e
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{checkpoint_path}: unknown checkpoint format {meta.get('format')!r}")
        params = {k: state[f"param/{k}"] for k in meta["param_names"]}
        mine = {k: v.shape for k, v in self.model.params.items()}
        theirs = {k: v.shape for k, v in params.items()}
        if mine != theirs:
            raise ValueError(f"{checkpoint_path}: the checkpoint's parameters {theirs} do not "
                             f"match the model's {mine}")

        if meta["update_rule"] not in optim.UPDATE_RULES:
            raise ValueError(f"{checkpoint_path}: unknown update rule {meta['update_rule']!r}")
        self.update_rule_name = meta["update_rule"]
        self.update_rule = optim.UPDATE_RULES[self.update_rule_name]
        self.optim_config = meta["optim_config"]
        self.lr_decay = meta["lr_decay"]
        self.batch_size = meta["batch_size"]
        self.num_epochs = meta["num_epochs"]
        self.num_train_samples = meta["num_train_samples"]
        self.num_val_samples = meta["num_val_samples"]
        self._reset()
        self.epoch = meta["epoch"]
        self.iteration = meta["iteration"]
        self.best_val_acc = meta["best_val_acc"]
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = meta["rng_state"]

        def restore(a):
            return a.item() if a.ndim == 0 else a.copy()

        self.model.params = {k: v.copy() for k, v in params.items()}
        self.best_params = {k: state[f"best/{k}"].copy() for k in meta["best_param_names"]}
        self.optim_configs = {p: {k: restore(state[f"optim/{p}/{k}"]) for k in keys}
                              for p, keys in meta["optim_keys"].items()}
        self.loss_history = state["loss_history"].tolist()
        self.train_acc_history = state["train_acc_history"].tolist()
        self.val_acc_history = state["val_acc_history"].tolist()
        self._train_subset = state.get("train_subset")
        self._val_subset = state.get("val_subset")
        self.last_checkpoint = Path(checkpoint_path)
        return self
