"""Shared by every test folder and the notebooks (nbval).

- ``cifar_dir``: the real CIFAR-10 folder; tests marked ``cifar`` skip with one clear
  reason when it is absent.
- Unwritten parts are skips. In the student version every part still to write raises
  NotImplementedError naming the part. A test or notebook cell that reaches one is
  reported as skipped with that name, grouped by part, instead of failing with a
  traceback: a fresh student's test run lists what is left to do. Once a part is written,
  its tests run for real.
"""
import os
import re
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


#: Measured seconds (./run_tests.sh on 2 cores) of the notebooks and test modules that take
#: longest; a test marked ``slow(seconds=n)`` brings its own figure.
_SECONDS = {"notebooks/two_layer_net.ipynb": 150, "notebooks/FullyConnectedNets.ipynb": 60,
            "tests/test_get_datasets.py": 32, "notebooks/svm.ipynb": 23,
            "notebooks/features.ipynb": 15, "tests/test_data_utils.py": 8,
            "notebooks/softmax.ipynb": 20, "notebooks/knn.ipynb": 19}


def _item_file(item):
    """The item's file as its node id names it: relative to the rootdir (this folder), posix."""
    return item.nodeid.split("::", 1)[0]


def _seconds(item):
    """How long the item's file is expected to take, as far as its item tells."""
    marker = item.get_closest_marker("slow")
    if marker is not None and "seconds" in marker.kwargs:
        return marker.kwargs["seconds"]
    return _SECONDS.get(_item_file(item), 0)


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they deselect
def pytest_collection_modifyitems(config, items):
    # Long work first, longest first (a file's time is its longest item's; a stable sort
    # keeps each file's own order). With --dist loadscope --no-loadscope-reorder
    # (run_tests.sh) xdist hands out files in this order, each to the worker that is free,
    # so the two workers finish at about the same time instead of one starting a long
    # notebook when the other is nearly done.
    longest = {}
    for item in items:
        longest[_item_file(item)] = max(longest.get(_item_file(item), 0), _seconds(item))
    items.sort(key=lambda item: -longest[_item_file(item)])
    # Tests marked 'cifar' need the real data: skip them with one clear reason when absent.
    if _have_cifar():
        return
    skip = pytest.mark.skip(reason=f"CIFAR-10 not found in {CIFAR10_DIR}: run ./get_datasets.sh")
    for item in items:
        if "cifar" in item.keywords:
            item.add_marker(skip)


# ------------------------------------------------------------------------------------
# Unwritten parts
# ------------------------------------------------------------------------------------

_NOT_DONE = "not implemented yet"
# The message of every placeholder the release writes: "<file>:<function>: implement ...".
_PLACEHOLDER = re.compile(r"((cs231n/[\w/]+\.py):([\w.]+): implement (?:part (\d+) of \d+|this part)"
                          r"[^\n'\"]*)")


def _where(path, function, part):
    """(file, line) of the placeholder's raise in this tree, so the skips group by part;
    None if the file holds no such placeholder (then it is not an unwritten part here)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    hits = [n for n, line in enumerate(lines, 1) if f'"{path}:{function}: ' in line]
    index = int(part or 1) - 1
    return (path, hits[index] - 1) if index < len(hits) else None


def _not_done(text):
    """The first placeholder message in ``text`` that stands in this tree's code, and its
    location, or None. (The staff's tests quote placeholders of a built release: those are
    not unwritten parts of this tree, and their failures stay failures.)"""
    for found in _PLACEHOLDER.finditer(text):
        message, path, function, part = found.groups()
        where = _where(path, function, part)
        if where is not None:
            return where, message.strip()
    return None


def _cell_todo(item):
    """'<notebook> cell <i>: <its TODO>' if the cell still holds the release's blank region."""
    source = getattr(getattr(item, "cell", None), "source", "") or ""
    if "# TODO: your code here" not in source:
        return None
    todo = next((line.strip("# ").strip() for line in source.splitlines()
                 if line.strip().startswith("# TODO:") and "your code here" not in line), "")
    return f"{Path(str(item.fspath)).name} {item.name}: {todo}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed or call.excinfo is None:
        return
    notebook = getattr(item, "parent", None)
    is_cell = type(item).__name__ == "IPyNbCell"
    # The placeholder's message, raised here, in a worker or subprocess, or quoted by a
    # failed pytest.raises / pytest.warns around it.
    found = _not_done(str(report.longrepr))
    cell_todo = _cell_todo(item) if is_cell else None
    if found is None and cell_todo is not None:  # the cell's own region is still blank
        found = (str(item.fspath), 0), cell_todo
    if found is not None:
        (path, line), message = found
        report.outcome = "skipped"
        report.longrepr = (path, line, f"{_NOT_DONE}: {message}")
        if is_cell:
            notebook.stash_not_done = message
    elif is_cell and getattr(notebook, "stash_not_done", None):
        report.outcome = "skipped"
        report.longrepr = (str(item.fspath), 0, f"{_NOT_DONE} (an earlier cell needs it): "
                           f"{notebook.stash_not_done}")
