"""The progress bar of the package: tqdm, a widget in Jupyter and text elsewhere (``tqdm.auto``).

``CS231N_TEXT_PROGRESS=1`` forces the text bar, for front ends where widgets do not render
(nbconvert, nbval, CI logs). Use ``from cs231n.tools.progress import tqdm``.
"""
from __future__ import annotations

import os

if os.environ.get("CS231N_TEXT_PROGRESS"):
    from tqdm import tqdm
else:
    from tqdm.auto import tqdm

__all__ = ["tqdm", "progress_bar"]


def progress_bar(total, desc, unit="it", initial=0, leave=False, **kwargs):
    """``tqdm(total=total, desc=desc, unit=unit, initial=initial, leave=leave, **kwargs)``."""
    return tqdm(total=total, desc=desc, unit=unit, initial=initial, leave=leave, **kwargs)
