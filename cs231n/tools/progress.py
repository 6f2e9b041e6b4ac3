"""The one progress bar of the package: training loops, sweeps, feature extraction.

A widget bar in Jupyter, a text bar elsewhere (terminals, nbconvert, CI logs): tqdm's
``auto`` front end picks. ``CS231N_TEXT_PROGRESS=1`` forces the text bar.
"""
from __future__ import annotations

import os


def progress_bar(total, desc, unit="it", initial=0, leave=False, **kwargs):
    """A tqdm progress bar over ``total`` steps, named ``desc``.

    Inputs:
    - total: number of steps (int).
    - desc: short label shown before the bar, e.g. "training".
    - unit: what one step is, e.g. "it", "config", "image".
    - initial: steps already done (a resumed sweep).
    - leave: keep the finished bar on screen.

    Returns a tqdm object: call ``update(n)`` and ``close()`` (or use it in ``with``).
    """
    if os.environ.get("CS231N_TEXT_PROGRESS"):
        from tqdm import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit=unit, initial=initial, leave=leave, **kwargs)
