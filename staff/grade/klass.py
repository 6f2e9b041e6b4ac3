"""Grade a whole class: a folder of zips (one per student, named after the student).

    python -m staff.grade submissions/ --jobs 4 [--out results/]

Writes ``results/<student>/results.json`` and ``feedback.md`` per student and one
``results/grades.csv`` (student, total, points per part). Resumable: a student's folder is
written whole (to a temporary name, then renamed) and records the hash of the zip it
graded; a re-run skips every student whose folder matches their current zip, so an
interrupted run loses nothing. ``executor=`` takes any :class:`concurrent.futures.Executor`
(a ``ProcessPoolExecutor`` by default; ``distributed.Client(...).get_executor()`` for a
Dask cluster); each task grades one zip. With ``similarity=SimilarityConfig()`` (the command
line's default) the same executor then compares what the students wrote
(:mod:`.similarity`: ``similarity.csv`` and ``similarity.html``); that changes no grade.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from staff.grade.grader import grade_submission, prepare, sha256
from staff.grade.parts import AUTOGRADED

_NAME = re.compile(r"[^\w.@+-]+")


def student_name(zip_path):
    return _NAME.sub("_", Path(zip_path).stem).strip("._") or "unnamed"


def _done(folder, digest):
    try:
        data = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        return False
    return data.get("extra_data", {}).get("submission_sha256") == digest


def grade_one(zip_path, out_root, config):
    """Grade one student's zip into ``out_root/<student>/`` atomically; returns (name, results)."""
    name = student_name(zip_path)
    out_root = Path(out_root)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out_root))
    try:
        grade_submission(zip_path, staging, config)
        final = out_root / name
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}.old.", dir=out_root))
            os.replace(final, old / "x")
            os.replace(staging, final)
            shutil.rmtree(old)
        else:
            os.replace(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return name, json.loads((final / "results.json").read_text())


def _row(name, results):
    scores = {p.name: 0.0 for p in AUTOGRADED}
    for test in results.get("tests", []):
        for tag in test.get("tags", []):
            if tag in scores:
                scores[tag] += test["score"]
    refused = not results.get("tests")
    return {"student": name, "total": results["score"],
            "status": "refused" if refused else "graded", **scores}


def write_csv(out_root, rows):
    out_root = Path(out_root)
    fields = ["student", "total", "status"] + [p.name for p in AUTOGRADED]
    tmp = out_root / ".grades.csv.tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in sorted(rows, key=lambda r: r["student"]):
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    os.replace(tmp, out_root / "grades.csv")


def grade_class(submissions, out_root, config, jobs=1, executor=None, progress=print,
                similarity=None):
    """Grade every ``*.zip`` of ``submissions`` into ``out_root``. Returns the csv rows.

    Students already graded from the same zip are skipped. ``executor`` (any
    concurrent.futures.Executor) runs the gradings; by default a ProcessPoolExecutor
    with ``jobs`` workers. ``similarity``: a :class:`.similarity.SimilarityConfig` to write
    the similarity report of every zip afterwards, on the same executor (None: no report).
    """
    submissions, out_root = Path(submissions), Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    zips = sorted(p for p in submissions.iterdir() if p.suffix == ".zip" and p.is_file())
    names = [student_name(z) for z in zips]
    if len(set(names)) != len(names):
        raise ValueError("two zips map to the same student name")
    config = prepare(config)  # collect the graded tests once, not in every worker
    rows, todo = {}, []
    for z, name in zip(zips, names):
        if _done(out_root / name, sha256(z)):
            rows[name] = _row(name, json.loads((out_root / name / "results.json").read_text()))
        else:
            todo.append(z)
    if progress:
        progress(f"{len(zips)} submissions: {len(rows)} already graded, {len(todo)} to grade")
    own = executor is None and (todo or similarity is not None)
    if own:
        executor = ProcessPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {executor.submit(grade_one, str(z), str(out_root), config): z for z in todo}
        for future in as_completed(futures):
            name, results = future.result()
            rows[name] = _row(name, results)
            write_csv(out_root, rows.values())  # after every student: nothing lost on a stop
            if progress:
                progress(f"{name}: {results['score']:g}")
        write_csv(out_root, rows.values())
        if similarity is not None:
            from staff.grade.similarity import similarity_report  # copydetect: staff only

            similarity_report(list(zip(names, zips)), out_root, config.student_version,
                              similarity, executor, config.zip_limits, progress)
    finally:
        if own:
            executor.shutdown()
    return [rows[n] for n in sorted(rows)]
