"""Generate the student version of the assignment from the solution tree.

    python -m staff.release OUTDIR            # write OUTDIR/ and OUTDIR.zip
    python -m staff.release --check           # only validate the markers (exit 1 on errors)

Course staff keep one repository with the solutions. Every piece a student writes is wrapped,
in ``.py`` files and in notebook code cells, in the course's markers::

    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ...solution...
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

The release keeps both marker lines and replaces what is between them by a placeholder
indented like the START marker line:

- in a ``.py`` file, inside a function or method: ``raise NotImplementedError("<file>:<function>:
  implement this part ...")``, always (whether or not the function returns something), so an
  unfinished function fails loudly and says what to implement. The message names the file and
  the enclosing function (found with :mod:`ast`), the part number when a function has several
  regions, and a hint: the ``TODO`` comment right above the START marker if there is one, else
  the first line of the function's docstring;
- at module or class level in a ``.py`` file, and in notebook code cells: ``# TODO: your code
  here`` and ``pass`` (a notebook cell that raises would stop the notebook; a class body or a
  module that raises would break ``import``).

Marker lines are recognised as comments (with :mod:`tokenize`, so a marker quoted inside a
string is not one): a comment that mentions ``START/END OF YOUR CODE`` or ``DO NOT
DELETE/MODIFY THIS LINE`` but is not exactly one of the two markers alone on its line is an
error, as are a START inside an open region (markers never nest), an END without START, a
START never closed (in the same file or notebook cell), and an END indented differently from
its START. All errors of the tree are reported as ``file:line: message`` (``file:cell[i]:line:
message`` for notebooks, ``i`` being the index in ``nb.cells``) and nothing is written.

Files in the release: the files git tracks in the source tree (``git ls-files``; with
``--include-untracked`` also the untracked files git does not ignore; without git, a walk of the
tree minus ``.git``, ``.venv``, ``build``, ``dist``, caches and ``*.egg-info``), plus
``datasets/README.md``, minus the solution-only files: the release tool itself
(``staff/release.py``, ``staff/_release_templates/``), ``tests/test_release.py``, ``.ci/``,
``benchmarks/``, ``.release-exclude`` and every pattern listed in ``.release-exclude``. Nothing
else under ``datasets/`` is ever included. Two files are added at the root: a
``collect_submission.py`` (and a ``collect_submission.sh`` wrapper) that zips the student's
``notebooks/*.ipynb`` and ``cs231n/**/*.py`` into ``cs231n_submission.zip``.

``.release-exclude``: one pattern per line, ``#`` comments and blank lines ignored. A pattern
with a ``/`` (other than a trailing one) is matched with :func:`fnmatch.fnmatchcase` against
the path relative to the root and each of its parent folders (``*`` may cross ``/``); a pattern
without one is matched against every path component (a file or folder name anywhere); a
trailing ``/`` matches folders only.

Notebooks: outputs and execution counts of code cells are cleared, the ``execution`` timing
metadata of the staff run and the saved widget state (notebook metadata ``widgets``) are
dropped, everything else (tags, other cell metadata, kernelspec, cell ids) is kept; missing cell
ids are made deterministic. They are written with :func:`nbformat.writes` (sorted keys, fixed
indentation) and validated.

"Open in Colab" badges: with a Colab address for the student version (``COLAB_URL`` below, or
``--colab-url``), each notebook opens with a markdown cell holding a badge that opens it in
Colab, at ``<address>/<path of the notebook>`` (or the address with ``{path}`` replaced by that
path), e.g. ``https://colab.research.google.com/github/COURSE/assignment1/blob/main`` for the
student version published on GitHub. Without one, no badge (the release says so): a notebook
in Google Drive opens in Colab from Drive itself. The setup cell that follows
(``staff/colab_cell.py``) prepares the runtime there.

Output: OUTDIR (refused if it is the source tree, inside it or one of its parents; refused if
it is not empty unless ``--force``) and a zip ``OUTDIR.zip`` next to it (``--zip PATH`` to put
it elsewhere, ``--no-zip`` to skip it) whose entries are ``assignment1/<path>`` (``--zip-root``),
sorted, dated 1980-01-01 with permissions 644 (755 for executables). The tree is generated in a
temporary folder next to OUTDIR and moved into place at the end, so a failure leaves OUTDIR as
it was. The same source gives byte-identical files and zip.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import tokenize
import warnings
import zipfile
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

START_MARKER = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END_MARKER = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"

#: The solution tree this module belongs to (the repository root).
DEFAULT_SOURCE = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = Path(__file__).resolve().parent / "_release_templates"
EXCLUDE_FILE = ".release-exclude"

#: Solution-only files, left out whatever ``.release-exclude`` says.
BUILTIN_EXCLUDES = (
    "staff/",  # this tool, its templates, grading, benchmarks and their tests
    EXCLUDE_FILE,
)
#: The only file of ``datasets/`` that ships: data never does.
DATASETS_KEPT = ("datasets/README.md",)
#: Skipped by the walk used when git is unavailable (what .gitignore ignores).
WALK_SKIP_DIRS = {
    ".git", ".venv", "venv", "build", "dist", "__pycache__", ".pytest_cache",
    ".ipynb_checkpoints", ".mypy_cache", ".ruff_cache",
}
WALK_SKIP_SUFFIXES = (".pyc", ".pyo")

#: Files the release adds at the root of the student tree, from ``_release_templates/``.
GENERATED = ("collect_submission.py", "collect_submission.sh")
#: Files of the source replaced in the release by a template of ``_release_templates/``.
REPLACED = {"README.md": "README.student.md"}

#: Inline-question answers in markdown cells sit between these lines; the student gets
#: the course's blank answer instead.
ANSWER_START = "<!-- START OF ANSWER -->"
ANSWER_END = "<!-- END OF ANSWER -->"
ANSWER_BLANK = "*Fill this in.*"
#: A markdown cell with this tag (it states tuned settings or diagnoses a result that the
#: student is meant to find) is replaced by SOLUTION_BLANK.
SOLUTION_TAG = "solution"
SOLUTION_BLANK = "$\\color{blue}{\\textit Your Answer:}$ *Fill this in: what do you see here, and why?*"
_QUESTION = re.compile(r"inline\s+question", re.IGNORECASE)
_YOUR_ANSWER = re.compile(r"your\s+answer", re.IGNORECASE)
EXPECTED_REGIONS_LINE = "EXPECTED_REGIONS: dict = {}  # filled in by staff/release.py\n"

#: Where Colab opens the student version's notebooks ("" for no badge): the one setting.
COLAB_URL = ""
COLAB_BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
               "({url})")

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DEFAULT_ZIP_ROOT = "assignment1"
NOTEBOOK_TODO = "# TODO: your code here"

# A comment that looks like a marker: an altered marker must not slip through as plain text.
_MARKERISH = re.compile(
    r"\b(START|BEGIN|END)\s*OF\s*YOUR\s*CODE\b|DO\s*NOT\s*DELETE\s*/\s*MODIFY\s*THIS\s*LINE",
    re.IGNORECASE,
)
_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


class ReleaseError(Exception):
    """The release cannot be made (bad markers, unsafe OUTDIR, ...); ``errors`` lists why."""

    def __init__(self, errors):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class Region:
    start: int  # 1-based line numbers of the START and END marker lines
    end: int
    indent: str


@dataclass
class Release:
    """The student tree in memory: relative posix path -> (content, executable)."""

    files: dict = field(default_factory=dict)
    regions: dict = field(default_factory=dict)  # path -> number of regions

    @property
    def num_regions(self):
        return sum(self.regions.values())


# --------------------------------------------------------------------------- markers


def split_lines(text):
    """Lines of ``text`` with their line endings; only ``\\n`` ends a line (as for Python)."""
    return _LINE.findall(text)


def _comments(text):
    """{line number: (column, comment text)} of the comments of ``text``.

    Uses :mod:`tokenize` so that marker text inside a string literal is not a comment; falls
    back to "lines whose first non-blank character is #" when the text does not tokenize
    (IPython magics, a syntax error).
    """
    found = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                found[tok.start[0]] = (tok.start[1], tok.string)
        return found
    except (tokenize.TokenError, SyntaxError):
        found = {}
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.lstrip(" \t")
        if stripped.startswith("#"):
            found[number] = (len(line) - len(stripped), stripped.rstrip())
    return found


def find_regions(text, where):
    """Marked regions of ``text``, or :class:`ReleaseError` listing every marker problem.

    Inputs:
    - text: source of a .py file or of one notebook code cell.
    - where: function of a line number giving the location prefix of a message
      (``"path:12"`` or ``"path:cell[3]:12"``).

    Returns a list of :class:`Region`, in order.
    """
    lines = split_lines(text)
    errors, regions = [], []
    opened = None  # (line, indent) of the open START marker
    for number, (col, comment) in sorted(_comments(text).items()):
        line = lines[number - 1]
        body = comment.rstrip()
        alone = line[:col].strip() == "" and line[col:].strip() == body
        if body in (START_MARKER, END_MARKER) and alone:
            kind = "START" if body == START_MARKER else "END"
        elif _MARKERISH.search(body):
            errors.append(
                f"{where(number)}: malformed marker line {line.strip()!r}: a marker must be alone "
                f"on its line and read exactly {START_MARKER!r} or {END_MARKER!r}"
            )
            continue
        else:
            continue
        indent = line[:col]
        if kind == "START":
            if opened is not None:
                errors.append(
                    f"{where(number)}: START marker inside the region opened at line "
                    f"{opened[0]} (markers cannot be nested; close it with an END marker first)"
                )
            opened = (number, indent)
        elif opened is None:
            errors.append(f"{where(number)}: END marker without a matching START marker")
        else:
            if indent != opened[1]:
                errors.append(
                    f"{where(number)}: END marker indented differently from its START marker "
                    f"at line {opened[0]}"
                )
            regions.append(Region(opened[0], number, opened[1]))
            opened = None
    if opened is not None:
        errors.append(
            f"{where(opened[0])}: START marker never closed (no END marker before the end of "
            "the " + ("cell" if "cell[" in where(opened[0]) else "file") + ")"
        )
    if errors:
        raise ReleaseError(errors)
    return regions


# --------------------------------------------------------------------------- checks


def check_todos(lines, regions, where):
    """Errors for regions with no ``# TODO`` comment right above their START marker."""
    return [
        f"{where(region.start)}: no TODO comment above this START marker: say what the "
        "student computes and which names to set, in a comment block starting with "
        "'# TODO:' right above it (it is what survives the release)"
        for region in regions if not _todo_hint(lines, region.start)
    ]


