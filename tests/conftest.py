"""Shared fixtures: the real CIFAR-10 folder (skips cleanly when it is not there)."""
import numpy as np
import pytest

from cs231n import _blas
from cs231n.data_utils import DEFAULT_CIFAR10_DIR, MEMBERS


def _have_cifar():
    return all((DEFAULT_CIFAR10_DIR / m).is_file() for m in MEMBERS)


@pytest.fixture(scope="session")
def cifar_dir():
    """The real CIFAR-10 ``cifar-10-batches-py`` folder; skips the test when it is missing."""
    if not _have_cifar():
        pytest.skip(f"CIFAR-10 not found in {DEFAULT_CIFAR10_DIR}: run ./get_datasets.sh")
    return DEFAULT_CIFAR10_DIR


def pytest_collection_modifyitems(config, items):
    # Tests marked 'cifar' need the real data: skip them with one clear reason when absent.
    if _have_cifar():
        return
    skip = pytest.mark.skip(reason=f"CIFAR-10 not found in {DEFAULT_CIFAR10_DIR}: run ./get_datasets.sh")
    for item in items:
        if "cifar" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["blas", "numpy"])
def gemm_path(request, monkeypatch):
    """Run a test through cs231n._blas's direct BLAS call and through its NumPy fallback."""
    if request.param == "blas":
        if not _blas.uses_blas_gemm(np.float32):
            pytest.skip("this NumPy's BLAS is not callable directly; the fallback is tested")
    else:
        monkeypatch.setattr(_blas, "_gemm", {})  # as if no BLAS had been found
    return request.param
