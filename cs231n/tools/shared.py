"""Arrays in shared memory, which the sweep's worker processes map instead of copying.

``get_CIFAR10_data`` allocates its training images with :func:`shared_empty`, so a sweep
over them hands each worker the block's name: one copy of CIFAR-10 in memory for the
notebook's kernel and all its workers, not one more per sweep. Where /dev/shm is missing
or too small (a container's can be 64 MB) it is an ordinary array and the sweep copies as
before. The block is removed when the array is garbage-collected or the process exits.
"""
from __future__ import annotations

import os
import weakref

import numpy as np

#: Room left free in /dev/shm: writing past its end would crash with SIGBUS.
SHM_MARGIN = 64 << 20

# id(array owning a block) -> (weak reference to it, block name)
_OWNERS = {}


def shm_free_bytes():
    """Free bytes in /dev/shm, or None where there is no /dev/shm to ask (not Linux)."""
    try:
        st = os.statvfs("/dev/shm")
    except (OSError, AttributeError):
        return None
    return st.f_bavail * st.f_frsize


def shared_empty(shape, dtype):
    """``np.empty(shape, dtype)``, in a shared-memory block when /dev/shm has room."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    free = shm_free_bytes()
    if nbytes == 0 or free is None or nbytes + SHM_MARGIN >= free:
        return np.empty(shape, dtype=dtype)
    from multiprocessing import shared_memory

    try:
        block = shared_memory.SharedMemory(create=True, size=nbytes)
    except OSError:
        return np.empty(shape, dtype=dtype)
    arr = np.ndarray(shape, dtype=dtype, buffer=block.buf)
    key = id(arr)
    _OWNERS[key] = (weakref.ref(arr), block.name)
    weakref.finalize(arr, _release, block, key)
    return arr


def shared_location(arr):
    """(block name, byte offset) of a C-contiguous array that lies in a block made by
    :func:`shared_empty` (itself or a view of it), else None."""
    if not isinstance(arr, np.ndarray) or not arr.flags.c_contiguous:
        return None
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    owner = _OWNERS.get(id(root))
    if owner is None or owner[0]() is not root:
        return None
    return owner[1], arr.ctypes.data - root.ctypes.data


def _release(block, key):
    _OWNERS.pop(key, None)
    try:
        block.close()
    except BufferError:  # a memoryview still exported: leave the mapping, free the name
        pass
    try:
        block.unlink()
    except FileNotFoundError:
        pass