def _name_uses(tree):
    """(line, name, stored) for every plain name of ``tree`` (function arguments count as
    stored at their def line)."""
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            uses.append((node.lineno, node.id, isinstance(node.ctx, (ast.Store, ast.Del))))
        elif isinstance(node, ast.arg):
            uses.append((node.lineno, node.arg, True))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            uses.append((node.lineno, node.name, True))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                uses.append((node.lineno, (alias.asname or alias.name).split(".")[0], True))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            uses.extend((node.lineno, name, True) for name in node.names)
    return uses


def check_region_outputs(units, describe):
    """Errors for names that plain code after a region reads but only the region defines.

    Inputs:
    - units: list of (uses, regions) in execution order: a function's body, or each code
      cell of a notebook; ``uses`` as from :func:`_name_uses`.
    - describe: function (unit index, line) -> location prefix of a message.

    The student version replaces the region, so such a name would be undefined there:
    declare it before the region (``scores = None``), as the course does.
    """
    inside = lambda u, line: any(r.start < line < r.end for r in units[u][1])  # noqa: E731
    plumbing = [(u, line, name, stored) for u, (uses, _) in enumerate(units)
                for line, name, stored in uses if not inside(u, line)]
    errors = []
    for u, (uses, regions) in enumerate(units):
        for region in regions:
            defined = {name for line, name, stored in uses
                       if stored and region.start < line < region.end}
            before = {name for v, line, name, stored in plumbing
                      if stored and (v, line) < (u, region.start)}
            after = sorted((v, line, name, stored) for v, line, name, stored in plumbing
                           if (v, line) > (u, region.end))
            reported = set()
            for v, line, name, stored in after:
                if name not in defined or name in before or name in reported:
                    continue
                reported.add(name)
                if not stored:
                    errors.append(
                        f"{describe(v, line)}: {name!r} is used here but only the region at "
                        f"{describe(u, region.start)} defines it; declare it before that "
                        f"region (e.g. {name} = None) so the student version still runs "
                        "and the student sees what to set")
    return errors


