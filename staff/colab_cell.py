"""Put the Colab setup cell at the top of notebooks (again, after an edit: it is idempotent).

    python -m staff.colab_cell notebooks/*.ipynb

Every notebook opens with the cell ``SOURCE``, the course's way onto Colab: on Google Colab it
mounts Google Drive, installs the assignment folder named by ``FOLDERNAME`` into the runtime
(``pip install --editable``: the package and whatever of its requirements the runtime lacks),
fetches CIFAR-10 into it with ``get_datasets.sh`` and makes its ``notebooks/`` folder the
working folder, so that the notebook's relative paths (``best_net.npz``, ``../cs231n/saved/``)
land in Drive, where the submission is collected. Anywhere else it only says so: its
committed output is that line. The cell is found by its id, ``CELL_ID``, replaced where it is
found and moved to the top; the rest of the notebook is left as it was.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

CELL_ID = "colab-setup"
#: what the cell prints where there is no Colab (its committed output)
OFF_COLAB = "Not on Colab: nothing to set up (see README.md to work locally).\n"
SOURCE = '''\
# On Google Colab: mounts your Google Drive, installs the assignment folder FOLDERNAME there
# into the runtime, fetches CIFAR-10 into it (once) and works in its notebooks/ folder.
# Anywhere else this cell does nothing.
FOLDERNAME = "cs231n/assignments/assignment1"  # the unzipped assignment, in your Drive
try:
    from google.colab import drive
except ImportError:
    print("Not on Colab: nothing to set up (see README.md to work locally).")
else:
    import os, subprocess, sys
    drive.mount("/content/drive")
    folder = os.path.join("/content/drive/MyDrive", FOLDERNAME)
    assert os.path.isfile(os.path.join(folder, "get_datasets.sh")), \\
        f"no assignment in {folder}: upload the unzipped folder there, or fix FOLDERNAME"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", folder], check=True)
    subprocess.run(["bash", os.path.join(folder, "get_datasets.sh")], check=True)
    sys.path.insert(0, folder)  # this kernel sees the install only after a restart
    os.chdir(os.path.join(folder, "notebooks"))
    print(f"Ready: working in {os.getcwd()}")'''


def setup_cell(execution_count=None):
    """The setup cell as committed: its off-Colab output."""
    cell = nbformat.v4.new_code_cell(SOURCE, id=CELL_ID, execution_count=execution_count)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=OFF_COLAB)]
    return cell


def add_setup_cell(nb):
    """Put the setup cell first in ``nb`` (a NotebookNode), replacing an earlier copy.

    In an executed notebook the cell gets execution count 1 and the other cells' counts
    move up by one, as if it had run first (nbval refuses a cell with outputs and no count);
    an earlier copy that has its count keeps it."""
    old = next((c for c in nb.cells if c.get("id") == CELL_ID), None)
    rest = [c for c in nb.cells if c.get("id") != CELL_ID]
    count = old.get("execution_count") if old is not None else None
    ran = [c for c in rest if c.cell_type == "code" and c.get("execution_count")]
    if count is None and ran:
        for cell in ran:
            cell.execution_count += 1
        count = 1
    nb.cells = [setup_cell(count)] + rest
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m staff.colab_cell",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        after = nbformat.writes(add_setup_cell(nb))
        if after != before:
            path.write_text(after + "\n", encoding="utf-8")  # as nbformat.write does
        print(f"{path}: {'setup cell written' if after != before else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
