"""How the tools train a TwoLayerNet: the staff's fast path where it exists, else the net's
own ``train``.

The fast path (``cs231n.tools.fast``) is left out of the student release, so there the
sweep and the slider explorer train the student's own ``TwoLayerNet.train``: a student's
sliders run the student's net.
"""
from __future__ import annotations

import contextlib
import warnings

try:
    from cs231n.tools.fast import train as _fast_train
except ImportError:  # the student version
    _fast_train = None

from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.divergence import DivergenceWarning


def has_fast_path():
    """True where the staff's fast training path is installed."""
    return _fast_train is not None


def train_net(net, X, y, X_val, y_val, quiet=False, **kwargs):
    """``net.train(X, y, X_val, y_val, **kwargs)``, through the fast path when there is one
    and ``net`` is a plain :class:`TwoLayerNet` (a subclass keeps its own ``train``).
    ``quiet``: divergence is an expected outcome (a sweep, the sliders), shown by the caller
    from the history's ``diverged_at`` and ``message``, not warned about."""
    with warnings.catch_warnings() if quiet else contextlib.nullcontext():
        if quiet:
            warnings.simplefilter("ignore", DivergenceWarning)
        if _fast_train is not None and type(net) is TwoLayerNet:
            return _fast_train(net, X, y, X_val, y_val, **kwargs)
        return net.train(X, y, X_val, y_val, **kwargs)
