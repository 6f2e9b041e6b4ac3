"""The student release with the course's standard solution typed into every region runs
``two_layer_net.ipynb`` to the end, on the student's own code (no staff fast path)."""
import json
import subprocess
import sys

import pytest

from staff.tests.student_tree import student_env


@pytest.mark.slow
@pytest.mark.cifar
def test_course_solution_runs_two_layer_net_notebook_to_the_end(solved_release, cifar_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=1200", "--output-dir", str(tmp_path),
         "notebooks/two_layer_net.ipynb"],
        cwd=solved_release, env=student_env(solved_release), capture_output=True, text=True,
        timeout=1800)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    nb = json.loads((tmp_path / "two_layer_net.ipynb").read_text())
    errors = [o for c in nb["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
