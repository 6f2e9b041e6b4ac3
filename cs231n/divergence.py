"""The warning every training loop gives when its loss stops being a number.

``TwoLayerNet.train``, the linear classifiers' ``train`` and the ``Solver`` all stop before
recording or applying a step whose loss is NaN or infinite, and say so in the same words
(the rule and the message: ``cs231n/tools/train_loop.py``).
"""


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""
