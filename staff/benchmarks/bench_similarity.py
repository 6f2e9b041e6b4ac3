"""Speed of the class grader's similarity report (staff/grade/similarity.py, issue #30).

    python staff/benchmarks/bench_similarity.py [--sizes 50 100 300] [--jobs 2]
                                                [--output staff/benchmarks/RESULTS-similarity.md]

Generated classes: every region of every submission is random NumPy-like code as long as the
course's own solution of that region (assignments, calls, indexing, loops, from a small
grammar and a seed per student), so that students are independent, as in a class; then
some are copies, as in a class:

- 5% of the students hand in a renamed and reordered copy of another student's code
  (staff/tests/similar_submissions.disguise): planted pairs the report must flag;
- 3% hand in the course's standard solution (staff/tests/course_solution.py) renamed and
  reordered, the way a public solution gets copied; ``--reference`` holds it, as staff would;
- 10% of the regions are left as released (placeholders).

Measured: wall time of ``similarity_report`` (reading the zips, extracting the regions,
fingerprints, every pair of every part, the csv and the page) for each class size with
``--jobs`` worker processes (a fresh ``ProcessPoolExecutor``), and for the middle size also in
one process; CPU seconds of all processes; how many planted pairs were flagged and how many
other pairs were. Not a test: nothing here asserts.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import textwrap
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from staff import release  # noqa: E402
from staff.benchmarks.common import cpu_model, loadavg, log  # noqa: E402
from staff.grade.similarity import SimilarityConfig, similarity_report  # noqa: E402
from staff.tests.course_solution import SOLUTIONS  # noqa: E402
from staff.tests.similar_submissions import disguise, write_submission  # noqa: E402

NAMES = ["a", "b", "x", "w", "out", "tmp", "acc", "grad", "prob", "mask", "s", "total", "h", "z",
         "scores", "loss", "dW", "X", "y", "W", "reg", "num", "rows", "cols", "idx", "p", "q", "u"]
FUNCS = ["np.sum", "np.mean", "np.max", "np.exp", "np.log", "np.sqrt", "np.maximum", "np.abs",
         "np.argmax", "np.clip", "np.square", "np.tanh"]
OPS = ["+", "-", "*", "/"]


KEYS = ["W1", "b1", "W2", "b2", "learning_rate", "momentum", "cache", "t"]


def _expr(rng, depth):
    """A random expression: calls, methods, operators, indexing, slicing, keys, literals."""
    pick = lambda seq: seq[rng.integers(len(seq))]  # noqa: E731
    name = pick(NAMES)
    if depth == 0 or rng.random() < 0.2:
        return pick([name, name, name, f"{rng.integers(1, 10)}", f"{rng.random():.2g}",
                     f"{name}.shape[{rng.integers(2)}]", f"len({name})"])
    sub = lambda: _expr(rng, depth - 1)  # noqa: E731
    return pick([
        lambda: f"{pick(FUNCS)}({sub()}, axis={rng.integers(2)})",
        lambda: f"{pick(FUNCS)}({sub()})",
        lambda: f"{sub()} {pick(OPS)} {sub()}",
        lambda: f"{name}.dot({sub()})",
        lambda: f"{name}[{sub()}]",
        lambda: f"{name}[:, {rng.integers(4)}]",
        lambda: f"{name}[{rng.integers(3)}:{sub()}]",
        lambda: f"{name}['{pick(KEYS)}']",
        lambda: f"({sub()}).T",
        lambda: f"{name}.{pick(['sum', 'max', 'mean'])}(axis={rng.integers(2)}, keepdims=True)",
        lambda: f"{name}.reshape({sub()}, -1)",
        lambda: f"({sub()} > {rng.integers(2)})",
        lambda: f"np.zeros_like({sub()})",
        lambda: f"np.arange({sub()})",
    ])()


def random_region(rng, lines):
    """Random code of about ``lines`` lines: assignments and now and then a loop."""
    out = []
    while len(out) < lines:
        target = NAMES[rng.integers(len(NAMES))]
        statement = f"{target} {'+=' if rng.random() < 0.2 else '='} {_expr(rng, 3)}"
        if rng.random() < 0.15 and lines - len(out) >= 3:
            out += [f"for i in range({NAMES[rng.integers(len(NAMES))]}.shape[0]):",
                    "    " + statement, "    " + f"{target}[i] = {_expr(rng, 2)}"]
        else:
            out.append(statement)
    return "\n".join(out) + "\n"


def student_code(seed):
    rng = np.random.default_rng(seed)
    return {key: random_region(rng, len(textwrap.dedent(code).strip().splitlines()))
            for key, code in SOLUTIONS.items() if rng.random() >= 0.10}


def _write(args):
    sv, kind, seed, path = args
    if kind == "standard":
        code = disguise(SOLUTIONS)
    elif kind == "copy":
        code = disguise(student_code(seed))
    else:
        code = student_code(seed)
    write_submission(sv, code, path)
    return path


def _cpu_seconds():
    """CPU time of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def make_class(folder, sv, n, pool):
    """n submissions; returns the planted pairs {(copied, copier)} and the standard's users."""
    copies = max(1, round(0.05 * n))
    standard = max(1, round(0.03 * n))
    jobs, planted, users = [], set(), set()
    for i in range(n):
        name = f"s{i:03d}"
        if i < copies:  # s000 copies s(copies) etc.
            jobs.append((sv, "copy", 1000 + copies + i, folder / f"{name}.zip"))
            planted.add((name, f"s{copies + i:03d}"))
        elif copies * 2 <= i < copies * 2 + standard:
            jobs.append((sv, "standard", 0, folder / f"{name}.zip"))
            users.add(name)
        else:
            jobs.append((sv, "own", 1000 + i, folder / f"{name}.zip"))
    list(pool.map(_write, jobs))
    return planted, users


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 300])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--output", help="write the report to this Markdown file")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="bench-similarity-"))
    lines = []
    try:
        sv = base / "student_version"
        release.write_release(release.build_release(ROOT, include_untracked=True), sv)
        refs = base / "reference"
        write_submission(sv, SOLUTIONS, base / "standard.zip")
        with zipfile.ZipFile(base / "standard.zip") as archive:
            archive.extractall(refs / "course-solution")
        load_start = loadavg()
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for n in args.sizes:
                subs = base / f"class{n}"
                subs.mkdir()
                t = time.perf_counter()
                planted, users = make_class(subs, sv, n, pool)
                log(f"{n} submissions generated in {time.perf_counter() - t:.0f} s")
                zips = [(p.stem, p) for p in sorted(subs.glob("*.zip"))]
                runs = [args.jobs]
                if n == sorted(args.sizes)[len(args.sizes) // 2]:
                    runs.append(1)
                for jobs in runs:
                    out = base / f"out{n}-{jobs}"
                    out.mkdir()
                    cpu, t = _cpu_seconds(), time.perf_counter()
                    executor = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
                    report = similarity_report(zips, out, sv, SimilarityConfig(reference=refs),
                                               executor=executor, progress=log)
                    if executor:
                        executor.shutdown()  # (its workers' CPU time is counted once they end)
                    seconds, cpu = time.perf_counter() - t, _cpu_seconds() - cpu
                    with open(out / "similarity.csv") as f:
                        rows = list(csv.DictReader(f))
                    pairs = {(r["student_a"], r["student_b"]) for r in rows}
                    found = len(planted & pairs)
                    standard = {p for p in pairs if p[1] == "reference:course-solution" or
                                set(p) <= users}
                    others = pairs - planted - standard
                    compared = sum(p for _, p in report.compared.values())
                    lines.append(f"| {n} | {jobs} | {seconds:.1f} | {cpu:.1f} | {compared:,} | "
                                 f"{found} of {len(planted)} | {len(standard)} | {len(others)} | "
                                 f"{len(rows)} | {(out / 'similarity.html').stat().st_size / 1e6:.1f} MB |")
                    log(lines[-1])
                shutil.rmtree(subs)
        load_end = loadavg()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    command = "python staff/benchmarks/bench_similarity.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    text = f"""# Similarity report (bench_similarity.py)

`{command.strip()}` ({time.strftime('%Y-%m-%d')}, {cpu_model()}, {os.cpu_count()} cores; load
average {' '.join(load_start)} at start and {' '.join(load_end)} at end: the machine was shared
with other jobs, so the times are upper bounds, and a second worker process may not shorten
them: the CPU seconds show the work, spread over the workers). Generated classes (see the script): each
student's regions are independent random code as long as the course's solution, except 5% who
copy another student (renamed and reordered: the planted pairs) and 3% who copy the course's
standard solution (renamed and reordered), which `--reference` holds; 10% of the regions are
left as released. `similarity_report` with the default settings: reading the zips, the
regions, the fingerprints, every pair of every part and the reference, the csv and the page.

| submissions | worker processes | seconds | CPU seconds (all processes) | pairs compared | planted pairs flagged | pairs of copies of the standard solution (between them or with the reference) flagged | other pairs flagged | csv rows (part-pairs) | page |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
""" + "\n".join(lines) + f"""

"Other pairs flagged": independent students whose random code happens to match in one part.
The generator's grammar is small (once normalised every name is the same `V`), so it repeats
itself more than students do: these count chance matches of this generator, not a false
positive rate of the report (test_grade_similarity.py shows the course's solution and an
independent correct one not flagged).

Target (issue #30): a class of 300 in minutes on 2 cores.
"""
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
