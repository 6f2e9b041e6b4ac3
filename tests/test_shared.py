"""cs231n.tools.shared: training data in shared memory, mapped by the sweep's workers."""
import gc
import os

import numpy as np
import pytest

from cs231n.tools import shared, sweep
from cs231n.tools.shared import shared_empty, shared_location

pytestmark = pytest.mark.skipif(shared.shm_free_bytes() is None, reason="no /dev/shm here")


def test_a_shared_array_and_its_views_are_found_and_the_block_goes_with_them():
    arr = shared_empty((100, 8), np.float32)
    found = shared_location(arr)
    assert found is not None and found[1] == 0
    name = found[0]
    assert os.path.exists(f"/dev/shm/{name}")
    rows = arr[10:20]  # a C-contiguous view: same block, 10 rows of 8 float32 in
    assert shared_location(rows) == (name, 10 * 8 * 4)
    assert shared_location(arr[:, :4]) is None  # not contiguous: the sweep copies it
    assert shared_location(np.empty((100, 8), np.float32)) is None
    del arr, rows
    gc.collect()
    assert not os.path.exists(f"/dev/shm/{name}")  # removed with its last array


def test_no_room_gives_an_ordinary_array(monkeypatch):
    monkeypatch.setattr(shared, "shm_free_bytes", lambda: 1 << 20)  # a 1 MB /dev/shm
    arr = shared_empty((1000, 1000), np.float32)  # 4 MB
    assert shared_location(arr) is None and arr.shape == (1000, 1000)


def test_a_sweep_over_shared_data_maps_it_instead_of_copying(monkeypatch):
    from multiprocessing import shared_memory

    rng = np.random.default_rng(0)
    X = shared_empty((300, 20), np.float64)
    X[...] = rng.standard_normal((300, 20))
    y = rng.integers(3, size=300)
    data = dict(X_train=X[:240], y_train=y[:240], X_val=X[240:], y_val=y[240:])
    created = []
    real = shared_memory.SharedMemory

    def spy(*args, **kwargs):
        block = real(*args, **kwargs)
        if kwargs.get("create"):
            created.append(block.size)
        return block

    monkeypatch.setattr(shared_memory, "SharedMemory", spy)
    grid = {"learning_rate": [1e-2, 1e-3]}
    fixed = dict(hidden_size=10, num_iters=30, batch_size=40, std=1e-1)
    parallel = sweep.run_sweep(data, grid, n_jobs=2, progress=False, **fixed)
    # Only the labels were copied (the images of both splits are views of the shared X).
    assert sorted(created) == sorted([240 * 8, 60 * 8])
    sequential = sweep.run_sweep(data, grid, n_jobs=1, progress=False, **fixed)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]  # noqa: E731
    assert strip(parallel.records) == strip(sequential.records)
