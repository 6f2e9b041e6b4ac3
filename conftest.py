"""Shared by every test folder and the notebooks (nbval): unwritten parts are skips.

In the student version every part still to write raises NotImplementedError naming the
part. A test or notebook cell that reaches one is reported as skipped with that name,
grouped by part, instead of failing with a traceback: a fresh student's test run lists
what is left to do. Once a part is written, its tests run for real.
"""
import re
from pathlib import Path

import pytest

_NOT_DONE = "not implemented yet"
# The message of every placeholder the release writes: "<file>:<function>: implement ...".
_PLACEHOLDER = re.compile(r"((cs231n/[\w/]+\.py):([\w.]+): implement (?:part (\d+) of \d+|this part)"
                          r"[^\n'\"]*)")


def _where(path, function, part):
    """(file, line) of the placeholder's raise, so the skips group by part."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return path, 0
    hits = [n for n, line in enumerate(lines, 1) if f'"{path}:{function}: ' in line]
    index = int(part or 1) - 1
    return path, (hits[index] - 1 if index < len(hits) else 0)


def _not_done(text):
    """The first placeholder message in ``text`` and its location, or None."""
    found = _PLACEHOLDER.search(text)
    if found is None:
        return None
    message, path, function, part = found.groups()
    return _where(path, function, part), message.strip()


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
