"""Execute notebooks in place, the way the committed ones are executed: the one way to refresh them.

    python -m staff.execute_notebooks notebooks/two_layer_net.ipynb [more.ipynb ...]

Like ``jupyter nbconvert --to notebook --execute --inplace``, with three differences:

- Progress bars are text bars (``CS231N_TEXT_PROGRESS=1``, see ``cs231n/tools/progress.py``),
  each cell's stream outputs are merged, and every ``\\r``-update of a line is collapsed to its
  final state: a bar is one line in the saved notebook (GitHub, nbviewer, a PDF, nbval's diff)
  rather than hundreds of fragments.
- The notebook records what it was executed with, in its metadata (``cs231n.executed_with``):
  a fingerprint (SHA-256, 16 hex digits) of the source of every ``cs231n`` module the kernel
  had imported at the end, and one of the notebook's code cells. ``stale_modules`` compares it
  with the code of today; ``staff/tests/test_notebook_fingerprints.py`` fails, naming the
  notebook and the module, when committed outputs come from older code.
- A notebook is written only after it ran to the end without an error.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cs231n"
#: The key of the notebook's code cells in the fingerprint (module names never contain spaces).
CELLS = "notebook code cells"
_MARK = "__cs231n_modules__"
#: Run in the kernel after the last cell: the package modules it imported.
_PROBE = (f"import sys as _s, json as _j\nprint({_MARK!r}, _j.dumps([getattr(_s.modules.get({PACKAGE!r}), "
          f"'__file__', None), sorted(_n for _n in _s.modules "
          f"if _n == {PACKAGE!r} or _n.startswith({PACKAGE + '.'!r}))]))")


def _digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


def module_file(name, root=ROOT):
    """The source file of package module ``name`` (e.g. "cs231n.vis_utils") under root, or None."""
    base = Path(root, *name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def cells_fingerprint(nb):
    """Fingerprint of a notebook's code cells (sources only: prose and outputs do not count)."""
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    return _digest(json.dumps(sources).encode())


def fingerprint(nb, modules, root=ROOT):
    """{module: digest of its source file} for the given modules, plus CELLS: the code cells.

    A module with no source file under root (a compiled or vanished module) gets "missing".
    """
    out = {}
    for name in sorted(modules):
        path = module_file(name, root)
        out[name] = _digest(path.read_bytes()) if path else "missing"
    out[CELLS] = cells_fingerprint(nb)
    return out


def _package_digests(root=ROOT):
    """{module: digest} of every module of the package under root, before a run."""
    names = []
    for path in Path(root, PACKAGE).rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return fingerprint(nbformat.v4.new_notebook(), names, root)


def stale_modules(nb, root=ROOT):
    """What changed since the notebook was executed: a list of module names (and CELLS).

    Raises LookupError if the notebook records no fingerprint (it was not executed with
    this tool).
    """
    recorded = nb.metadata.get(PACKAGE, {}).get("executed_with")
    if not recorded:
        raise LookupError("no fingerprint in its metadata: execute it with "
                          "python -m staff.execute_notebooks")
    now = fingerprint(nb, [m for m in recorded if m != CELLS], root)
    return [name for name in recorded if now.get(name) != recorded[name]]


def collapse_progress(text):
    """Keep only the final state of every \\r-updated line ("a\\rb\\rc\\n" -> "c\\n").

    A bar that clears itself (tqdm's leave=False) ends in spaces: they go too. Lines without
    a \\r are kept as they are (nbval compares them with a fresh run, spaces included).
    """
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\r" in line:
            states = [state for state in line.split("\r") if state]
            line = states[-1] if states and states[-1].strip() else ""
        lines.append(line)
    return "\n".join(lines)


def _tidy_streams(nb):
    """Merge neighbouring streams of a cell, collapse bars, drop streams left empty."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for out in cell.outputs:
            if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                    and merged[-1].name == out.name):
                merged[-1].text += out.text
            else:
                merged.append(out)
        for out in merged:
            if out.output_type == "stream":
                out.text = collapse_progress(out.text)
        cell.outputs = [o for o in merged
                        if not (o.output_type == "stream" and not o.text.strip())]


def _imported_modules(probe, root=ROOT):
    """The package modules the probe cell printed; refused if they came from another tree."""
    for out in probe.outputs:
        if out.output_type == "stream" and _MARK in out.text:
            init, modules = json.loads(out.text.split(_MARK, 1)[1])
            if init and Path(init).resolve() != Path(root, PACKAGE, "__init__.py").resolve():
                raise RuntimeError(f"the kernel imported {PACKAGE} from {init}, not from {root}: "
                                   f"set PYTHONPATH={root}")
            return modules
    raise RuntimeError("the kernel did not report its imported modules")


def execute(path, timeout=1800):
    """Execute the notebook ``path`` in its own folder and overwrite it with the outputs.

    Raises CellExecutionError (the file is left as it was) if a cell fails.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = _package_digests()
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
    os.environ["CS231N_TEXT_PROGRESS"] = "1"  # inherited by the kernel
    client = NotebookClient(nb, timeout=timeout, coalesce_streams=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    try:
        client.execute()
    finally:
        probe = nb.cells.pop()
    modules = _imported_modules(probe)
    executed_with = fingerprint(nb, modules)
    changed = [m for m in modules if executed_with[m] != before.get(m)]
    if changed:  # the outputs may come from either version: neither fingerprint is true
        raise RuntimeError(f"{', '.join(changed)} changed while {path.name} ran: run it again")
    _tidy_streams(nb)
    nb.metadata.setdefault(PACKAGE, {})["executed_with"] = executed_with
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
