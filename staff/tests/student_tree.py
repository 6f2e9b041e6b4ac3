"""Fill a student release's regions with code, keyed the way a student sees them.

A region of a .py file is keyed ``"path:Function.name:k"`` (k-th region of that function,
from 1), as its ``NotImplementedError`` message names it; a region of a notebook is keyed
``"path#k"`` (k-th region of the notebook, from 1).
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from staff.release import START_MARKER, find_regions, split_lines

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
