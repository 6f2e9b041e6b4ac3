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


def setup_cell():
    """The setup cell as committed: its off-Colab output, no execution count."""
    cell = nbformat.v4.new_code_cell(SOURCE, id=CELL_ID)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=OFF_COLAB)]
    return cell


def add_setup_cell(nb):
    """Put the setup cell first in ``nb`` (a NotebookNode), replacing an earlier copy."""
    nb.cells = [setup_cell()] + [c for c in nb.cells if c.get("id") != CELL_ID]
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
