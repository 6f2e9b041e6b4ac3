"""Numbers one notebook quotes from another match what that notebook printed.

features.ipynb compares its classifiers with the same ones on raw pixels, quoting their test
accuracies from the notebooks that trained them instead of training them again. When one
of those notebooks is re-executed with other results, the quote must follow: this test reads
the quote (the source of features.ipynb) and the printed result (the committed output of the
other notebook) and fails when they disagree.
"""
import ast
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

#: Quoted name -> (notebook, pattern of the line in its output that printed the number).
SOURCES = {
    "Linear SVM": ("svm.ipynb", r"linear SVM on raw pixels final test set accuracy: ([\d.]+)"),
    "Softmax": ("softmax.ipynb", r"softmax on raw pixels final test set accuracy: ([\d.]+)"),
    "Two-layer net": ("two_layer_net.ipynb",
                      r"Test accuracy on the first 1,000 test images: ([\d.]+)"),
}


def _code_cells(name):
    return [c for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells if c.cell_type == "code"]


def _quotes():
    """The dict literal assigned to RAW_PIXEL_TEST_ACC in features.ipynb."""
    for cell in _code_cells("features.ipynb"):
        if "RAW_PIXEL_TEST_ACC" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "RAW_PIXEL_TEST_ACC" for t in node.targets):
                return ast.literal_eval(node.value)
    raise AssertionError("features.ipynb assigns no RAW_PIXEL_TEST_ACC")


def _printed(name, pattern):
    found = []
    for cell in _code_cells(name):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                found += re.findall(pattern, output["text"])
    assert len(found) == 1, f"{name}: expected one output line matching {pattern!r}, got {found}"
    return float(found[0])


def test_features_notebook_quotes_every_raw_pixel_accuracy_from_its_source():
    assert set(_quotes()) == set(SOURCES)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_quoted_raw_pixel_accuracy_is_the_one_printed(name):
    notebook, pattern = SOURCES[name]
    # the quote keeps three decimals; the other notebook may print more
    assert _quotes()[name] == round(_printed(notebook, pattern), 3), notebook
