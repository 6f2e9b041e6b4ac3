"""The student release with the course's standard solution (``course_solution.py``, written
independently of the package) typed into every region passes the student's unit tests."""
import re

import pytest

from staff.tests.student_tree import run_student_pytest


@pytest.mark.slow(seconds=30)
@pytest.mark.cifar
def test_course_solution_passes_the_students_tests(solved_release, cifar_dir):
    done = run_student_pytest(solved_release, "tests")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert "not implemented yet" not in out, out[-3000:]
    assert re.search(r"\d+ passed", out.splitlines()[-1]), out[-2000:]
