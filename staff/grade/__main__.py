"""python -m staff.grade SUBMISSION.zip [--out DIR]
python -m staff.grade SUBMISSIONS_FOLDER --jobs N [--out DIR] [--reference DIR] [--no-similarity]

For a folder, a similarity report of what the students wrote (similarity.csv and .html,
evidence for the staff that changes no grade) follows the grading, unless --no-similarity."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from staff.grade.grader import DEFAULT_CIFAR, GradeConfig, SetupError, grade_submission
from staff.grade.sandbox import Limits


def _student_version(path, keep):
    if path:
        return Path(path).resolve()
    from staff import release

    folder = Path(tempfile.mkdtemp(prefix="cs231n-student-version-")) / "assignment1"
    release.write_release(release.build_release(), folder)
    keep.append(folder.parent)
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m staff.grade", description=__doc__)
    parser.add_argument("submission", help="a submission zip, or a folder of them (one per student)")
    parser.add_argument("--out", help="output folder (default: results/ next to the input)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for a folder")
    parser.add_argument("--student-version", help="a built student version (default: build one "
                        "from this repository with staff.release)")
    parser.add_argument("--cifar", default=str(DEFAULT_CIFAR), help="cifar-10-batches-py folder")
    parser.add_argument("--no-similarity", action="store_true",
                        help="a folder: no similarity report (similarity.csv, similarity.html)")
    parser.add_argument("--reference", metavar="DIR",
                        help="a folder: known outside solutions (solved trees or zips) that the "
                        "similarity report compares each submission with")
    parser.add_argument("--similarity-threshold", type=float, default=None, metavar="SHARE",
                        help="list a pair when this share of each side's code matches (default 0.5)")
    parser.add_argument("--per-test-timeout", type=float, default=Limits.per_test_seconds)
    parser.add_argument("--total-timeout", type=float, default=Limits.total_seconds)
    args = parser.parse_args(argv)
    submission = Path(args.submission)
    if (args.reference or args.similarity_threshold is not None) and not submission.is_dir():
        parser.error("--reference and --similarity-threshold need a folder of submissions")
    if args.reference and not Path(args.reference).is_dir():
        parser.error(f"--reference {args.reference}: no such folder")
    temp = []
    try:
        config = GradeConfig(
            student_version=_student_version(args.student_version, temp),
            cifar_dir=Path(args.cifar),
            limits=Limits(per_test_seconds=args.per_test_timeout, total_seconds=args.total_timeout))
        if submission.is_dir():
            from staff.grade.klass import grade_class
            from staff.grade.similarity import SimilarityConfig

            similarity = None
            if not args.no_similarity:
                similarity = SimilarityConfig(reference=Path(args.reference) if args.reference else None)
                if args.similarity_threshold is not None:
                    similarity = dataclasses.replace(similarity, threshold=args.similarity_threshold)
            out = Path(args.out) if args.out else submission.parent / "results"
            table = grade_class(submission, out, config, jobs=args.jobs, similarity=similarity)
            print(f"graded {len(table)} submissions: {out / 'grades.csv'}")
            return 0
        out = Path(args.out) if args.out else submission.parent / (submission.stem + "-results")
        grade = grade_submission(submission, out, config)
    except SetupError as exc:
        print(f"grading setup error: {exc}", file=sys.stderr)
        return 2
    finally:
        import shutil

        for folder in temp:
            shutil.rmtree(folder, ignore_errors=True)
    if grade.refused:
        print(f"refused: {grade.refused}\nwrote {out}/results.json and feedback.md")
        return 3
    print(f"score {grade.score:g}; wrote {out}/results.json and {out}/feedback.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
