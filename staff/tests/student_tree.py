"""Fill a student release's regions with code, keyed the way a student sees them.

A region of a .py file is keyed ``"path:Function.name:k"`` (k-th region of that function,
from 1), as its ``NotImplementedError`` message names it; a region of a notebook is keyed
``"path#k"`` (k-th region of the notebook, from 1).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from staff import release
from staff.release import START_MARKER, find_regions, split_lines

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets" / "cifar-10-batches-py"

_PART = re.compile(r'"([\w/.]+\.py):([\w.]+): implement (?:part (\d+) of \d+|this part)')


def region_keys(root):
    """The keys of every region of the student tree at ``root``, in file order."""
    return [key for key, _ in _regions(Path(root))]


def fill(root, solutions, require_all=True):
    """Replace each region's placeholder under ``root`` by ``solutions[key]`` (dedented
    code, indented here like its START marker). Raises KeyError naming missing keys;
    with ``require_all=False`` a region without a solution keeps its placeholder (a
    student part way through)."""
    root = Path(root)
    missing = [key for key, _ in _regions(root) if key not in solutions]
    if missing and require_all:
        raise KeyError(f"no solution for {missing}")
    for path in sorted({p for _, (p, _, _) in _regions(root)}):
        rel = path.relative_to(root).as_posix()
        if rel.endswith(".py"):
            text = path.read_text()
            path.write_text(_fill_text(text, lambda k: solutions.get(_py_key(text, rel, k))))
        else:
            nb = json.loads(path.read_text())
            count = 0
            for cell in nb["cells"]:
                if cell["cell_type"] != "code":
                    continue
                src = "".join(cell["source"])
                n = len(find_regions(src, lambda line: rel))
                if n:
                    keys = [f"{rel}#{count + i + 1}" for i in range(n)]
                    src = _fill_text(src, lambda k, keys=keys: solutions.get(keys[k]))
                    cell["source"] = split_lines(src)
                    count += n
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


#: Notebooks whose regions the solved release gets from this tree instead of from
#: course_solution.py: the solved notebook is then this tree's notebook, code cell for code
#: cell, so one nbval run of it in the student tree checks both that the student's version
#: runs to the end and that this tree's committed outputs reproduce
#: (test_student_release_notebook.py; staff/tests/conftest.py then leaves out the run of
#: this tree's copy).
OWN_SOLUTION_NOTEBOOKS = ("notebooks/two_layer_net.ipynb",)


def own_solutions(root=ROOT):
    """The code of every region of OWN_SOLUTION_NOTEBOOKS in the tree at ``root``, keyed the
    way :func:`fill` keys a notebook's regions."""
    solutions = {}
    for rel in OWN_SOLUTION_NOTEBOOKS:
        count = 0
        nb = json.loads((Path(root) / rel).read_text())
        for src in ("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"):
            lines = split_lines(src)
            for region in find_regions(src, lambda line: rel):
                count += 1
                solutions[f"{rel}#{count}"] = "".join(lines[region.start:region.end - 1])
    return solutions


def _fill_text(text, code_for):
    lines = split_lines(text)
    regions = find_regions(text, lambda line: "?")
    out, previous = [], 0
    for k, region in enumerate(regions):
        code = code_for(k)
        if code is None:  # no solution given: the region stays as it is
            continue
        out.extend(lines[previous:region.start])
        out.append(textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", region.indent))
        previous = region.end - 1
    out.extend(lines[previous:])
    return "".join(out)


def _py_key(text, rel, k):
    lines = split_lines(text)
    region = find_regions(text, lambda line: rel)[k]
    inside = re.sub(r'"\s*\n\s*"', "", "".join(lines[region.start:region.end - 1]))
    found = _PART.search(inside)
    if not found:
        raise ValueError(f"{rel}: region {k + 1} has no NotImplementedError naming its part")
    return f"{found.group(1)}:{found.group(2)}:{found.group(3) or 1}"


def _regions(root):
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.endswith(".py") and START_MARKER in path.read_text(errors="replace"):
            text = path.read_text()
            for k in range(len(find_regions(text, lambda line: rel))):
                found.append((_py_key(text, rel, k), (path, k, None)))
        elif rel.endswith(".ipynb"):
            nb = json.loads(path.read_text())
            count = 0
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    count += len(find_regions("".join(cell["source"]), lambda line: rel))
            found.extend((f"{rel}#{i + 1}", (path, i, None)) for i in range(count))
    return found


def make_release(folder):
    """Build the student release of this repository (untracked files included) in
    ``folder/assignment1`` and return that path."""
    tree = Path(folder) / "assignment1"
    release.write_release(release.build_release(ROOT, include_untracked=True), tree)
    return tree


def student_env(tree):
    """The environment of a process run in the student tree: its own ``cs231n`` first (not
    the solution's), this checkout's CIFAR-10, no pytest or coverage variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONPATH"] = str(tree)
    env["CIFAR10_DIR"] = str(DATA)
    env["MPLBACKEND"] = "Agg"
    return env


# The tests of get_datasets.sh and of the data loading check code that no student edits (it
# has no regions), the same files as in this tree, where they run; the browser test needs a
# server. The release runs leave them out.
PLUMBING_ONLY = ("--ignore=tests/test_get_datasets.py", "--ignore=tests/test_data_utils.py",
                 "-m", "not browser")


def run_student_pytest(tree, *args, timeout=900):
    """Run pytest in the student tree ``tree`` (one process, no plugins' options from this
    run) and return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-o", "addopts=", *PLUMBING_ONLY, *args],
        cwd=tree, env=student_env(tree), capture_output=True, text=True, timeout=timeout)