# --------------------------------------------------------------------------- .py files


def _functions(tree):
    """(def line, last line, column, qualified name, docstring) of every function."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append(
                        (child.lineno, child.end_lineno, child.col_offset, name,
                         ast.get_docstring(child) or "")
                    )
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def enclosing_function(functions, region):
    """The innermost of ``functions`` (as :func:`_functions` lists them) that holds
    ``region``, or None for a region at module or class level."""
    inside = [f for f in functions if f[0] < region.start <= f[1] and len(region.indent) > f[2]]
    return max(inside, key=lambda f: f[0]) if inside else None


def _todo_hint(lines, start):
    """The sentence after ``TODO`` in the comment block right above line ``start``, or ''."""
    block = []
    number = start - 1
    while number >= 1 and lines[number - 1].lstrip().startswith("#"):
        if lines[number - 1].strip() in (START_MARKER, END_MARKER):
            break  # never read into another region
        block.insert(0, lines[number - 1].strip().strip("#").strip())
        number -= 1
    text = " ".join(part for part in block if part)
    found = re.search(r"\bTODO\b:?\s*(.*)", text)
    if not found:
        return ""
    return _first_sentence(found.group(1))


def _first_sentence(text):
    return re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]


def _shorten(text, width=120):
    text = " ".join(text.split()).rstrip(".")
    return textwrap.shorten(text, width=width, placeholder="...")


def _raise_lines(indent, pieces, newline):
    """``raise NotImplementedError(...)`` whose message is the concatenation of ``pieces``.

    Pieces are never split; consecutive ones share a string literal up to 72 characters.
    """
    # JSON string syntax is valid Python and gives the double quotes of the project's style.
    literal = lambda chunk: json.dumps(chunk, ensure_ascii=False)  # noqa: E731
    chunks = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) <= 72:
            chunks[-1] += piece
        else:
            chunks.append(piece)
    if len(chunks) == 1:
        return [f"{indent}raise NotImplementedError({literal(chunks[0])}){newline}"]
    inner = indent + "    "
    return (
        [f"{indent}raise NotImplementedError({newline}"]
        + [f"{inner}{literal(chunk)}{newline}" for chunk in chunks]
        + [f"{indent}){newline}"]
    )


def _pass_lines(indent, newline):
    return [f"{indent}{NOTEBOOK_TODO}{newline}", f"{indent}pass{newline}"]


def _newline(line):
    return "\r\n" if line.endswith("\r\n") else "\n"


def _replace(lines, regions, placeholder):
    """``lines`` with the inside of each region replaced by ``placeholder(region, newline)``."""
    out, previous = [], 0
    for region in regions:
        out.extend(lines[previous:region.start])  # up to and including the START line
        out.extend(placeholder(region, _newline(lines[region.start - 1])))
        previous = region.end - 1  # the END line onwards
    out.extend(lines[previous:])
    return "".join(out)


def strip_python(text, relpath):
    """Student version of a .py file: returns (text, number of regions)."""
    where = lambda number: f"{relpath}:{number}"  # noqa: E731
    regions = find_regions(text, where)
    if not regions:
        return text, 0
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise ReleaseError(f"{relpath}:{exc.lineno}: cannot parse the solution: {exc.msg}")
    functions = _functions(tree)
    lines = split_lines(text)

    owners = [enclosing_function(functions, region) for region in regions]
    errors = check_todos(lines, regions, where)
    by_function = {}
    for region, owner in zip(regions, owners):
        if owner is not None:
            by_function.setdefault(owner[0], []).append(region)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno in by_function:
            errors += check_region_outputs([(_name_uses(node), by_function[node.lineno])],
                                           lambda u, line: where(line))
    if errors:
        raise ReleaseError(errors)
    counts = {}
    for owner in owners:
        if owner is not None:
            counts[owner[3]] = counts.get(owner[3], 0) + 1
    seen = {}

    def placeholder(region, newline):
        owner = owners[regions.index(region)]
        if owner is None:  # module or class level
            return _pass_lines(region.indent, newline)
        name, docstring = owner[3], owner[4]
        seen[name] = seen.get(name, 0) + 1
        part = f"part {seen[name]} of {counts[name]}" if counts[name] > 1 else "this part"
        hint = _todo_hint(lines, region.start) or _first_sentence(docstring.split("\n\n")[0])
        pieces = [f"{relpath}:{name}: ", f"implement {part}" + (": " if hint else " ")]
        if hint:
            pieces += [word + " " for word in _shorten(hint).split()]
        pieces.append("(see the docstring)")
        return _raise_lines(region.indent, pieces, newline)

    student = _replace(lines, regions, placeholder)
    try:
        ast.parse(student)
    except SyntaxError as exc:
        raise ReleaseError(
            f"{relpath}:{exc.lineno}: the student version is not valid Python ({exc.msg}); "
            "is a marker indented less than the code of its block?"
        )
    return student, len(regions)


# --------------------------------------------------------------------------- notebooks


def _parses_as_ipython(source):
    """True/False: does the cell parse (after IPython's magic transforms); None: unknown."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return None
    try:
        ast.parse(TransformerManager().transform_cell(source))
        return True
    except Exception:  # SyntaxError, or a transform failing on odd input
        return False


def strip_notebook(text, relpath):
    """Student version of a notebook (JSON text): returns (text, number of regions)."""
    import nbformat

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReleaseError(f"{relpath}:{exc.lineno}: not a valid notebook (JSON): {exc.msg}")
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise ReleaseError(f"{relpath}:1: not a valid notebook: no 'cells' list")
    # nbformat >= 4.5 gives id-less cells random ids on read: make them deterministic instead.
    if (raw.get("nbformat"), raw.get("nbformat_minor", 0)) >= (4, 5):
        digest = hashlib.sha1(relpath.encode()).hexdigest()[:8]
        for index, cell in enumerate(raw["cells"]):
            if isinstance(cell, dict) and "id" not in cell:
                cell["id"] = f"{digest}-{index}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(raw), as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises several kinds for unreadable notebooks
        raise ReleaseError(f"{relpath}:1: not a valid notebook: {exc}")

    errors, total, units = [], 0, []
    for index, cell in enumerate(nb.cells):
        where = lambda number, index=index: f"{relpath}:cell[{index}]:{number}"  # noqa: E731
        if cell.get("cell_type") == "markdown":
            try:  # (answers are blanked, not counted: the count is of code regions)
                cell.source = strip_markdown(cell, nb.cells[index + 1:], where)
            except ReleaseError as exc:
                errors.extend(exc.errors)
            continue
        if cell.get("cell_type") != "code":
            continue
        source = cell.source
        try:
            regions = find_regions(source, where)
        except ReleaseError as exc:
            errors.extend(exc.errors)
            continue
        errors += check_todos(split_lines(source), regions, where)
        units.append((index, regions, _cell_name_uses(source)))
        if regions:
            student = _replace(
                split_lines(source), regions,
                lambda region, newline: _pass_lines(region.indent, newline),
            )
            if _parses_as_ipython(source) and _parses_as_ipython(student) is False:
                errors.append(
                    f"{where(regions[0].start)}: the student version of the cell is not valid "
                    "Python; is a marker indented less than the code of its block?"
                )
            cell.source = student
            total += len(regions)
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    errors += check_region_outputs(
        [(uses, regions) for _, regions, uses in units],
        lambda u, line: f"{relpath}:cell[{units[u][0]}]:{line}")
    if errors:
        raise ReleaseError(errors)
    nb.metadata.pop("widgets", None)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise ReleaseError(f"{relpath}:1: the student notebook is not valid nbformat: {exc}")
    return nbformat.writes(nb), total


def colab_badge_url(colab_url, relpath):
    """Where the badge of the notebook ``relpath`` points (see the module docstring)."""
    if "{path}" in colab_url:
        return colab_url.replace("{path}", relpath)
    return f"{colab_url.rstrip('/')}/{relpath}"


def add_colab_badge(text, relpath, colab_url):
    """The notebook (JSON text) with a Colab badge in a markdown cell of its own, the first."""
    import nbformat

    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    badge = COLAB_BADGE.format(url=colab_badge_url(colab_url, relpath))
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(badge, id="colab-badge"))
    return nbformat.writes(nb)


