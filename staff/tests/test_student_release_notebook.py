"""``two_layer_net.ipynb`` in the student release, with the course's standard solution typed
into every region of the package and this tree's own code into the notebook's regions, runs
to the end on the student's own code (no staff fast path) and reproduces this tree's
committed outputs under nbval.

This is also the suite's nbval run of ``notebooks/two_layer_net.ipynb``: its code cells are
this tree's, cell for cell (checked first), so ``staff/tests/conftest.py`` leaves out the run
of this tree's copy when this test runs, instead of executing the longest notebook twice.
"""
import json
import subprocess
import sys

import pytest

from staff.tests.student_tree import OWN_SOLUTION_NOTEBOOKS, ROOT, code_sources, student_env

NOTEBOOK = "notebooks/two_layer_net.ipynb"
assert NOTEBOOK in OWN_SOLUTION_NOTEBOOKS


@pytest.mark.slow(seconds=185)
@pytest.mark.cifar
def test_course_solution_runs_two_layer_net_notebook_to_the_end(solved_release, cifar_dir):
    ours = json.loads((ROOT / NOTEBOOK).read_text())
    path = solved_release / NOTEBOOK
    assert code_sources(path) == code_sources(ROOT / NOTEBOOK), \
        "the solved release's code cells differ from this tree's"
    # This tree's outputs and cell metadata (nbval's tags) into the student's copy, whose
    # outputs the release cleared; nbval compares the new run with them.
    solved = json.loads(path.read_text())
    theirs = [c for c in solved["cells"] if c["cell_type"] == "code"]
    for cell, committed in zip(theirs, (c for c in ours["cells"] if c["cell_type"] == "code")):
        cell["outputs"] = committed["outputs"]
        cell["execution_count"] = committed.get("execution_count")
        cell["metadata"] = committed["metadata"]
    path.write_text(json.dumps(solved, indent=1, ensure_ascii=False) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-o", "addopts=", "--nbval", "--nbval-sanitize-with", "notebooks/sanitize.cfg",
         "--nbval-cell-timeout=900", NOTEBOOK],
        cwd=solved_release, env=student_env(solved_release), capture_output=True, text=True,
        timeout=1800)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert f"{len(theirs)} passed" in out.splitlines()[-1], out[-3000:]  # every code cell
