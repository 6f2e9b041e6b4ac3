"""What every training loop does when its loss stops being a number.

``TwoLayerNet.train``, the linear classifiers' ``train`` and the ``Solver`` all stop
before applying a step whose loss is NaN or infinite, and say so in the same words.
"""
from __future__ import annotations

import math


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""


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
