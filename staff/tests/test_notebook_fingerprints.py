"""Committed notebook outputs come from today's code.

staff.execute_notebooks records in each notebook's metadata a fingerprint of every cs231n
module the kernel had imported (and of the notebook's code cells). When one of those modules
changes, the committed outputs may no longer be what the code produces: this test fails,
naming the notebook and the module, until the notebook is executed again with
``python -m staff.execute_notebooks notebooks/NAME.ipynb``.
"""
import shutil
from pathlib import Path

import nbformat
import pytest

from staff.execute_notebooks import CELLS, ROOT, collapse_progress, fingerprint, stale_modules

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_come_from_todays_code(path):
    nb = nbformat.read(path, as_version=4)
    try:
        stale = stale_modules(nb)
    except LookupError as e:
        pytest.fail(f"{path.name}: {e}")
    changed = ["its code cells" if name == CELLS else name for name in stale]
    assert not stale, (f"{path.name} was executed with older versions of {', '.join(changed)}: "
                       f"refresh it with python -m staff.execute_notebooks notebooks/{path.name}")


def test_a_changed_module_or_cell_is_named(tmp_path):
    # A copy of the package in a temporary tree: edit one module, one cell, and see them named.
    shutil.copytree(ROOT / "cs231n", tmp_path / "cs231n",
                    ignore=shutil.ignore_patterns("__pycache__", "saved"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import cs231n.vis_utils")])
    modules = ["cs231n", "cs231n.vis_utils", "cs231n.tools.baselines"]
    nb.metadata["cs231n"] = {"executed_with": fingerprint(nb, modules, root=tmp_path)}
    assert sorted(nb.metadata["cs231n"]["executed_with"]) == sorted(modules + [CELLS])
    assert stale_modules(nb, root=tmp_path) == []
    with open(tmp_path / "cs231n" / "vis_utils.py", "a") as f:
        f.write("\n# an edit\n")
    assert stale_modules(nb, root=tmp_path) == ["cs231n.vis_utils"]
    nb.cells[0].source += "\nprint(1)"
    assert stale_modules(nb, root=tmp_path) == ["cs231n.vis_utils", CELLS]
    (tmp_path / "cs231n" / "tools" / "baselines.py").unlink()
    assert "cs231n.tools.baselines" in stale_modules(nb, root=tmp_path)
    with pytest.raises(LookupError, match="execute_notebooks"):
        stale_modules(nbformat.v4.new_notebook())


def test_a_progress_bar_collapses_to_its_final_state():
    text = "sweep:   0%|  | 0/9\rsweep:  11%|# | 1/9\rsweep: 100%|##| 9/9\nbest: 0.5\n"
    assert collapse_progress(text) == "sweep: 100%|##| 9/9\nbest: 0.5\n"
    assert collapse_progress("a\r\nb\rc\r") == "a\nc"
    # a bar that clears itself, then a print on the same line; other lines keep their spaces
    assert collapse_progress("10%|#|\r100%|##|\r        \rdone \nTesting ... \n") == \
        "done \nTesting ... \n"
