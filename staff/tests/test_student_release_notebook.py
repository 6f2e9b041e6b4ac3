"""``two_layer_net.ipynb`` in the student release, with the course's standard solution typed
into every region of the package and this tree's own code into the notebook's regions, runs
to the end on the student's own code (no staff fast path) and reproduces this tree's
committed outputs under nbval.

This is also the suite's nbval run of ``notebooks/two_layer_net.ipynb``: its code cells are
this tree's, cell for cell (checked first), so ``staff/tests/conftest.py`` leaves out the run
of this tree's copy when this test runs, instead of executing the longest notebook twice.
"""
import json

import pytest

from staff.tests.student_tree import OWN_SOLUTION_NOTEBOOKS, ROOT, run_student_pytest

NOTEBOOK = "notebooks/two_layer_net.ipynb"
assert NOTEBOOK in OWN_SOLUTION_NOTEBOOKS


@pytest.mark.slow(seconds=185)
@pytest.mark.timeout(2400)  # run_tests.sh's 600 s would stop a slow machine's nbval run
@pytest.mark.cifar
def test_course_solution_runs_two_layer_net_notebook_to_the_end(solved_release, cifar_dir):
    path = solved_release / NOTEBOOK
    solved = json.loads(path.read_text())
    theirs = [c for c in solved["cells"] if c["cell_type"] == "code"]
    ours = [c for c in json.loads((ROOT / NOTEBOOK).read_text())["cells"]
            if c["cell_type"] == "code"]
    assert ["".join(c["source"]) for c in theirs] == ["".join(c["source"]) for c in ours], \
        "the solved release's code cells differ from this tree's"
    # This tree's outputs and cell metadata (nbval's tags) into the student's copy, whose
    # outputs the release cleared; nbval compares the new run with them.
    for cell, committed in zip(theirs, ours):
        cell["outputs"] = committed["outputs"]
        cell["execution_count"] = committed.get("execution_count")
        cell["metadata"] = committed["metadata"]
    path.write_text(json.dumps(solved, indent=1, ensure_ascii=False) + "\n")
    done = run_student_pytest(solved_release, "--color=no", "--nbval",
                              "--nbval-sanitize-with", "notebooks/sanitize.cfg",
                              "--nbval-cell-timeout=900", NOTEBOOK, timeout=1800)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert f"{len(theirs)} passed" in out.splitlines()[-1], out[-3000:]  # every code cell
