"""Gradescope's autograder: ``python -m staff.grade.gradescope autograder.zip``.

The zip holds ``setup.sh`` (installs the requirements and fetches CIFAR-10 on Gradescope's
image), ``run_autograder`` (grades ``/autograder/submission`` into
``/autograder/results/results.json``), the grading package, the hidden tests and a built
student version. ``AUTOGRADER_ROOT`` (default ``/autograder``), ``PYTHON`` and
``CIFAR10_DIR`` override the defaults, so the same scripts run in a folder laid out like
Gradescope's for testing (``SKIP_APT=1``: setup.sh leaves the system's packages alone).

``python -m staff.grade.gradescope --run ROOT`` is what ``run_autograder`` calls: the
submission folder (Gradescope has already unpacked the student's upload) is packed into a
zip again, refusing symlinks and special files, or, if it holds a single zip, that zip is
graded as it is.
"""
from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
cd "$root/source"
if [ -z "${SKIP_APT:-}" ]; then
    apt-get update && apt-get install -y python3 python3-pip python3-venv util-linux
fi
python3 -m venv "$root/venv"
"$root/venv/bin/pip" install -r requirements.txt
# CIFAR-10, for scoring the saved net (get_datasets.sh verifies the archive, with the venv's
# NumPy if it is not the official one: CIFAR10_ARCHIVE=... for a local copy)
PATH="$root/venv/bin:$PATH" student_version/get_datasets.sh
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${PYTHON:-$root/venv/bin/python}"
export CIFAR10_DIR="${CIFAR10_DIR:-$root/source/student_version/datasets/cifar-10-batches-py}"
mkdir -p "$root/results"
cd "$root/source"
exec "$python" -m staff.grade.gradescope --run "$root"
"""

#: what the grading code needs besides the standard library and the student's requirements
REQUIREMENTS_EXTRA = ("pytest-timeout", "pytest-json-report")


def _add(archive, arcname, data, mode=0o644):
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _tree_files(folder):
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path, path.relative_to(folder).as_posix()


def build_autograder(out_zip, student_version=None, source=ROOT):
    """Write ``autograder.zip``. Builds the student version from ``source`` unless one is given."""
    from staff import release

    with tempfile.TemporaryDirectory() as tmp:
        if student_version is None:
            student_version = Path(tmp) / "student_version"
            release.write_release(release.build_release(source), student_version)
        requirements = (Path(student_version) / "requirements.txt").read_text()
        requirements += "".join(f"{name}\n" for name in REQUIREMENTS_EXTRA
                                if name not in requirements)
        with zipfile.ZipFile(out_zip, "w") as archive:
            _add(archive, "setup.sh", SETUP_SH, 0o755)
            _add(archive, "run_autograder", RUN_AUTOGRADER, 0o755)
            _add(archive, "requirements.txt", requirements)
            _add(archive, "staff/__init__.py", "")
            for path, rel in _tree_files(Path(source) / "staff" / "grade"):
                _add(archive, f"staff/grade/{rel}", path.read_bytes())
            for path, rel in _tree_files(Path(source) / "staff" / "hidden_tests"):
                _add(archive, f"staff/hidden_tests/{rel}", path.read_bytes())
            for path, rel in _tree_files(student_version):
                mode = 0o755 if os.access(path, os.X_OK) else 0o644
                _add(archive, f"student_version/{rel}", path.read_bytes(), mode)
    return Path(out_zip)


def _pack_submission(folder, out_zip):
    """Zip the regular files of ``folder``; symlinks and special files are left out and
    named (the grader reports them)."""
    skipped = []
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            for name in sorted(dirnames + filenames):
                path = Path(dirpath) / name
                rel = path.relative_to(folder).as_posix()
                mode = os.lstat(path).st_mode
                if stat.S_ISDIR(mode):
                    continue
                if not stat.S_ISREG(mode):
                    skipped.append(rel)
                    continue
                archive.write(path, rel)
    return skipped


def run(root):
    from staff.grade.grader import GradeConfig, grade_submission

    root = Path(root)
    source = root / "source"
    submission, results = root / "submission", root / "results"
    cifar = os.environ.get("CIFAR10_DIR")
    config = GradeConfig(student_version=source / "student_version",
                         hidden_tests=source / "staff" / "hidden_tests",
                         cifar_dir=Path(cifar) if cifar else None)
    entries = [p for p in submission.iterdir()] if submission.is_dir() else []
    with tempfile.TemporaryDirectory() as tmp:
        if len(entries) == 1 and entries[0].suffix == ".zip" and entries[0].is_file() \
                and not entries[0].is_symlink():
            zip_path = entries[0]
            skipped = []
        else:
            zip_path = Path(tmp) / "submission.zip"
            skipped = _pack_submission(submission, zip_path)
        grade = grade_submission(zip_path, Path(tmp) / "out", config)
        if skipped:
            import json

            data = json.loads((Path(tmp) / "out" / "results.json").read_text())
            data["output"] += "\n\nLeft out (not regular files): " + ", ".join(skipped)
            (Path(tmp) / "out" / "results.json").write_text(json.dumps(data, indent=1))
        results.mkdir(parents=True, exist_ok=True)
        for name in ("results.json", "feedback.md"):
            (results / name).write_bytes((Path(tmp) / "out" / name).read_bytes())
    print(f"score {grade.score:g}" if not grade.refused else f"refused: {grade.refused}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m staff.grade.gradescope", description=__doc__)
    parser.add_argument("out", nargs="?", default="autograder.zip", help="autograder zip to write")
    parser.add_argument("--run", metavar="ROOT", help="grade ROOT/submission (run_autograder)")
    parser.add_argument("--student-version", help="a built student version to ship")
    args = parser.parse_args(argv)
    if args.run:
        return run(args.run)
    path = build_autograder(args.out, args.student_version)
    print(f"wrote {path}: upload it as the assignment's autograder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
