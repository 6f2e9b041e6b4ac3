"""What every benchmark here shares: logging, the machine's description, and executing a
notebook while measuring its time and memory."""
from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the repository
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def loadavg():
    """The 1, 5 and 15 minute load averages, as strings."""
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[:3]
    except OSError:
        return ["?", "?", "?"]


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info():
    """CPU, cores, Python, NumPy and its BLAS (library, kernel, threads), load average."""
    import numpy as np
    from threadpoolctl import threadpool_info

    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": [f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')} kernel, "
                 f"{p.get('num_threads')} threads, {Path(p.get('filepath', '')).name})"
                 for p in threadpool_info() if p.get("user_api") == "blas"],
        "openblas_env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "loadavg_start": loadavg(),
    }


def bench_notebook(path):
    """Execute a notebook with nbconvert (into a temporary copy); time and peak RSS."""
    import psutil

    if not path.exists():
        return {"error": f"not available ({path.relative_to(ROOT)} does not exist yet)"}
    jupyter = shutil.which("jupyter") or str(Path(sys.executable).with_name("jupyter"))
    out_dir = tempfile.mkdtemp(prefix="bench_nb_")
    cmd = [jupyter, "nbconvert", "--to", "notebook", "--execute", str(path),
           "--output-dir", out_dir, "--output", "executed.ipynb",
           "--ExecutePreprocessor.timeout=-1"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak_kernel = peak_tree = peak_pss = 0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            rss = {}
            for p in procs:
                try:
                    rss[p.pid] = (p.memory_info().rss, " ".join(p.cmdline()))
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            peak_tree = max(peak_tree, sum(r for r, _ in rss.values()))
            kernel = [p for p in procs if "ipykernel" in rss.get(p.pid, (0, ""))[1]]
            for k in kernel:  # the kernel and the worker processes it starts
                try:
                    family = [k] + k.children(recursive=True)
                    total = sum(rss.get(c.pid, (0, ""))[0] for c in family)
                    peak_kernel = max(peak_kernel, total)
                    # PSS counts a page shared by n processes (the sweep's shared data) as
                    # 1/n in each, so the sum is the memory really in use; summed RSS
                    # counts shared pages once per process.
                    pss = 0
                    for c in family:
                        try:
                            pss += c.memory_full_info().pss
                        except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                            pass
                    peak_pss = max(peak_pss, pss)
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    stdout, stderr = proc.communicate()
    shutil.rmtree(out_dir, ignore_errors=True)
    if proc.returncode != 0:
        return {"error": f"nbconvert failed (exit {proc.returncode}): {stderr.strip().splitlines()[-1:]}"}
    return {"seconds": seconds, "peak_kernel_rss_mb": peak_kernel / 2**20,
            "peak_tree_rss_mb": peak_tree / 2**20, "peak_kernel_pss_mb": peak_pss / 2**20}
