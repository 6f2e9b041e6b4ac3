"""Similarity of what students wrote, part by part: evidence for the staff, never a verdict.

    python -m staff.grade submissions/ [--reference DIR] [--no-similarity]

Only the student's own lines are compared: the regions between the course's markers, in
the ``.py`` files and in the notebooks' code cells, found with :mod:`staff.release`'s
marker parser and grouped by the parts of :mod:`.parts`. The regions of one part are
compared pairwise with copydetect's winnowed fingerprints: pygments tokenises the code and
copydetect's filter turns every identifier into ``V``, every string into ``S`` and drops
comments and spaces; numbers are made names first, so renaming variables or changing a
constant hides nothing. The fingerprints of the student version's own text (the part's
files as released: skeleton, docstrings, placeholders) are boilerplate, never evidence. A
region that still holds its placeholder (``raise NotImplementedError``, ``pass``) is empty:
it is never compared, and neither are two parts too short to hold ``min_match`` characters
of normalised code in common.

Writes ``similarity.csv`` (one row per pair whose score reaches the threshold: the part,
the two names, the score, each side's share) and ``similarity.html`` (the matched code side
by side, highlighted). A file whose markers were edited, deleted or added is listed, and
its parts are not compared for that submission (never the whole file instead); a zip that
cannot be read is listed with the reason. Nothing here changes a grade.

The work runs as tasks on any ``concurrent.futures.Executor`` (the grading's): one per
zip to read its regions, one per part to fingerprint and compare it. Fingerprints use
Python's ``hash``, which differs between processes, so one task makes all of a part's; a
part with more than PAIRS_PER_TASK pairs then has its comparisons (integers only) split
over several tasks.
"""
from __future__ import annotations

import ast
import csv
import functools
import html
import io
import json
import math
import os
import re
import textwrap
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from staff.grade.grader import editable_files
from staff.grade.parts import PARTS
from staff.grade.safezip import Refused, ZipLimits, read_submission
from staff.release import (_MARKERISH, ReleaseError, _functions, enclosing_function,
                           find_regions, split_lines)

REFERENCE = "reference:"  # prefix of a reference's name (a student's name has no ':')
PAIRS_PER_TASK = 50000
#: a number literal (made a name of the same length, so highlights stay in place)
_NUMBER = re.compile(r"(?<![\w.])(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?(?!\w)")


@dataclass(frozen=True)
class SimilarityConfig:
    threshold: float = 0.5  # a pair is listed when each side's share of matched code reaches it
    min_match: int = 50  # ... and at least this many characters of normalised code match
    #: copydetect's noise threshold, the k of its k-grams, in normalised characters (about a
    #: statement: 20 rather than its default 25 so that swapped statements still match)
    noise: int = 20
    guarantee: int = 20  # copydetect's guarantee threshold (window = guarantee - noise + 1)
    reference: Path | None = None  # a folder of known outside solutions (trees or zips)
    max_shown: int = 300  # pairs shown on the page (all of them are in the csv)


@dataclass
class Match:
    part: str
    a: str
    b: str
    shares: tuple  # of a's and of b's normalised code that matches
    overlap: int  # normalised characters matched
    texts: tuple = field(repr=False)
    slices: tuple = field(repr=False)

    @property
    def score(self):
        """The smaller share: how much of each side is matched (a long part is not flagged
        for one common line of a short one)."""
        return min(self.shares)


@dataclass
class Report:
    matches: list
    not_compared: list  # (name, reason): an unreadable zip, edited markers, a missing file
    compared: dict  # part -> (submissions with code in it, pairs compared)
    seconds: float = 0.0


# ----------------------------------------------------------------------------- regions


