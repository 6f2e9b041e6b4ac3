"""Grade one submission: safe zip in, results.json and feedback.md out.

Only the files a student may edit (the modules with YOUR CODE regions, the notebooks and
the net the two-layer notebook saves) are taken from the zip; they are laid over a clean
copy of the student version, with the hidden tests added, in a temporary folder, so a
submission cannot change the tests or the grader. pytest runs there in the sandbox
(:mod:`staff.grade.sandbox`) and the folder is removed afterwards.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from staff.grade import report as report_mod
from staff.grade.parts import AUTOGRADED, BY_NAME
from staff.grade.safezip import Refused, ZipLimits, read_submission
from staff.grade.sandbox import Limits, run_pytest

ROOT = Path(__file__).resolve().parents[2]
#: as in staff/release.py (not imported: the Gradescope autograder ships without it)
START_MARKER = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
HIDDEN_TESTS = ROOT / "staff" / "hidden_tests"
PLUGIN = Path(__file__).resolve().parent / "plugin.py"
DEFAULT_CIFAR = ROOT / "datasets" / "cifar-10-batches-py"
#: the net two_layer_net.ipynb saves (best_net.save("best_net.npz") in notebooks/)
SAVED_NETS = ("notebooks/best_net.npz",)
#: where the graded tests are looked for in the grading tree
TEST_PATHS = ("tests", "hidden_tests")
_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", ".ipynb_checkpoints")


class SetupError(Exception):
    """The grader itself is misconfigured (staff's problem, not the student's)."""


@dataclass(frozen=True)
class GradeConfig:
    student_version: Path  # a clean student version (python -m staff.release OUTDIR)
    hidden_tests: Path = HIDDEN_TESTS
    cifar_dir: Path | None = DEFAULT_CIFAR
    limits: Limits = Limits()
    zip_limits: ZipLimits = ZipLimits()
    tmp_root: Path | None = None  # where the temporary grading folders go
    inventory: tuple | None = field(default=None, compare=False)  # set by prepare()


def editable_files(student_version):
    """The relative paths a submission may replace: modules with regions, notebooks, nets."""
    root = Path(student_version)
    files = {p.relative_to(root).as_posix() for p in (root / "cs231n").rglob("*.py")
             if START_MARKER in p.read_text(errors="replace")}
    files |= {p.relative_to(root).as_posix() for p in (root / "notebooks").glob("*.ipynb")}
    return sorted(files | set(SAVED_NETS))


def _lay_out(config, work, files=None):
    tree = work / "tree"
    shutil.copytree(config.student_version, tree, ignore=_IGNORE)
    for rel, data in (files or {}).items():
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)
    shutil.copytree(config.hidden_tests, tree / "hidden_tests", ignore=_IGNORE)
    plugin_dir = work / "grading"
    plugin_dir.mkdir()
    shutil.copyfile(PLUGIN, plugin_dir / "grading_plugin.py")
    return tree, plugin_dir


def _differs(path, data):
    try:
        return not path.is_file() or path.read_bytes() != data
    except OSError:
        return True


def _tmp(config):
    return Path(tempfile.mkdtemp(prefix="cs231n-grade-", dir=config.tmp_root))


@functools.lru_cache(maxsize=8)
def _inventory(config):
    work = _tmp(config)
    try:
        tree, plugin_dir = _lay_out(config, work)
        run = run_pytest(work, tree, ["-m", "points", *TEST_PATHS], config.limits, plugin_dir,
                         config.cifar_dir, collect_only=True)
        items = run.report and run.report.get("inventory")
        if not items:
            raise SetupError(f"collecting the graded tests failed:\n{run.output[-4000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    check_inventory(items)
    return tuple(items)


def check_inventory(items):
    """Every graded test names a known part, and each part's tests add up to its points."""
    problems, sums = [], defaultdict(float)
    for item in items:
        if item["part"] not in BY_NAME:
            problems.append(f"{item['nodeid']}: unknown part {item['part']!r}")
        elif BY_NAME[item["part"]].manual:
            problems.append(f"{item['nodeid']}: part {item['part']!r} is graded by hand")
        sums[item["part"]] += item["points"]
    for part in AUTOGRADED:
        if abs(sums.get(part.name, 0.0) - part.points) > 1e-9:
            problems.append(f"part {part.name!r}: its tests carry {sums.get(part.name, 0):g} "
                            f"points, the table in staff/grade/parts.py says {part.points}")
    if problems:
        raise SetupError("\n".join(problems))


def prepare(config):
    """``config`` with its inventory of graded tests (collected once, then reused)."""
    if config.inventory is not None:
        return config
    if config.cifar_dir is None or not (Path(config.cifar_dir) / "test_batch").is_file():
        raise SetupError(f"CIFAR-10 not found in {config.cifar_dir}: the saved nets cannot be "
                         "scored (run ./get_datasets.sh or pass its folder)")
    return dataclasses.replace(config, inventory=_inventory(config))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def grade_submission(zip_path, out_dir, config):
    """Grade ``zip_path`` into ``out_dir`` (results.json, feedback.md). Returns the Grade."""
    config = prepare(config)
    out_dir = Path(out_dir)
    start = time.monotonic()
    extra = {"submission_sha256": sha256(zip_path) if Path(zip_path).is_file() else None}
    try:
        if not Path(zip_path).is_file():
            raise Refused(f"{Path(zip_path).name}: no such file")
        files = read_submission(zip_path, config.zip_limits)
    except Refused as exc:
        grade = report_mod.Grade(tests=[], refused=str(exc))
        report_mod.write_outputs(grade, out_dir, time.monotonic() - start, extra)
        return grade
    allowed = set(editable_files(config.student_version))
    taken = {rel: data for rel, data in files.items() if rel in allowed}
    # files the student may not change: ignored; named in the feedback if they differ
    ignored = sorted(rel for rel in set(files) - allowed
                     if _differs(Path(config.student_version) / rel, files[rel]))
    notes = []
    if not any(rel.endswith(".py") for rel in taken):
        notes.append("The zip holds none of the modules you complete (cs231n/...): did you "
                     "zip the right folder?")
    if ignored:
        shown = ", ".join(ignored[:15]) + (f" and {len(ignored) - 15} more" if len(ignored) > 15 else "")
        notes.append(f"Ignored: {shown}. Only the files with YOUR CODE regions, the notebooks "
                     "and notebooks/best_net.npz are graded; the grader uses its own copies of "
                     "everything else (tests included).")
    work = _tmp(config)
    try:
        tree, plugin_dir = _lay_out(config, work, taken)
        nodeids = [item["nodeid"] for item in config.inventory]
        run = run_pytest(work, tree, nodeids, config.limits, plugin_dir, config.cifar_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    grade = report_mod.grade_from_report(config.inventory, run.report, run.killed)
    grade.notes = notes
    if run.report is None and not run.killed:
        grade.notes.append("The test run stopped before it finished: tests not reached score 0.")
    extra.update(isolation=run.isolation, seconds=round(run.seconds, 1))
    report_mod.write_outputs(grade, out_dir, time.monotonic() - start, extra)
    # for the staff: pytest's own output (not for students: it may quote hidden tests)
    (out_dir / "grading.log").write_text(run.output)
    return grade
