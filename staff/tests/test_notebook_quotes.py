"""Numbers one notebook shows from another are the student's own, never quoted or hard-coded.

knn.ipynb, svm.ipynb, softmax.ipynb and two_layer_net.ipynb save what their tuning chose and
its test accuracy to cs231n/saved/ (cs231n.tools.baselines.save_choice); the comparisons at the
end of two_layer_net.ipynb and features.ipynb read them back (saved_test_accuracies). Nothing
quotes another notebook's committed output or the staff's settings, which a student's version
would not have (and which would give answers away). The comparison cells' outputs are tagged
nbval-ignore-output: nbval runs the notebooks in parallel, in any order, so what they show
depends on which of the others have run (the reading logic is unit-tested in
tests/test_baselines.py).
"""
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SAVERS = {"knn.ipynb": "knn", "svm.ipynb": "svm", "softmax.ipynb": "softmax",
          "two_layer_net.ipynb": "two_layer_net"}
READERS = ("two_layer_net.ipynb", "features.ipynb")
#: What once gave the staff's choices away, or quoted numbers from elsewhere.
GIVEAWAYS = ("KNN_K", "SVM_HYPERPARAMS", "SOFTMAX_HYPERPARAMS", "RAW_PIXEL_TEST_ACC",
             "baseline_accuracies", "tomaxent", "blog")


def _cells(name):
    return nbformat.read(NOTEBOOKS / name, as_version=4).cells


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_no_notebook_shows_staff_settings_or_quotes(name):
    for i, cell in enumerate(_cells(name)):
        for word in GIVEAWAYS:
            assert word.lower() not in cell.source.lower(), f"{name} cell {i} mentions {word!r}"


@pytest.mark.parametrize("name", sorted(SAVERS))
def test_each_classifier_notebook_saves_its_choice(name):
    calls = [c for c in _cells(name) if c.cell_type == "code"
             and re.search(rf"save_choice\(\s*\"{SAVERS[name]}\"", c.source)]
    assert len(calls) == 1, f"{name} must call save_choice({SAVERS[name]!r}, ...) once"


@pytest.mark.parametrize("name", READERS)
def test_comparisons_read_saved_results_and_ignore_their_output_under_nbval(name):
    readers = [c for c in _cells(name) if c.cell_type == "code"
               and "saved_test_accuracies(" in c.source]
    assert readers, f"{name} does not read the saved results"
    for cell in readers:
        assert "nbval-ignore-output" in cell.metadata.get("tags", []), (
            f"{name}: the cell reading cs231n/saved/ must be tagged nbval-ignore-output")