def _file_regions(rel, text):
    """The code of each region of a .py file or notebook (JSON text), dedented, in order;
    :class:`ReleaseError` or ValueError when its markers are not the course's."""
    if rel.endswith(".py"):
        sources = [text]
    else:
        nb = json.loads(text)
        sources = [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                   for c in nb["cells"] if c.get("cell_type") == "code"]
    codes = []
    for index, source in enumerate(sources):
        if not _MARKERISH.search(source):  # no marker, not even an edited one: no region
            continue
        lines = split_lines(source)
        where = lambda line, index=index: f"{rel}:cell[{index}]:{line}" if len(sources) > 1 \
            else f"{rel}:{line}"  # noqa: E731
        for region in find_regions(source, where):
            codes.append(textwrap.dedent("".join(lines[region.start:region.end - 1])))
    return codes


def _py_keys(text, rel):
    """The keys of a released .py file's regions (``path:Function:k``, as parts.py has them)."""
    functions, keys, seen = _functions(ast.parse(text)), [], {}
    for region in find_regions(text, lambda line: rel):
        owner = enclosing_function(functions, region)
        name = owner[3] if owner else "<module>"
        seen[name] = seen.get(name, 0) + 1
        keys.append(f"{rel}:{name}:{seen[name]}")
    return keys


@dataclass(frozen=True)
class Layout:
    """Where the regions are in the student version: file -> region keys; and each part's
    boilerplate (its files as released)."""
    keys: dict
    boilerplate: dict


def layout(student_version):
    root = Path(student_version)
    keys, texts = {}, {}
    for rel in editable_files(root):
        if not rel.endswith((".py", ".ipynb")) or not (root / rel).is_file():
            continue
        text = (root / rel).read_text(encoding="utf-8")
        if rel.endswith(".py"):
            keys[rel], texts[rel] = _py_keys(text, rel), text
        else:
            keys[rel] = [f"{rel}#{k + 1}" for k in range(len(_file_regions(rel, text)))]
            texts[rel] = "\n".join(c["source"] if isinstance(c["source"], str) else
                                   "".join(c["source"]) for c in json.loads(text)["cells"]
                                   if c.get("cell_type") == "code")
    boilerplate = {part.name: [texts[rel] for rel in texts
                               if any(k in part.regions for k in keys[rel])] for part in PARTS}
    return Layout(keys=keys, boilerplate=boilerplate)


def read_regions(files, layout_keys):
    """({region key: code}, [problem]) of one submission ({relative path: bytes});
    ``layout_keys``: :attr:`Layout.keys`."""
    regions, problems = {}, []
    for rel, keys in layout_keys.items():
        if not keys:
            continue
        if rel not in files:
            problems.append(f"{rel}: not found")
            continue
        try:
            codes = _file_regions(rel, files[rel].decode("utf-8"))
        except ReleaseError as exc:
            first = re.sub(r"(malformed marker line '.*'): a marker must.*", r"\1", exc.errors[0])
            problems.append(f"markers edited: {first}"
                            + (f" (and {len(exc.errors) - 1} more)" if len(exc.errors) > 1 else ""))
            continue
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{rel}: unreadable ({type(exc).__name__}: {exc})")
            continue
        if len(codes) != len(keys):
            problems.append(f"{rel}: {len(codes)} regions where the student version has "
                            f"{len(keys)} (markers deleted or added)")
            continue
        regions.update(zip(keys, codes))
    return regions, problems


def is_skeleton(code):
    """Is this region's code only the placeholder: ``pass``, ``raise NotImplementedError``,
    ``...``, strings and comments?"""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False

    def placeholder(node):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
        return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr)
                                             and isinstance(node.value, ast.Constant))
    return all(placeholder(node) for node in body)


def documents(regions):
    """{part name: the code of its written regions, each under a ``# key`` line}; a part
    whose regions are all placeholders, or one of them missing, has no document."""
    docs = {}
    for part in PARTS:
        if any(key not in regions for key in part.regions):
            continue
        written = [f"# {key}\n{regions[key]}" for key in part.regions if not is_skeleton(regions[key])]
        if written:
            docs[part.name] = "\n".join(code.rstrip("\n") + "\n" for code in written)
    return docs


# ----------------------------------------------------------------------------- comparing


