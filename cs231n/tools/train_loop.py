"""What every training loop of the package does besides the maths, in one place.

``TwoLayerNet.train``, ``LinearClassifier.train``, the ``Solver`` and the staff's fast paths
all run their loop inside a :class:`TrainingLoop`, which gives them:

- one way to seed: NumPy's global random state (what the course's ``np.random.choice`` and
  ``np.random.randn`` draw from), seeded for the run and handed back to the caller after it
  (:class:`GlobalRandomState`);
- one divergence rule: a step whose loss is NaN or infinite is neither recorded nor applied;
  training stops with a :class:`~cs231n.divergence.DivergenceWarning` naming the iteration
  and the learning rate (``loop.diverged(...)``, called right after the loss);
- NumPy's overflow warnings silenced (a diverging net overflows on its way to the non-finite
  loss, which the divergence message reports clearly);
- an optional progress bar (:func:`cs231n.tools.progress.progress_bar`).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from cs231n.divergence import DivergenceWarning


def has_diverged(loss):
    """True if ``loss`` (a number) is NaN or infinite."""
    return not math.isfinite(float(loss))


def divergence_message(iteration, loss, learning_rate, initial_learning_rate=None, reg=None):
    """The message of a divergence at ``iteration`` (0-based) with ``loss``.

    Example: "Training diverged at iteration 12: the loss became inf with learning rate
    0.1 (initial 0.1) and reg 0.25. Try a smaller learning rate."
    """
    lr = f"learning rate {learning_rate:.3g}"
    if initial_learning_rate is not None:
        lr += f" (initial {initial_learning_rate:.3g})"
    if reg is not None:
        lr += f" and reg {reg:.3g}"
    return (f"Training diverged at iteration {iteration}: the loss became {loss} with {lr}. "
            "Try a smaller learning rate.")


class GlobalRandomState:
    """A run's own stream of NumPy's global random state, kept apart from the caller's.

    Inside ``with state:`` the functions of ``np.random`` draw from the run's stream; on the
    way out the run's stream is kept (for the next ``with``, or a checkpoint) and the caller's
    own global state is put back.

    Inputs:
    - seed: None (no stream of its own: ``np.random`` is used as it is, as in the course),
      an int (``np.random.seed(seed)``), a ``np.random.Generator`` (gives an int seed from
      its stream) or a state returned by ``np.random.get_state()`` (a resumed run).
    """

    def __init__(self, seed=None):
        if isinstance(seed, np.random.Generator):
            seed = int(seed.integers(2**32))
        if seed is None or isinstance(seed, tuple):
            self.state = seed
        else:
            self.state = np.random.RandomState(seed).get_state()
        self._saved = None

    def get_state(self):
        """The run's stream as ``np.random.get_state()`` gives it (the global state itself
        while the stream is in use or when the run has none)."""
        if self.state is None or self._saved is not None:
            return np.random.get_state()
        return self.state

    def __enter__(self):
        if self.state is not None:
            self._saved = np.random.get_state()
            np.random.set_state(self.state)
        return self

    def __exit__(self, *exc):
        if self.state is not None:
            self.state = np.random.get_state()
            np.random.set_state(self._saved)
            self._saved = None
        return False


class TrainingLoop:
    """The plumbing around one training run (see the module's docstring).

    Inputs:
    - num_iters: the number of steps (for the progress bar).
    - learning_rate: the initial learning rate (for the divergence message).
    - reg: the regularisation strength, or None (for the divergence message).
    - seed: see :class:`GlobalRandomState` (or a GlobalRandomState, kept across runs).
    - progress: show a progress bar; initial: steps already done (a resumed run).
    - verbose: print the divergence message too.
    - stacklevel: how far up the DivergenceWarning points (3: the caller of the method that
      calls ``diverged``).

    After a divergence, ``loop.diverged_at`` is the iteration and ``loop.message`` the
    message; both are None otherwise.
    """

    def __init__(self, num_iters, learning_rate, reg=None, seed=None, progress=False,
                 verbose=False, initial=0, stacklevel=3):
        self.random = seed if isinstance(seed, GlobalRandomState) else GlobalRandomState(seed)
        self.num_iters, self.initial = num_iters, initial
        self.learning_rate, self.reg = learning_rate, reg
        self.progress, self.verbose, self.stacklevel = progress, verbose, stacklevel
        self.diverged_at = self.message = None
        self._bar = self._errstate = None

    def __enter__(self):
        self.random.__enter__()
        self._errstate = np.errstate(over="ignore", invalid="ignore", divide="ignore")
        self._errstate.__enter__()
        if self.progress:
            from cs231n.tools.progress import progress_bar

            self._bar = progress_bar(self.num_iters, "training", initial=self.initial)
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._errstate.__exit__(*exc)
        self.random.__exit__(*exc)
        return False

    def diverged(self, iteration, loss, learning_rate):
        """True (after recording it and warning) if ``loss`` is NaN or infinite: the caller
        then stops before recording the loss or applying the step."""
        if not has_diverged(loss):
            return False
        self.diverged_at = iteration
        self.message = divergence_message(iteration, float(loss), learning_rate,
                                          self.learning_rate, self.reg)
        warnings.warn(self.message, DivergenceWarning, stacklevel=self.stacklevel)
        if self.verbose:
            print(self.message)
        return True

    def step_done(self):
        """Advance the progress bar by one step."""
        if self._bar is not None:
            self._bar.update(1)
