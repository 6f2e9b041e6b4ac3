"""Shared fixtures: the real CIFAR-10 folder (skips cleanly when it is not there)."""
import os
from pathlib import Path

import pytest

from cs231n.data_utils import DEFAULT_CIFAR10_DIR, MEMBERS

#: Where the data is: CIFAR10_DIR if set (as cs231n.data_utils reads it), else datasets/.
CIFAR10_DIR = Path(os.environ.get("CIFAR10_DIR") or DEFAULT_CIFAR10_DIR)


def _have_cifar():
    return all((CIFAR10_DIR / m).is_file() for m in MEMBERS)


@pytest.fixture(scope="session")
def cifar_dir():
    """The real CIFAR-10 ``cifar-10-batches-py`` folder; skips the test when it is missing."""
    if not _have_cifar():
        pytest.skip(f"CIFAR-10 not found in {CIFAR10_DIR}: run ./get_datasets.sh")
    return CIFAR10_DIR


def pytest_collection_modifyitems(config, items):
    # Tests marked 'cifar' need the real data: skip them with one clear reason when absent.
    if _have_cifar():
        return
    skip = pytest.mark.skip(reason=f"CIFAR-10 not found in {CIFAR10_DIR}: run ./get_datasets.sh")
    for item in items:
        if "cifar" in item.keywords:
            item.add_marker(skip)
