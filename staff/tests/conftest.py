"""Fixtures of the staff tests: the fast path's two GEMM routes, the student releases; and
the one run of two_layer_net.ipynb (see the end)."""
import numpy as np
import pytest

from cs231n.tools.fast import gemm as gemm_module


@pytest.fixture(params=["blas", "numpy"])
def gemm_path(request, monkeypatch):
    """Run a test through cs231n.tools.fast.gemm's direct BLAS call and through its NumPy fallback."""
    if request.param == "blas":
        if not gemm_module.uses_blas_gemm(np.float32):
            pytest.skip("this NumPy's BLAS is not callable directly; the fallback is tested")
    else:
        monkeypatch.setattr(gemm_module, "_gemm", {})  # as if no BLAS had been found
    return request.param


# ------------------------------------------------------------------------------------
# Student releases, built once per test session (per xdist worker) and shared by the
# test_student_release*.py modules, which are separate modules so that two workers can
# run their long tests side by side.
# ------------------------------------------------------------------------------------

from staff.tests.student_tree import fill, make_release, own_solutions  # noqa: E402
from staff.tests.course_solution import SOLUTIONS  # noqa: E402


@pytest.fixture(scope="session")
def fresh_release(tmp_path_factory):
    """A student release as a student receives it."""
    return make_release(tmp_path_factory.mktemp("fresh"))


@pytest.fixture(scope="session")
def solved_release(tmp_path_factory):
    """A student release with the course's standard solution typed into every region (the
    regions of student_tree.OWN_SOLUTION_NOTEBOOKS get this tree's own code)."""
    tree = make_release(tmp_path_factory.mktemp("solved"))
    fill(tree, {**SOLUTIONS, **own_solutions()})
    return tree


# ------------------------------------------------------------------------------------
# two_layer_net.ipynb, executed once
# ------------------------------------------------------------------------------------

#: Notebook -> the test here that runs it under nbval in the solved student release, where
#: its code cells are this tree's and its outputs are compared with this tree's (see that
#: test).
NBVAL_IN_RELEASE = {
    "notebooks/two_layer_net.ipynb": "staff/tests/test_student_release_notebook.py"}


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they deselect
def pytest_collection_modifyitems(config, items):
    """When such a notebook and its test are both selected, deselect this tree's copy of the
    notebook: the longest notebook is then executed once, not twice."""
    def item_file(item):  # relative to the rootdir, as the node id names it
        return item.nodeid.split("::", 1)[0]

    selected = {item_file(item) for item in items}
    twice = [item for item in items if NBVAL_IN_RELEASE.get(item_file(item)) in selected]
    if twice:
        config.hook.pytest_deselected(items=twice)
        items[:] = [item for item in items if item not in twice]
