"""Run pytest on a grading tree in an isolated, limited subprocess.

Isolation, as far as the OS allows:
- a temporary folder holds the tree, HOME and TMPDIR; it is removed afterwards;
- the environment is scrubbed (a fixed PATH, HOME, TMPDIR, PYTHONPATH, one BLAS thread,
  no plugin autoload, no proxies);
- limits through ``prlimit``: address space, file size (so output cannot fill the disk),
  CPU time, no core files; wall time per test (pytest-timeout, and a watchdog here in
  case the test masks the signal or is stuck in C code) and in all;
- run as root, the tests run as ``nobody`` (``setpriv``) in new network and PID
  namespaces (``unshare``): no network, and no process outlives the run. Run as another
  user, ``unshare --user`` gives the same namespaces when the kernel allows it; otherwise
  only the limits and the Python-level network block of the plugin remain.

A run that dies or is killed while a test runs is started again without that test
(at most ``max_restarts`` times), so one hostile test costs only its own points.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    per_test_seconds: float = 20.0
    total_seconds: float = 300.0
    address_space_bytes: int = 3 * 2**30
    file_size_bytes: int = 64 * 2**20
    output_bytes: int = 64 * 1024  # kept of the run's own stdout/stderr
    max_restarts: int = 3


@functools.lru_cache(maxsize=None)
def isolation_prefix():
    """(command prefix, description) of the strongest isolation that works here."""
    candidates = []
    if os.geteuid() == 0:
        candidates.append((["unshare", "--net", "--pid", "--fork", "--kill-child", "--",
                            "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                            "--clear-groups", "--no-new-privs", "--"],
                           "user nobody, no network, own PID namespace"))
    candidates.append((["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork",
                        "--kill-child", "--"], "user namespace, no network, own PID namespace"))
    for prefix, what in candidates:
        try:
            done = subprocess.run(prefix + [sys.executable, "-c", "pass"],
                                  capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return tuple(prefix), what
    return (), "limits only (no namespaces available: network blocked in Python only)"


def _limits_prefix(limits):
    if not shutil.which("prlimit"):
        return []
    cpu = int(limits.total_seconds) + 30
    return ["prlimit", f"--as={limits.address_space_bytes}", f"--fsize={limits.file_size_bytes}",
            f"--cpu={cpu}", "--core=0", "--"]


def scrubbed_env(work, tree, extra_paths=(), cifar_dir=None):
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(tree), *map(str, extra_paths)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(work / "home" / ".mpl"),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NO_PROXY": "*",
        "no_proxy": "*",
    }
    if os.environ.get("OPENBLAS_CORETYPE"):  # the BLAS kernel the staff chose, not a secret
        env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
    if cifar_dir:
        env["CIFAR10_DIR"] = str(cifar_dir)
    return env


def _chown_tree(root, uid):
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


def _read_head(path, limit):
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return ""
    text = data[:limit].decode("utf-8", "replace")
    return text + ("\n[... output cut]" if len(data) > limit else "")


@dataclass
class Run:
    report: dict | None  # pytest-json-report's report (None if the run died)
    returncode: int
    output: str
    killed: dict  # nodeid -> why it was stopped (tests lost to a crash or a kill)
    seconds: float
    isolation: str


def run_pytest(work, tree, nodeids, limits, plugin_dir, cifar_dir=None, collect_only=False):
    """Run ``nodeids`` (or collect them) in ``tree``; ``work`` is the run's private folder."""
    work, tree = Path(work), Path(tree)
    for sub in ("home", "tmp", "out"):
        (work / sub).mkdir(exist_ok=True)
    prefix, isolation = isolation_prefix()
    as_nobody = "setpriv" in prefix
    if as_nobody:
        closed = [p for p in work.resolve().parents if not os.stat(p).st_mode & 0o001]
        if closed:
            raise RuntimeError(f"{closed[0]}: the sandbox user cannot enter this folder; "
                               "grade in a temporary folder others can traverse (tmp_root)")
        _chown_tree(work, NOBODY)
        os.chmod(work, 0o700)
    env = scrubbed_env(work, tree, [plugin_dir], cifar_dir)
    killed, pending = {}, list(nodeids)
    start = time.monotonic()
    outputs, report, returncode = [], None, 0
    for attempt in range(limits.max_restarts + 1):
        if not pending and not collect_only:
            break
        report_path = work / "out" / f"report{attempt}.json"
        progress = work / "out" / f"progress{attempt}.jsonl"
        inventory = work / "out" / "inventory.json"
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "-p", "pytest_timeout", "-p", "pytest_jsonreport.plugin", "-p", "grading_plugin",
                "-o", "addopts=", "-o", "console_output_style=classic",
                "--continue-on-collection-errors", "-rN",
                f"--timeout={limits.per_test_seconds}", "--timeout-method=signal",
                "--json-report", f"--json-report-file={report_path}",
                "--json-report-omit", "streams", "log", "warnings", "keywords",
                f"--grade-progress={progress}"]
        if collect_only:
            args += ["--collect-only", f"--grade-inventory={inventory}", *nodeids]
        else:
            # whole files, selected by marker: a file that fails to import (a student module
            # with a syntax error) then costs only its own tests
            args += ["-m", "points", *sorted({n.split("::")[0] for n in nodeids})]
            for nodeid in killed:
                args += ["--deselect", nodeid]
        stdout = work / "out" / f"stdout{attempt}.txt"
        budget = limits.total_seconds - (time.monotonic() - start)
        if budget <= 1:
            for nodeid in pending:
                killed.setdefault(nodeid, f"not run: the {limits.total_seconds:.0f} s limit "
                                          "for the whole submission was used up")
            break
        with open(stdout, "wb") as out:
            proc = subprocess.Popen(_limits_prefix(limits) + list(prefix) + args, cwd=tree,
                                    env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            returncode, culprit, why = _watch(proc, progress, limits, budget)
            _stop(proc)  # whatever the tests left running in their process group
        outputs.append(_read_head(stdout, limits.output_bytes))
        if collect_only:
            report = {"inventory": json.loads(inventory.read_text()) if inventory.exists() else None}
            break
        if report_path.exists() and culprit is None:
            report = json.loads(report_path.read_text())
            break
        # The run died or was killed: drop the test that was running and go again.
        if culprit is None:
            culprit = _running(progress)
            why = f"the test process died (exit status {returncode}): a crash, or a limit " \
                  "(memory, file size or CPU time) was reached"
        if culprit is None:  # died outside any test (collection, start-up)
            break
        killed[culprit] = why
        pending = [n for n in pending if n != culprit]
    return Run(report, returncode, "\n".join(outputs), killed, time.monotonic() - start, isolation)


def _running(progress):
    """The test that had started and not ended, from the plugin's progress file."""
    started = None
    try:
        lines = progress.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        try:
            kind, nodeid = json.loads(line)
        except ValueError:
            continue
        started = nodeid if kind == "start" else None
    return started


def _watch(proc, progress, limits, budget):
    """Wait for ``proc``; kill its process group when a test overruns its limit (with a
    grace period over pytest-timeout's own) or the run its budget. Returns (returncode,
    culprit nodeid or None, why)."""
    deadline = time.monotonic() + budget
    grace = limits.per_test_seconds * 1.5 + 5
    current, since, size = None, time.monotonic(), -1
    culprit = why = None
    while proc.poll() is None:
        time.sleep(0.1)
        try:
            new_size = progress.stat().st_size
        except OSError:
            new_size = -1
        if new_size != size:
            size = new_size
            running = _running(progress)
            if running != current:
                current, since = running, time.monotonic()
        now = time.monotonic()
        if current is not None and now - since > grace:
            culprit, why = current, (f"stopped after {limits.per_test_seconds:.0f} s (the limit "
                                     "per test): an infinite loop, or very slow code?")
        elif now > deadline:
            culprit = current
            why = (f"stopped: the whole submission's {limits.total_seconds:.0f} s limit "
                   "was reached while this test ran")
        else:
            continue
        _stop(proc)
        break
    return proc.wait(), culprit, why


def _group(pgid):
    """(pid, state) of the processes of process group ``pgid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:
            found.append((int(entry), fields[0]))
    return found


def _stop(proc):
    """Kill the run's process group and wait until none of it runs. The processes under
    the direct child go first, so that it (``unshare``, or ``prlimit`` without namespaces)
    reaps them and no orphan is left for init to collect."""
    for pid, state in _group(proc.pid):
        if pid != proc.pid and state != "Z":
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(s != "Z" for _, s in _group(proc.pid)):
        time.sleep(0.05)
