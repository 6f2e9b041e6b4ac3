"""The student release, as a student gets it and as a student completes it.

1. Fresh from the release, its tests list every unimplemented part by name, as skips,
   with no failure and no traceback.
2. With the course's standard solution (``course_solution.py``, written independently of
   the package) typed into every region, its unit tests pass and ``two_layer_net.ipynb``
   runs to the end.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from staff import release
from staff.tests.course_solution import SOLUTIONS
from staff.tests.student_tree import fill, region_keys

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets" / "cifar-10-batches-py"


def _make_release(folder):
    tree = folder / "assignment1"
    release.write_release(release.build_release(ROOT, include_untracked=True), tree)
    return tree


def _env(tree):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONPATH"] = str(tree)  # the student's cs231n, not the solution's
    env["CIFAR10_DIR"] = str(DATA)
    env["MPLBACKEND"] = "Agg"
    return env


# get_datasets.sh's tests check fetch code that no student edits, the same files as in this
# tree (where they run); the browser test needs a server. The release runs leave them out.
PLUMBING_ONLY = ("--ignore=tests/test_get_datasets.py", "-m", "not browser")


def _pytest(tree, *args, timeout=900):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-o", "addopts=", *PLUMBING_ONLY, *args],
        cwd=tree, env=_env(tree), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return _make_release(tmp_path_factory.mktemp("fresh"))


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    tree = _make_release(tmp_path_factory.mktemp("solved"))
    fill(tree, SOLUTIONS)
    return tree


def test_every_region_has_a_course_solution(fresh):
    keys = region_keys(fresh)
    assert keys, "the release has no regions"
    assert sorted(set(keys) - set(SOLUTIONS)) == [], "regions without a course solution"
    assert sorted(set(SOLUTIONS) - set(keys)) == [], "solutions for regions that are gone"


def test_release_ships_no_staff_material(fresh):
    files = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
    assert not [f for f in files if f.startswith(("staff/", ".ci/", "cs231n/tools/fast/"))]
    readme = (fresh / "README.md").read_text()
    assert "For course staff" not in readme and "staff.release" not in readme
    assert "What to implement" in readme
    for path in sorted(fresh.glob("notebooks/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            assert release.ANSWER_START not in text or release.ANSWER_BLANK in text, path
            if cell["cell_type"] == "markdown":  # the answers' own words are gone
                assert "homogeneous" not in text and "larger dataset" not in text, path


def test_fresh_release_lists_what_is_left_without_tracebacks(fresh):
    done = _pytest(fresh, "tests", "-x", timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "failed" not in out.splitlines()[-1], out[-2000:]
    assert "Traceback" not in out, out[-2000:]
    # one skip line per unimplemented part, naming it
    for part in ("TwoLayerNet.loss: implement part 1 of 3", "TwoLayerNet.train",
                 "TwoLayerNet.predict", "svm_loss_naive", "compute_distances_two_loops"):
        assert re.search(rf"SKIPPED \[\d+\] .*not implemented yet: .*{re.escape(part)}", out), part


@pytest.mark.cifar
def test_course_solution_passes_the_students_tests(solved, cifar_dir):
    done = _pytest(solved, "tests")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert "not implemented yet" not in out, out[-3000:]
    assert re.search(r"\d+ passed", out.splitlines()[-1]), out[-2000:]


@pytest.mark.cifar
def test_course_solution_runs_two_layer_net_notebook_to_the_end(solved, cifar_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=1200", "--output-dir", str(tmp_path),
         "notebooks/two_layer_net.ipynb"],
        cwd=solved, env=_env(solved), capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    nb = json.loads((tmp_path / "two_layer_net.ipynb").read_text())
    errors = [o for c in nb["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
