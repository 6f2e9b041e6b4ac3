"""Arrays in shared memory, which the sweep's worker processes map instead of copying.

``get_CIFAR10_data`` allocates its training images with :func:`shared_empty`, so a sweep
over them hands each worker the block's name: one copy of CIFAR-10 in memory for the
notebook's kernel and all its workers, not one more per sweep. Where /dev/shm is missing
or too small (a container's can be 64 MB), or ``CS231N_SHARED_MEMORY=0``, it is an ordinary
array and the sweep copies as before.

A block lives in RAM until its name is removed, whatever happened to the process that made
it, so every block is removed on each way out: when its last array is garbage-collected,
when the process exits, and when the process is killed, by the block's janitor (see
:func:`new_block`).
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import weakref

import numpy as np

#: Room left free in /dev/shm: writing past its end would crash with SIGBUS.
SHM_MARGIN = 64 << 20

#: A block's name: this prefix, the PID of the process that made it, a random part.
BLOCK_PREFIX = "cs231n_"

# id(array owning a block) -> (weak reference to it, block name)
_OWNERS = {}

# What a janitor runs: wait until the pipe from the block's maker closes, then remove the
# block unless the maker said it already did.
_JANITOR = """\
import sys
from _posixshmem import shm_unlink
if sys.stdin.buffer.read() != b"freed":
    try:
        shm_unlink(sys.argv[1])
    except OSError:
        pass
"""

# block name -> (the janitor's process, this process's end of its pipe)
_JANITORS = {}


def shm_free_bytes():
    """Free bytes in /dev/shm, or None where there is no /dev/shm to ask (not Linux)."""
    try:
        st = os.statvfs("/dev/shm")
    except (OSError, AttributeError):
        return None
    return st.f_bavail * st.f_frsize


def new_block(nbytes):
    """A new shared-memory block of ``nbytes``, or None where it does not fit in /dev/shm
    (with SHM_MARGIN to spare), where ``CS231N_SHARED_MEMORY=0``, or where it cannot be made
    safely. Give it back with :func:`free_block`.

    Each block has a janitor: a small process in its own session that removes the block
    when this process ends without freeing it. A killed process runs no finalizer, and
    multiprocessing's resource tracker, in the same process group, dies with it when the
    whole group is killed, which is how Jupyter and nbval stop a kernel. Without the
    janitor each such stop left the 0.6 GB of CIFAR-10's training images in /dev/shm, that
    is in RAM, until the machine restarted.
    """
    if os.environ.get("CS231N_SHARED_MEMORY") == "0":
        return None
    free = shm_free_bytes()
    if free is not None and nbytes + SHM_MARGIN >= free:
        return None
    from multiprocessing import shared_memory

    try:
        block = shared_memory.SharedMemory(
            name=f"{BLOCK_PREFIX}{os.getpid()}_{secrets.token_hex(6)}", create=True,
            size=max(nbytes, 1))
    except OSError:
        return None
    if os.name != "posix":  # Windows removes a block with the last process that maps it
        return block
    try:
        read_end, write_end = os.pipe()
        try:
            janitor = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _JANITOR, "/" + block.name],
                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)  # outside the group that a kill of this one reaches
        finally:
            os.close(read_end)
    except OSError:  # no process to spare (a sandbox's limit): no block without a janitor
        os.close(write_end)
        block.close()
        block.unlink()
        return None
    _JANITORS[block.name] = (janitor, write_end)
    return block


def free_block(block):
    """Unmap and remove a block from :func:`new_block`, and let its janitor go."""
    try:
        block.close()
    except BufferError:  # a memoryview still exported: leave the mapping, free the name
        pass
    try:
        block.unlink()
    except FileNotFoundError:
        pass
    janitor, write_end = _JANITORS.pop(block.name, (None, None))
    if janitor is not None:
        try:
            os.write(write_end, b"freed")
        finally:
            os.close(write_end)
        janitor.wait()


def orphaned_blocks():
    """Names of the blocks in /dev/shm made by processes of this package that have ended
    (PIDs as this PID namespace sees them): what a kill left behind."""
    try:
        names = os.listdir("/dev/shm")
    except OSError:
        return []
    orphans = []
    for name in names:
        pid = name[len(BLOCK_PREFIX):].split("_")[0]
        if name.startswith(BLOCK_PREFIX) and pid.isdigit() and not _alive(int(pid)):
            orphans.append(name)
    return sorted(orphans)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def shared_empty(shape, dtype):
    """``np.empty(shape, dtype)``, in a shared-memory block when /dev/shm has room."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    # Where no /dev/shm can say how much room is left (not Linux), an ordinary array.
    block = new_block(nbytes) if nbytes and shm_free_bytes() is not None else None
    if block is None:
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
    free_block(block)