def _fingerprint(text, k, window, boilerplate=None):
    normalised = _NUMBER.sub(lambda m: "n" + "_" * (len(m.group()) - 1), text)
    found = CodeFingerprint("region.py", k, window, boilerplate, fp=io.StringIO(normalised),
                            language="python")
    # plain ints, no copy of the code: NumPy scalars would make sending it to a worker
    # (pickling) cost more than comparing it
    found.hash_idx = {int(h): [int(i) for i in idx] for h, idx in found.hash_idx.items()}
    found.hashes = set(found.hash_idx)
    found.raw_code = None
    return found


@functools.lru_cache(maxsize=64)
def _boilerplate(text, k):
    """Every fingerprint of a file of the student version (hashed in this process)."""
    return _fingerprint(text, k, 1).hashes


def fingerprint_part(texts, boilerplate, k, window):
    """Fingerprints of one part's documents, made in one process (so their hashes agree)."""
    skeleton = set().union(*(_boilerplate(text, k) for text in boilerplate))
    hashes = np.unique(np.array(sorted(skeleton), dtype=np.int64))
    return [_fingerprint(text, k, window, hashes) for text in texts]


def compare_rows(fingerprints, rows, students, threshold, min_match):
    """Compare each document of ``rows`` with every later one (references, which come after
    the ``students`` first documents, are not compared with each other). Returns (pairs
    compared, [(i, j, overlap, shares, slices)] of the pairs that reach the threshold)."""
    found, count = [], 0
    for i in rows:
        for j in range(i + 1, len(fingerprints)):
            count += 1
            if not fingerprints[i].hashes & fingerprints[j].hashes:
                continue
            overlap, shares, slices = compare_files(fingerprints[i], fingerprints[j])
            if overlap >= min_match and min(shares) >= threshold:
                found.append((i, j, int(overlap), tuple(float(s) for s in shares), slices))
    return count, found


class _Inline:
    """An executor that runs each task at once, in this process."""

    def submit(self, fn, *args):
        future = Future()
        future.set_result(fn(*args))
        return future


def fingerprint_and_compare(texts, boilerplate, k, window, students, threshold, min_match):
    """Both steps in one task, for a part whose pairs fit in one: only the pairs found
    leave the worker (sending fingerprints costs more than making them)."""
    fingerprints = fingerprint_part(texts, boilerplate, k, window)
    return compare_rows(fingerprints, range(students), students, threshold, min_match)


def compare(docs, boilerplate, options, executor=None, students=None, progress=None):
    """Pairwise matches of ``docs`` ({part: [(name, text)]}, students first then
    references; ``students``: {part: how many students}). Returns (matches, compared).

    A part of up to PAIRS_PER_TASK pairs is one task; a larger one is fingerprinted by one
    task, then compared by several (rows b, b + blocks, ...: blocks of about equal work)."""
    executor = executor or _Inline()
    window = options.guarantee - options.noise + 1
    limits = (options.threshold, options.min_match)
    pending, compared = {}, {}
    for part, items in docs.items():
        if len(items) < 2:
            continue
        n = students[part]
        pairs = n * (n - 1) // 2 + n * (len(items) - n)
        blocks = max(1, min(n, math.ceil(pairs / PAIRS_PER_TASK)))
        compared[part] = [len(items), 0, 0, blocks]  # documents, pairs, listed, tasks
        task = ([text for _, text in items], boilerplate.get(part, []), options.noise, window)
        if blocks == 1:
            pending[executor.submit(fingerprint_and_compare, *task, n, *limits)] = (part, "pairs")
        else:
            pending[executor.submit(fingerprint_part, *task)] = (part, "fingerprints")
    matches = []
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            part, kind = pending.pop(future)
            if kind == "fingerprints":
                n, blocks = students[part], compared[part][3]
                for b in range(blocks):
                    pending[executor.submit(compare_rows, future.result(), range(b, n, blocks),
                                            n, *limits)] = (part, "pairs")
                continue
            count, found = future.result()
            compared[part][1] += count
            compared[part][2] += len(found)
            compared[part][3] -= 1
            for i, j, overlap, shares, slices in found:
                (a, text_a), (b, text_b) = docs[part][i], docs[part][j]
                matches.append(Match(part, a, b, shares, overlap, (text_a, text_b), slices))
            if progress and not compared[part][3]:
                n, pairs, listed, _ = compared[part]
                progress(f"similarity: {part}: {n} with code, {pairs:,} pairs, {listed} listed")
    matches.sort(key=lambda m: (-m.score, m.part, m.a, m.b))
    return matches, {part: tuple(v[:2]) for part, v in compared.items()}