def _cell_name_uses(source):
    """Name uses of a code cell (after IPython's magic transforms); [] if it does not parse."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # no IPython, or a transform failing on odd input: parse as it is
        pass
    try:
        return _name_uses(ast.parse(source))
    except SyntaxError:
        return []


def strip_markdown(cell, following, where):
    """Student version of a markdown cell's source.

    - Lines between ANSWER_START and ANSWER_END are replaced by ANSWER_BLANK.
    - A cell tagged SOLUTION_TAG is replaced by SOLUTION_BLANK.
    - Errors: unbalanced answer markers; a "Your Answer" with no marked answer; an
      "Inline Question" with no "Your Answer" in it or in the next markdown cell.
    """
    source = cell.source
    if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
        return SOLUTION_BLANK
    lines = split_lines(source)
    out, errors, opened, answers = [], [], None, 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == ANSWER_START:
            if opened is not None:
                errors.append(f"{where(number)}: {ANSWER_START} inside an open answer "
                              f"(opened at line {opened})")
            opened = number
            out.append(line)
        elif stripped == ANSWER_END:
            if opened is None:
                errors.append(f"{where(number)}: {ANSWER_END} without {ANSWER_START}")
            else:
                out.extend([ANSWER_BLANK + "\n", line])
                answers += 1
            opened = None
        elif opened is None:
            out.append(line)
    if opened is not None:
        errors.append(f"{where(opened)}: {ANSWER_START} never closed by {ANSWER_END}")
    if _YOUR_ANSWER.search(source) and not answers and not errors:
        errors.append(f"{where(1)}: this cell has a 'Your Answer' that is not marked: put the "
                      f"answer between lines {ANSWER_START} and {ANSWER_END}, or tag the cell "
                      f"{SOLUTION_TAG!r}")
    if _QUESTION.search(source) and not _YOUR_ANSWER.search(source):
        after = next((c for c in following if c.get("cell_type") == "markdown"), None)
        if after is None or not _YOUR_ANSWER.search(after.source):
            errors.append(f"{where(1)}: an inline question with no 'Your Answer' in this cell "
                          "or the next markdown cell: add one, with the answer marked")
    if errors:
        raise ReleaseError(errors)
    return "".join(out)


# --------------------------------------------------------------------------- file set


def read_exclude_file(source):
    """Patterns of ``source/.release-exclude`` (empty if there is none)."""
    path = Path(source) / EXCLUDE_FILE
    if not path.is_file():
        return []
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


def matches(relpath, pattern):
    """Does the posix path ``relpath`` match a ``.release-exclude`` pattern? (see module doc)"""
    dir_only = pattern.endswith("/")
    pattern = pattern.strip("/")
    if not pattern:
        return False
    parts = relpath.split("/")
    candidates = len(parts) - 1 if dir_only else len(parts)
    if "/" in pattern:
        return any(fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, candidates + 1))
    return any(fnmatchcase(part, pattern) for part in parts[:candidates])


def _git_files(source, include_untracked):
    """Files git lists in ``source``, or None if git is unavailable or it is no repository."""
    command = ["git", "-C", str(source), "ls-files", "-z", "--cached"]
    if include_untracked:
        command += ["--others", "--exclude-standard"]
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return [name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def _walk_files(source):
    found = []
    for folder, dirs, files in os.walk(source):
        rel_folder = Path(folder).relative_to(source).as_posix()
        dirs[:] = sorted(
            d for d in dirs
            if d not in WALK_SKIP_DIRS and not d.endswith(".egg-info")
        )
        for name in files:
            if not name.endswith(WALK_SKIP_SUFFIXES):
                found.append(name if rel_folder == "." else f"{rel_folder}/{name}")
    return found


def release_paths(source, include_untracked=False):
    """Sorted relative posix paths of the source files that go into the release."""
    source = Path(source)
    listed = _git_files(source, include_untracked)
    if listed is None:
        if (source / ".git").exists():
            print(f"warning: git cannot list the files of {source}: releasing every file "
                  "of the tree except caches, builds and environments", file=sys.stderr)
        listed = _walk_files(source)
    listed = set(listed) | {p for p in DATASETS_KEPT if (source / p).is_file()}
    patterns = list(BUILTIN_EXCLUDES) + read_exclude_file(source)
    kept = []
    for rel in sorted(listed):
        if rel.startswith("datasets/") and rel not in DATASETS_KEPT:
            continue
        if any(matches(rel, pattern) for pattern in patterns):
            continue
        path = source / rel
        if path.is_file():  # tracked but deleted in the working tree: nothing to ship
            kept.append(rel)
    return kept


# --------------------------------------------------------------------------- build


def _is_executable(path):
    return bool(path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))


def _generated_files(regions):
    """The collect_submission script and its shell wrapper, with the expected region counts."""
    script = (TEMPLATES_DIR / "collect_submission.py").read_text(encoding="utf-8")
    if EXPECTED_REGIONS_LINE not in script:
        raise ReleaseError(
            f"{TEMPLATES_DIR / 'collect_submission.py'}: line {EXPECTED_REGIONS_LINE.strip()!r} "
            "not found"
        )
    expected = f"EXPECTED_REGIONS: dict = {json.dumps(regions, indent=4, sort_keys=True)}\n"
    script = script.replace(EXPECTED_REGIONS_LINE, expected)
    wrapper = (TEMPLATES_DIR / "collect_submission.sh").read_text(encoding="utf-8")
    return {
        "collect_submission.py": (script.encode("utf-8"), True),
        "collect_submission.sh": (wrapper.encode("utf-8"), True),
    }


def build_release(source=DEFAULT_SOURCE, include_untracked=False, colab_url=None):
    """The student tree of ``source``, in memory; :class:`ReleaseError` lists every problem.

    ``colab_url``: the Colab address of the student version for the notebooks' badges
    (default ``COLAB_URL``; "" for none)."""
    colab_url = COLAB_URL if colab_url is None else colab_url
    source = Path(source).resolve()
    if not source.is_dir():
        raise ReleaseError(f"{source}: source tree not found")
    release = Release()
    errors = []
    for rel in release_paths(source, include_untracked):
        path = source / rel
        data = path.read_bytes()
        if rel.endswith((".py", ".ipynb")):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(f"{rel}:1: not UTF-8 text ({exc.reason})")
                continue
            strip = strip_python if rel.endswith(".py") else strip_notebook
            try:
                text, count = strip(text, rel)
            except ReleaseError as exc:
                errors.extend(exc.errors)
                continue
            if count:
                release.regions[rel] = count
                data = text.encode("utf-8")
            elif rel.endswith(".ipynb"):
                data = text.encode("utf-8")  # outputs cleared even without markers
            if rel.endswith(".ipynb") and colab_url:
                data = add_colab_badge(text, rel, colab_url).encode("utf-8")
        release.files[rel] = (data, _is_executable(path))
    for rel in GENERATED:
        if rel in release.files:
            errors.append(f"{rel}:1: the release generates this file; remove it from the source")
    if errors:
        raise ReleaseError(errors)
    release.files.update(_generated_files(release.regions))
    for rel, template in REPLACED.items():
        release.files[rel] = ((TEMPLATES_DIR / template).read_bytes(), False)
    release.files = dict(sorted(release.files.items()))
    return release


def _mode(executable):
    return 0o755 if executable else 0o644


def write_zip(release, path, root=DEFAULT_ZIP_ROOT):
    """Write ``release`` as a deterministic zip: sorted entries, fixed dates and permissions."""
    with zipfile.ZipFile(path, "w") as archive:
        for rel, (data, executable) in sorted(release.files.items()):
            info = zipfile.ZipInfo(f"{root}/{rel}" if root else rel, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so that the permissions below are honoured
            info.external_attr = (stat.S_IFREG | _mode(executable)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)


def _inside(path, folder):
    return path == folder or folder in path.parents


def check_outdir(source, outdir, zip_path, force):
    """Refuse an OUTDIR or zip that could clobber the source tree or existing work."""
    source, outdir = Path(source).resolve(), Path(outdir).resolve()
    if _inside(outdir, source) or _inside(source, outdir):
        raise ReleaseError(
            f"{outdir}: refusing to write the release into the source tree {source}, inside "
            "it or around it; choose a folder outside it (e.g. ../cs231n-student)"
        )
    if outdir.exists() and not outdir.is_dir():
        raise ReleaseError(f"{outdir}: exists and is not a folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise ReleaseError(f"{outdir}: folder is not empty; use --force to replace it")
    if zip_path is not None:
        zip_path = Path(zip_path).resolve()
        if _inside(zip_path, source) or _inside(zip_path, outdir):
            raise ReleaseError(f"{zip_path}: the zip must be outside the source tree and OUTDIR")
        if zip_path.exists() and (zip_path.is_dir() or not force):
            raise ReleaseError(f"{zip_path}: exists; use --force to replace it")


def write_release(release, outdir, zip_path=None, zip_root=DEFAULT_ZIP_ROOT):
    """Write ``release`` to ``outdir`` (replacing it) and the zip, through temporary files."""
    outdir = Path(outdir).resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    zip_tmp = None
    try:
        for rel, (data, executable) in release.files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(_mode(executable))
        if zip_path is not None:
            zip_path = Path(zip_path).resolve()
            zip_path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{zip_path.name}.", dir=zip_path.parent)
            os.close(fd)
            zip_tmp = Path(name)
            write_zip(release, zip_tmp, zip_root)
            zip_tmp.chmod(0o644)
        # Everything is written: swap it in.
        if outdir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=outdir.parent))
            os.replace(outdir, old / "tree")
            os.replace(staging, outdir)
            shutil.rmtree(old)
        else:
            os.replace(staging, outdir)
        if zip_tmp is not None:
            os.replace(zip_tmp, zip_path)
            zip_tmp = None
    finally:
        if staging.exists():
            shutil.rmtree(staging)
        if zip_tmp is not None and zip_tmp.exists():
            zip_tmp.unlink()


# --------------------------------------------------------------------------- command line


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m staff.release",
        description="Write the student version of the assignment (solutions cut out) and its zip.",
    )
    parser.add_argument("outdir", nargs="?", help="folder for the student tree (outside the source)")
    parser.add_argument("--source", default=str(DEFAULT_SOURCE),
                        help="solution tree (default: the repository of this package)")
    parser.add_argument("--check", action="store_true",
                        help="only validate the markers of the source tree; write nothing")
    parser.add_argument("--force", action="store_true",
                        help="replace a non-empty OUTDIR and an existing zip")
    parser.add_argument("--include-untracked", action="store_true",
                        help="also release files git does not track yet (but does not ignore)")
    parser.add_argument("--zip", dest="zip_path", help="zip path (default: OUTDIR.zip next to OUTDIR)")
    parser.add_argument("--no-zip", action="store_true", help="do not write the zip")
    parser.add_argument("--colab-url", default=COLAB_URL,
                        help="Colab address of the student version, for the notebooks' 'Open in "
                             "Colab' badges, e.g. https://colab.research.google.com/github/ORG/REPO"
                             "/blob/main (default: COLAB_URL in staff/release.py; '' for none)")
    parser.add_argument("--zip-root", default=DEFAULT_ZIP_ROOT,
                        help=f"folder of the zip's entries (default: {DEFAULT_ZIP_ROOT})")
    args = parser.parse_args(argv)
    if not args.check and not args.outdir:
        parser.error("OUTDIR is required (or use --check)")
    if args.check and args.outdir:
        parser.error("--check writes nothing: give no OUTDIR")

    try:
        if args.check:
            release = build_release(args.source, args.include_untracked)
            print(f"markers OK: {release.num_regions} regions in {len(release.regions)} files")
            return 0
        outdir = Path(args.outdir).resolve()
        zip_path = None
        if not args.no_zip:
            zip_path = Path(args.zip_path) if args.zip_path else outdir.with_name(outdir.name + ".zip")
        check_outdir(args.source, outdir, zip_path, args.force)
        release = build_release(args.source, args.include_untracked, args.colab_url)
        write_release(release, outdir, zip_path, args.zip_root)
    except ReleaseError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {len(release.files)} files to {outdir} ({release.num_regions} regions cut out of "
        f"{len(release.regions)} files)" + (f" and {zip_path}" if zip_path else "")
    )
    if not args.colab_url:
        print("no 'Open in Colab' badges: no --colab-url (nor COLAB_URL in staff/release.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
