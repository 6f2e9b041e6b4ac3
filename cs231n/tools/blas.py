"""Limiting the BLAS threads of this process (threadpoolctl).

``with blas_threads(1): ...`` runs the block with one BLAS thread; ``None`` leaves the
threads alone. The sweep's workers, the slider explorer and the baselines all use it.
"""
from __future__ import annotations

import contextlib


def blas_threads(n):
    """A context manager limiting BLAS to ``n`` threads (``None``: no limit, no change)."""
    if n is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")