# ----------------------------------------------------------------------------- a class


def read_documents(path, layout_keys, zip_limits=ZipLimits()):
    """({part: document}, [problem]) of a submission zip or a solved tree (one task)."""
    path = Path(path)
    if path.is_dir():
        files = {rel: (path / rel).read_bytes() for rel in layout_keys if (path / rel).is_file()}
    else:
        try:
            files = read_submission(path, zip_limits)
        except Refused as exc:
            return {}, [f"zip not read: {exc}"]
    regions, problems = read_regions(files, layout_keys)
    return documents(regions), problems


def _references(folder):
    """(name, path) of each solution in ``folder``: its sub-folders (trees) and zips."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"--reference {folder}: no such folder")
    return [(REFERENCE + p.stem, p) for p in sorted(folder.iterdir())
            if p.is_dir() or (p.is_file() and p.suffix == ".zip")]


def similarity_report(submissions, out_root, student_version, options=SimilarityConfig(),
                      executor=None, zip_limits=ZipLimits(), progress=print):
    """Compare the regions of ``submissions`` ([(name, zip path)]) part by part and write
    ``out_root/similarity.csv`` and ``similarity.html``. Returns the :class:`Report`."""
    start = time.monotonic()
    where = layout(student_version)
    entries = [(name, path) for name, path in submissions]
    if options.reference is not None:
        entries += _references(options.reference)
    docs, students, not_compared = {}, {}, []
    executor = executor or _Inline()
    futures = [executor.submit(read_documents, path, where.keys, zip_limits) for _, path in entries]
    for (name, _), future in zip(entries, futures):
        found, problems = future.result()
        not_compared.extend((name, problem) for problem in problems)
        for part, text in found.items():
            docs.setdefault(part, []).append((name, text))
            if not name.startswith(REFERENCE):
                students[part] = students.get(part, 0) + 1
    if progress:
        progress(f"similarity: {len(submissions)} submissions"
                 + (f" and {len(entries) - len(submissions)} references" if options.reference else "")
                 + f", {len(docs)} parts with code")
    docs = {part: items for part, items in docs.items() if students.get(part)}
    matches, compared = compare(docs, where.boilerplate, options, executor, students, progress)
    report = Report(matches, not_compared, compared, time.monotonic() - start)
    out_root = Path(out_root)
    write_csv(out_root / "similarity.csv", matches)
    write_html(out_root / "similarity.html", report, options, len(submissions))
    if progress:
        progress(f"similarity: {len(matches)} pairs at or above {options.threshold:g} "
                 f"({report.seconds:.0f} s): {out_root / 'similarity.html'}")
    return report


def _atomic_write(path, text):
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_csv(path, matches):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["part", "student_a", "student_b", "score", "share_a", "share_b",
                     "matched_chars"])
    for m in matches:
        writer.writerow([m.part, m.a, m.b, f"{m.score:.3f}", f"{m.shares[0]:.3f}",
                         f"{m.shares[1]:.3f}", m.overlap])
    _atomic_write(Path(path), buffer.getvalue())


# ----------------------------------------------------------------------------- the page

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px;
       padding: 0 1em; color: #222; }
.notice { border-left: 5px solid #c77d00; background: #fff6e0; padding: .6em 1em; margin: 1em 0; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
td, th { border-bottom: 1px solid #ddd; padding: .25em .8em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pair { border: 1px solid #ccc; border-radius: 6px; margin: 1.2em 0; }
.pair h3 { margin: 0; padding: .4em .8em; background: #f3f3f3; font-size: 15px; border-radius: 6px 6px 0 0; }
.sides { display: grid; grid-template-columns: 1fr 1fr; }
.sides > div { min-width: 0; border-top: 1px solid #ddd; }
.sides > div + div { border-left: 1px solid #ddd; }
.who { padding: .3em .8em; font-weight: 600; color: #555; }
pre { margin: 0; padding: .4em .8em .8em; overflow-x: auto; font-size: 13px; line-height: 1.4; }
mark { background: #ffd27a; border-radius: 2px; }
"""


