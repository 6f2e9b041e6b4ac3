"""Execute notebooks in place, the way the committed ones are executed.

    python -m staff.execute_notebooks notebooks/two_layer_net.ipynb [more.ipynb ...]

Like ``jupyter nbconvert --to notebook --execute --inplace``, with two differences that make
the saved outputs read well where widgets do not render (GitHub, nbviewer, a PDF, nbval's
diff): progress bars are text bars (``CS231N_TEXT_PROGRESS=1``, see
``cs231n/tools/progress.py``), and each cell's stream outputs are merged into one, so a bar
is one line that ends in its final state rather than hundreds of fragments. A notebook is
written only after it ran to the end without an error.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def _tidy_streams(nb):
    """Drop the trailing spaces a cleared bar leaves behind, then streams left empty."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.output_type == "stream":
                out.text = "\n".join(line.rstrip() for line in out.text.split("\n"))
        cell.outputs = [o for o in cell.outputs
                        if not (o.output_type == "stream" and not o.text.strip())]


def execute(path, timeout=1800):
    """Execute the notebook ``path`` in its own folder and overwrite it with the outputs.

    Raises CellExecutionError (the file is left as it was) if a cell fails.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    os.environ["CS231N_TEXT_PROGRESS"] = "1"  # inherited by the kernel
    client = NotebookClient(nb, timeout=timeout, coalesce_streams=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute()
    _tidy_streams(nb)
    nbformat.write(nb, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    for name in args.notebooks:
        print(f"executing {name}", flush=True)
        try:
            execute(name, args.timeout)
        except CellExecutionError as e:
            sys.exit(f"execute_notebooks: {name} failed and was left as it was:\n{e}")


if __name__ == "__main__":
    main()
