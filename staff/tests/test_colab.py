"""The Colab setup cell (staff/colab_cell.py): first in every notebook, quiet off Colab, and on
a stand-in Colab it sets the runtime up from the assignment folder in "Drive".

The stand-in: a ``google.colab`` package whose ``drive.mount`` links the mount point to a
scratch folder holding the student version, as Drive holds it; ``pip`` and
``get_datasets.sh`` record their calls instead of installing and downloading (a real run,
with PyPI wheels and the CIFAR-10 archive, is in issue #28's note). The cell's mount point,
``/content/drive``, is moved into the scratch folder.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from staff import colab_cell

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STANDIN_DRIVE = '''\
import os


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    os.makedirs(os.path.dirname(mountpoint), exist_ok=True)
    os.symlink(os.environ["STANDIN_DRIVE"], mountpoint)
    print(f"Mounted at {mountpoint}")
'''
RECORD_ARGS = '''\
import json, os, sys
with open(os.path.join(os.environ["STANDIN_RECORD"], "pip.json"), "w") as f:
    json.dump(sys.argv[1:], f)
'''
RECORD_FETCH = '''\
#!/usr/bin/env bash
echo "$(cd "$(dirname "$0")" && pwd)" > "$STANDIN_RECORD/get_datasets"
'''


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_opens_with_the_current_setup_cell(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.get("id") == colab_cell.CELL_ID and first.cell_type == "code", \
        f"{path.name}: run python -m staff.colab_cell notebooks/*.ipynb"
    assert first.source == colab_cell.SOURCE, f"{path.name}: an old setup cell: run " \
        "python -m staff.colab_cell notebooks/*.ipynb"
    assert [o.get("text") for o in first.outputs] == [colab_cell.OFF_COLAB]
    assert first.execution_count == 1  # nbval runs it, and refuses outputs without a count


def test_adding_the_cell_is_idempotent(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title", id="t"),
                                         nbformat.v4.new_code_cell("x = 1", id="c"),
                                         nbformat.v4.new_code_cell("y = 2", id="d")])
    nb.cells[1].execution_count, nb.cells[2].execution_count = 1, 2  # an executed notebook
    old = colab_cell.setup_cell()
    old.source = "# an older version of the cell"
    nb.cells.insert(1, old)  # and not at the top
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    assert colab_cell.main([str(path)]) == 0
    once = path.read_text()
    assert colab_cell.main([str(path)]) == 0
    assert path.read_text() == once and "already up to date" in capsys.readouterr().out
    cells = nbformat.read(path, as_version=4).cells
    assert [c.get("id") for c in cells] == [colab_cell.CELL_ID, "t", "c", "d"]
    assert cells[0].source == colab_cell.SOURCE
    # as if it had run first
    assert [c.get("execution_count") for c in cells] == [1, None, 2, 3]


def test_off_colab_the_cell_only_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-c", colab_cell.SOURCE], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert done.stdout == colab_cell.OFF_COLAB and done.stderr == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow(seconds=6)
def test_on_a_stand_in_colab_the_notebook_runs_from_drive(fresh_release, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    drive = tmp_path / "drive"
    folder = drive / "MyDrive" / "cs231n" / "assignments" / "assignment1"  # FOLDERNAME's default
    shutil.copytree(fresh_release, folder)
    (folder / "get_datasets.sh").write_text(RECORD_FETCH)
    standins, record = tmp_path / "standins", tmp_path / "record"
    for rel, text in {"google/colab/__init__.py": "", "google/colab/drive.py": STANDIN_DRIVE,
                      "pip/__init__.py": "", "pip/__main__.py": RECORD_ARGS}.items():
        (standins / rel).parent.mkdir(parents=True, exist_ok=True)
        (standins / rel).write_text(text)
    record.mkdir()
    for name, value in {"PYTHONPATH": standins, "STANDIN_DRIVE": drive, "STANDIN_RECORD": record,
                        "MPLBACKEND": "Agg"}.items():
        monkeypatch.setenv(name, str(value))

    nb = nbformat.read(folder / "notebooks" / "two_layer_net.ipynb", as_version=4)
    setup = nb.cells[0]
    assert setup.source.count('"/content/drive') == 2  # the mount, and the folder in it
    mountpoint = tmp_path / "content" / "drive"
    setup.source = setup.source.replace('"/content/drive', f'"{mountpoint}')
    # the notebook's first sections: up to the toy net, before any student code runs
    toy = next(i for i, c in enumerate(nb.cells) if "TwoLayerNet(input_size" in c.source)
    nb.cells = nb.cells[:toy + 1] + [nbformat.v4.new_code_cell(
        "import json, os, sys, cs231n\n"
        "print(json.dumps([os.getcwd(), cs231n.__file__, net.params['W1'].shape]))")]
    (tmp_path / "content").mkdir()
    NotebookClient(nb, kernel_name="python3", timeout=120,  # started in /content, as on Colab
                   resources={"metadata": {"path": str(tmp_path / "content")}}).execute()

    said = "".join(o.get("text", "") for o in setup.outputs)
    assert f"Mounted at {mountpoint}" in said and "Ready: working in" in said
    assert json.loads((record / "pip.json").read_text()) == \
        ["install", "-q", "-e", str(mountpoint / folder.relative_to(drive))]
    assert (record / "get_datasets").read_text().strip() == \
        str(mountpoint / folder.relative_to(drive))
    cwd, package, shape = json.loads(nb.cells[-1].outputs[0]["text"])
    assert os.path.realpath(cwd) == str(folder / "notebooks")  # relative paths land in Drive
    assert os.path.realpath(package) == str(folder / "cs231n" / "__init__.py")
    assert shape == [4, 10]