def _code(text, slices):
    if len(slices) == 0 or np.asarray(slices).shape[-1] == 0:
        return html.escape(text)
    marked, _ = highlight_overlap(text, np.asarray(slices), "<mark>", "</mark>", escape_html=True)
    return marked


def _table(header, rows, empty):
    if not rows:
        return f"<p>{empty}</p>"
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>" + rows + "</table>"


def write_html(path, report, options, submissions):
    e = html.escape
    matches = report.matches
    shown = matches[:options.max_shown]
    rows = "".join(
        f"<tr><td><a href='#pair{k}'>{e(m.part)}</a></td><td>{e(m.a)}</td><td>{e(m.b)}</td>"
        f"<td class=num>{m.score:.2f}</td><td class=num>{m.shares[0]:.0%}</td>"
        f"<td class=num>{m.shares[1]:.0%}</td></tr>" for k, m in enumerate(shown))
    pairs = "".join(
        f"<div class=pair id='pair{k}'><h3>{e(m.part)}: {e(m.a)} and {e(m.b)}, score "
        f"{m.score:.2f}</h3><div class=sides>"
        f"<div><div class=who>{e(m.a)} ({m.shares[0]:.0%} of it matched)</div>"
        f"<pre>{_code(m.texts[0], m.slices[0])}</pre></div>"
        f"<div><div class=who>{e(m.b)} ({m.shares[1]:.0%} of it matched)</div>"
        f"<pre>{_code(m.texts[1], m.slices[1])}</pre></div></div></div>"
        for k, m in enumerate(shown))
    more = (f"<p>{len(matches) - len(shown)} more pairs are in similarity.csv.</p>"
            if len(matches) > len(shown) else "")
    problems = "".join(f"<tr><td>{e(name)}</td><td>{e(reason)}</td></tr>"
                       for name, reason in report.not_compared)
    parts = "".join(f"<tr><td>{e(part)}</td><td class=num>{n}</td><td class=num>{p}</td>"
                    f"<td class=num>{sum(m.part == part for m in matches)}</td></tr>"
                    for part, (n, p) in sorted(report.compared.items()))
    references = f", references from {e(str(options.reference))}" if options.reference else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Similarity of the submissions</title>
<style>{_CSS}</style></head><body>
<h1>Similarity of the submissions</h1>
<div class=notice><p><strong>Evidence, never a verdict.</strong> This page shows code that is
alike once names, numbers, strings and comments are set aside. Alike code can have innocent
causes (the course's hints, a common idiom, permitted collaboration, the same textbook), and a
copy can go unseen. Read the code and talk with the students before you conclude anything.</p>
<p><strong>It changes no grade:</strong> grades.csv and each student's results come from the
tests alone.</p></div>
<p>{submissions} submissions{references};
only the code between the course's markers is compared, part by part, and the student version's
own text is ignored. A pair is listed when at least {options.threshold:.0%} of each side matches
the other and the matched code is at least {options.min_match} characters long once normalised
(copydetect's winnowing, k = {options.noise}). Highlighted: the matched code. {len(matches)} pairs
listed ({report.seconds:.0f} s).</p>
<h2>Pairs</h2>
{_table(["part", "a", "b", "score", "a matched", "b matched"], rows, "No pair reaches the threshold.")}
{more}
<h2>Not compared</h2>
{_table(["submission", "why"], problems, "Every submission was read, and every marker was in place.")}
<h2>Side by side</h2>
{pairs or "<p>Nothing to show.</p>"}
<h2>Parts compared</h2>
{_table(["part", "submissions with code", "pairs compared", "pairs listed"], parts, "No part had code.")}
</body></html>
"""
    _atomic_write(Path(path), page)
