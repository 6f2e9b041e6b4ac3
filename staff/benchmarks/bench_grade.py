"""Speed of the grader (staff/grade, issue #13): one submission, and 20 with 2 workers.

    python staff/benchmarks/bench_grade.py [--n 20] [--jobs 2] [--output RESULTS-grade.md]
                                           [--results-md staff/benchmarks/RESULTS.md]

Submissions are the course's standard solution (staff/tests/course_solution.py) typed into
a student version built here, with a saved net of the notebook's shape (its accuracy does
not change the cost of scoring it), each with a different one of the classic mistakes
so the runs are not identical. Measured:

1. one submission, ``grade_submission`` with the graded tests already collected (what each
   worker does), median of 3; and the first one of a fresh process (collection included);
2. ``--n`` submissions one after another (one worker process), then the same with
   ``--jobs`` worker processes (``grade_class``), into fresh output folders; ``--repeats``
   such pairs, interleaved, and the median ratio.

Targets: (1) <= 60 s; (2) >= 1.6x faster with 2 workers. Not a test: nothing here asserts.
With ``--results-md`` the section "Grading (bench_grade.py)" of that file is replaced (or
added at its end); nothing else in the file is touched.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from staff import release  # noqa: E402
from staff.benchmarks.common import cpu_model, loadavg, log  # noqa: E402
from staff.grade.grader import GradeConfig, editable_files, grade_submission, prepare  # noqa: E402
from staff.grade.klass import grade_class  # noqa: E402
from staff.tests.course_solution import SOLUTIONS  # noqa: E402
from staff.tests.student_tree import fill  # noqa: E402

SECTION = "## Grading (bench_grade.py)"
NN = "cs231n/classifiers/neural_net.py"
MISTAKES = [  # (region, old, new): one per submission, round robin
    (f"{NN}:TwoLayerNet.loss:2", "np.sum(correct_logprobs) / N", "np.sum(correct_logprobs)"),
    (f"{NN}:TwoLayerNet.loss:3", "dhidden[a1 <= 0] = 0", "dhidden[dhidden <= 0] = 0"),
    ("cs231n/classifiers/softmax.py:softmax_loss_vectorized:1",
     "np.sum(np.exp(scores), axis=1, keepdims=True)", "np.sum(np.exp(scores), axis=0, keepdims=True)"),
    ("cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_no_loops:1",
     "np.sqrt(", "("),
    (None, None, None),  # the solution as it is
]


def _submissions(folder, student_version, n):
    rng = np.random.default_rng(0)
    net = io.BytesIO()
    np.savez(net, W1=1e-3 * rng.standard_normal((3072, 500)).astype(np.float32),
             b1=np.zeros(500, np.float32), W2=1e-3 * rng.standard_normal((500, 10)).astype(np.float32),
             b2=np.zeros(10, np.float32))
    folder.mkdir(parents=True)
    for i in range(n):
        key, old, new = MISTAKES[i % len(MISTAKES)]
        solutions = dict(SOLUTIONS)
        if key:
            solutions[key] = solutions[key].replace(old, new)
        tree = folder / f".tree{i}"
        shutil.copytree(student_version, tree)
        fill(tree, solutions)
        with zipfile.ZipFile(folder / f"student{i:02d}.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for rel in editable_files(tree):
                if (tree / rel).is_file():
                    z.write(tree / rel, rel)
            z.writestr("notebooks/best_net.npz", net.getvalue())
        shutil.rmtree(tree)
    return sorted(folder.glob("*.zip"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="sequential/parallel pairs")
    parser.add_argument("--output", help="write the section to this Markdown file")
    parser.add_argument("--results-md", help="replace/add the section in this RESULTS.md")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    base.chmod(0o755)  # the sandbox's user must be able to enter its folders
    try:
        sv = base / "student_version"
        release.write_release(release.build_release(ROOT, include_untracked=True), sv)
        zips = _submissions(base / "subs", sv, args.n)
        tmp_root = base / "tmp"
        tmp_root.mkdir()
        config = GradeConfig(student_version=sv, tmp_root=tmp_root)
        load_start = loadavg()
        t = time.perf_counter()
        config = prepare(config)
        collect = time.perf_counter() - t
        singles = []
        for k in range(3):
            t = time.perf_counter()
            grade_submission(zips[-1], base / f"one{k}", config)
            singles.append(time.perf_counter() - t)
        log(f"one submission: {singles} s (+ {collect:.1f} s collecting once)")
        seqs, pars = [], []
        for r in range(args.repeats):  # interleaved, so both see the same machine load
            t = time.perf_counter()
            rows = grade_class(base / "subs", base / f"seq{r}", config, jobs=1, progress=None)
            seqs.append(time.perf_counter() - t)
            log(f"{args.n} sequential: {seqs[-1]:.1f} s; totals {[r['total'] for r in rows]}")
            t = time.perf_counter()
            grade_class(base / "subs", base / f"par{r}", config, jobs=args.jobs, progress=None)
            pars.append(time.perf_counter() - t)
            log(f"{args.n} with {args.jobs} workers: {pars[-1]:.1f} s")
        load_end = loadavg()
        isolation = __import__("json").loads((base / "one0" / "results.json").read_text())[
            "extra_data"]["isolation"]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    one = statistics.median(singles)
    sequential, parallel = statistics.median(seqs), statistics.median(pars)
    ratios = ", ".join(f"{s / q:.2f}x" for s, q in zip(seqs, pars))
    speedup = statistics.median([s / q for s, q in zip(seqs, pars)])
    text = f"""{SECTION}

`python staff/benchmarks/bench_grade.py --n {args.n} --jobs {args.jobs} --repeats {args.repeats}` ({time.strftime('%Y-%m-%d')}, {cpu_model()},
{os.cpu_count()} cores, load average {' '.join(load_start)} at start and {' '.join(load_end)} at end;
sandbox: {isolation}). Each submission: the course's solution with one classic mistake in
turn and a saved 500-unit net, graded with the default limits: the public and hidden graded
tests in one sandboxed pytest run, and the net scored on 1,000 CIFAR-10 test images.

| what | measured | target |
| --- | --- | --- |
| one submission (median of 3, tests already collected) | {one:.1f} s | <= 60 s |
| collecting the graded tests (once per grader process) | {collect:.1f} s | — |
| {args.n} submissions one after another (median of {args.repeats}) | {sequential:.1f} s | — |
| {args.n} submissions, {args.jobs} worker processes (median of {args.repeats}) | {parallel:.1f} s | — |
| speed-up (median of the repeats: {ratios}) | {speedup:.2f}x | >= 1.6x |
"""
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    if args.results_md:
        path = Path(args.results_md)
        current = path.read_text()
        pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
        updated = pattern.sub(lambda m: text + "\n", current) if pattern.search(current) \
            else current.rstrip("\n") + "\n\n" + text
        path.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
