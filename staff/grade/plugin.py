"""pytest plugin loaded inside the grading sandbox (copied there as ``grading_plugin.py``;
it imports nothing from ``staff``).

- Adds each test's ``part``, ``points`` and ``visibility`` markers to its entry in
  pytest-json-report's report (``metadata``).
- ``--grade-inventory FILE``: writes the collected tests and their markers, as JSON.
- ``--grade-progress FILE``: appends ``start``/``end`` lines per test as they run, so the
  grader can tell which test was running when a run was killed.
- Refuses network connections (beside the network namespace, where the OS has one) and
  checks that ``cs231n`` is the grading tree's.
"""
import json
import os
import socket
from pathlib import Path

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("grading")
    group.addoption("--grade-inventory", default=None)
    group.addoption("--grade-progress", default=None)


def _markers(item):
    part = item.get_closest_marker("part")
    points = item.get_closest_marker("points")
    visibility = item.get_closest_marker("visibility")
    return {
        "part": part.args[0] if part else None,
        "points": float(points.args[0]) if points else 0.0,
        "visibility": visibility.args[0] if visibility else None,
        # what a test chose to tell the student (request.node.user_properties, "feedback")
        "feedback": " ".join(str(v) for k, v in getattr(item, "user_properties", ())
                             if k == "feedback"),
    }


def _no_network(*args, **kwargs):
    raise OSError("network access is disabled while grading")


def pytest_configure(config):
    original = socket.socket.connect

    def connect(self, address, *args):
        if self.family == getattr(socket, "AF_UNIX", None):
            return original(self, address, *args)
        return _no_network()

    socket.socket.connect = connect
    socket.create_connection = _no_network
    global _progress_file
    _progress_file = config.getoption("--grade-progress")


def pytest_collection_finish(session):
    import cs231n

    tree = Path.cwd().resolve()
    where = Path(cs231n.__file__).resolve()
    if tree not in where.parents:
        raise RuntimeError(f"grading would import cs231n from {where}, outside {tree}")
    path = session.config.getoption("--grade-inventory")
    if path:
        items = [dict(nodeid=item.nodeid, **_markers(item)) for item in session.items]
        Path(path).write_text(json.dumps(items, indent=1))


#: --grade-progress's file (set in pytest_configure), or None
_progress_file = None


def _progress(kind, nodeid):
    """Append ["start"|"end", nodeid] to the progress file, on disk at once (the run may be
    killed the next moment)."""
    if _progress_file:
        with open(_progress_file, "a") as f:
            f.write(json.dumps([kind, nodeid]) + "\n")
            f.flush()
            os.fsync(f.fileno())


def pytest_runtest_logstart(nodeid, location):
    _progress("start", nodeid)


def pytest_runtest_logfinish(nodeid, location):
    _progress("end", nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_json_runtest_metadata(item, call):
    return _markers(item)
