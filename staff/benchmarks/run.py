"""Benchmarks of cs231n-twolayer against its peers, in one run; writes staff/benchmarks/RESULTS.md.

    pip install -r staff/benchmarks/requirements.txt
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python staff/benchmarks/run.py

Measured on real CIFAR-10 (49,000 training images, batch 200, the same iterations and data
for every contender):

1. training throughput (samples/s) of TwoLayerNet float64 and float32 at hidden 50 and 500,
   PyTorch CPU float32 (Linear-ReLU-Linear, torch.optim.SGD, 2 threads) and scikit-learn's
   MLPClassifier (sgd, no momentum, partial_fit on minibatches, float32);
2. the fraction of NumPy's float32 matrix-multiply rate that TwoLayerNet training reaches;
3. a 6-configuration sweep, sequential (2 BLAS threads) against parallel (2 workers);
4. time and peak memory of executing notebooks/two_layer_net.ipynb;
5. one slider retrain of the interactive explorer (benchmarks/bench_widget.py).

Throughput figures are medians of repeated runs, interleaved (repeat 1 of every contender,
then repeat 2, ...) so that load from other processes hits all of them alike; the ratios
are within this one run. Not part of the test suite (no test_ prefix).
"""
from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import ROOT, bench_notebook, loadavg, log  # noqa: E402
from common import machine_info as common_machine_info  # noqa: E402

BATCH = 200
LEARNING_RATE = 1e-4  # the course's first net: lr 1e-4, reg 0.25, std 1e-4
REG = 0.25
STD = 1e-4
NUM_CLASSES = 10
SECTIONS = ("throughput", "sweep", "widget", "notebook")
TARGETS = {"torch": 1.0, "sklearn": 1.6, "gemm": 0.5, "sweep": 1.3, "widget_s": 2.0}


def median(xs):
    return statistics.median(xs)


# ----------------------------------------------------------------------------- machine

W1_STEP = {True: "one GEMM call into NumPy's OpenBLAS (cs231n.tools.fast.gemm)",
           False: "NumPy fallback (no directly callable BLAS found)"}


def machine_info():
    from cs231n.tools.fast.gemm import uses_blas_gemm

    info = common_machine_info()
    info["w1_step"] = W1_STEP[uses_blas_gemm(np.float32)]
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_blas"] = ("MKL" if torch.backends.mkl.is_available() else "no MKL") + \
            (", oneDNN" if torch.backends.mkldnn.is_available() else "")
    except ImportError:
        info["torch"] = None
    try:
        import sklearn

        info["sklearn"] = sklearn.__version__
    except ImportError:
        info["sklearn"] = None
    return info


# ----------------------------------------------------------------------------- contenders
# Each contender is set up once (warm-up included) and then called as run(num_iters, rep),
# which trains num_iters minibatch SGD steps of batch 200 on the same training set.

def init_weights(hidden, dtype, seed=0):
    """The same initial weights for every contender: std * N(0, 1), zero biases."""
    rng = np.random.default_rng(seed)
    return {
        "W1": (STD * rng.standard_normal((3072, hidden))).astype(dtype),
        "b1": np.zeros(hidden, dtype=dtype),
        "W2": (STD * rng.standard_normal((hidden, NUM_CLASSES))).astype(dtype),
        "b2": np.zeros(NUM_CLASSES, dtype=dtype),
    }


def twolayer_contender(data, hidden, dtype, plain=False):
    """TwoLayerNet through the staff's fast path (what the tools use in this tree), or with
    ``plain=True`` through ``net.train``: the course's code, which students write."""
    from cs231n.classifiers import TwoLayerNet
    from cs231n.tools.training import train_net

    X, y, X_val, y_val = (data[k] for k in ("X_train", "y_train", "X_val", "y_val"))
    if X.dtype != dtype:
        X, X_val = X.astype(dtype), X_val.astype(dtype)
    net = TwoLayerNet(3072, hidden, NUM_CLASSES, std=STD, seed=0, dtype=dtype)
    net.params = init_weights(hidden, dtype)

    def run(num_iters, rep):
        train = (lambda *a, **k: net.train(*a, **k)) if plain else \
            (lambda *a, **k: train_net(net, *a, **k))
        history = train(X, y, X_val, y_val, learning_rate=LEARNING_RATE, reg=REG,
                        num_iters=num_iters, batch_size=BATCH, seed=rep)
        if history["diverged_at"] is not None:
            raise RuntimeError(history["message"])

    return run


def torch_contender(data, hidden):
    import torch
    from torch import nn

    torch.set_num_threads(2)
    X = torch.from_numpy(data["X_train"])  # float32, shares memory with the NumPy array
    y = torch.from_numpy(data["y_train"])
    model = nn.Sequential(nn.Linear(3072, hidden), nn.ReLU(), nn.Linear(hidden, NUM_CLASSES))
    w = init_weights(hidden, np.float32)
    with torch.no_grad():  # nn.Linear stores W transposed: (out, in)
        model[0].weight.copy_(torch.from_numpy(w["W1"].T.copy()))
        model[0].bias.zero_()
        model[2].weight.copy_(torch.from_numpy(w["W2"].T.copy()))
        model[2].bias.zero_()
    # weight_decay=reg adds reg * W to the gradient: the 0.5 * reg * ||W||^2 convention;
    # biases are not regularised, as in TwoLayerNet.
    opt = torch.optim.SGD([
        {"params": [model[0].weight, model[2].weight], "weight_decay": REG},
        {"params": [model[0].bias, model[2].bias], "weight_decay": 0.0},
    ], lr=LEARNING_RATE, momentum=0.0)

    def run(num_iters, rep):
        rng = np.random.default_rng(rep)
        for _ in range(num_iters):
            idx = torch.from_numpy(rng.integers(X.shape[0], size=BATCH))
            xb, yb = X.index_select(0, idx), y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            if not np.isfinite(loss.item()):  # TwoLayerNet checks every loss too
                raise RuntimeError("torch diverged")

    return run


def sklearn_contender(data, hidden):
    from sklearn.neural_network import MLPClassifier

    X, y = data["X_train"], data["y_train"]
    # sklearn's penalty is 0.5 * alpha * ||W||^2 / batch_size, so alpha = reg * batch_size
    # gives the same gradient reg * W as TwoLayerNet.
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", solver="sgd",
                        alpha=REG * BATCH, batch_size=BATCH, learning_rate="constant",
                        learning_rate_init=LEARNING_RATE, momentum=0.0, nesterovs_momentum=False,
                        shuffle=False, random_state=0)
    clf.partial_fit(X[:BATCH], y[:BATCH], classes=np.arange(NUM_CLASSES))  # allocates the layers
    w = init_weights(hidden, np.float32)
    clf.coefs_ = [w["W1"], w["W2"]]
    clf.intercepts_ = [w["b1"], w["b2"]]

    def run(num_iters, rep):
        rng = np.random.default_rng(rep)
        for _ in range(num_iters):
            idx = rng.integers(X.shape[0], size=BATCH)
            clf.partial_fit(X[idx], y[idx])
        assert clf.coefs_[0].dtype == np.float32

    return run


def bench_throughput(data, hidden_sizes, iters, repeats, warmup):
    """Per contender: T(iters) and T(1) of each repeat, interleaved across contenders.

    A TwoLayerNet.train call starts with a fixed cost independent of the iterations (it
    checks that all 49,000 x 3,072 inputs are finite); the steady-state rate
    (iters - 1) * B / (median T(iters) - median T(1)) leaves it out, the end-to-end rate iters * B / T(iters)
    keeps it. The ratios use the steady state, the per-step cost that a long run pays.
    """
    contenders = {}
    for hidden in hidden_sizes:
        contenders[f"TwoLayerNet float64, H={hidden}"] = twolayer_contender(data, hidden, np.float64)
        contenders[f"TwoLayerNet float32, H={hidden}"] = twolayer_contender(data, hidden, np.float32)
        contenders[f"TwoLayerNet.train (course code) float32, H={hidden}"] = twolayer_contender(
            data, hidden, np.float32, plain=True)
        try:
            contenders[f"PyTorch float32, H={hidden}"] = torch_contender(data, hidden)
        except ImportError as e:
            log(f"PyTorch not available: {e}")
        try:
            contenders[f"scikit-learn float32, H={hidden}"] = sklearn_contender(data, hidden)
        except ImportError as e:
            log(f"scikit-learn not available: {e}")
    for name, run in contenders.items():
        log(f"warm-up {name}")
        run(warmup, 1000)
    full = {name: [] for name in contenders}
    one = {name: [] for name in contenders}
    for rep in range(repeats):
        for name, run in contenders.items():
            time.sleep(0.2)  # let the previous contender's spinning BLAS/OpenMP threads sleep
            start = time.perf_counter()
            run(iters, rep)
            full[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            run(1, rep)
            one[name].append(time.perf_counter() - start)
        log(f"repeat {rep + 1}/{repeats}: " + ", ".join(
            f"{n} {1e3 * t[-1] / iters:.1f} ms/step" for n, t in full.items()))
    results = {}
    for name in contenders:
        step = (median(full[name]) - median(one[name])) / (iters - 1) if iters > 1 else median(full[name])
        results[name] = {
            "seconds": full[name],
            "one_step_call_s": median(one[name]),
            "step_s": step,
            "samples_per_s": BATCH / step,
            "end_to_end_samples_per_s": iters * BATCH / median(full[name]),
        }
    return results


# ----------------------------------------------------------------------------- GEMM rate

def training_flops(B, D, H, C):
    """FLOPs of one SGD step: forward, weight gradients and dhidden (no input gradient)."""
    return 2 * B * (D * H + H * C) + 2 * B * (D * H + H * C) + 2 * B * H * C


def bench_gemm(hidden, reps=30):
    """Rate of the very matrix products of one float32 training step, done back to back."""
    rng = np.random.default_rng(0)
    B, D, H, C = BATCH, 3072, hidden, NUM_CLASSES
    f32 = np.float32
    X = rng.standard_normal((B, D)).astype(f32)
    W1 = rng.standard_normal((D, H)).astype(f32)
    W2 = rng.standard_normal((H, C)).astype(f32)
    h = rng.standard_normal((B, H)).astype(f32)
    ds = rng.standard_normal((B, C)).astype(f32)
    out = {"h": np.empty((B, H), f32), "s": np.empty((B, C), f32), "dW1": np.empty((D, H), f32),
           "dW2": np.empty((H, C), f32), "dh": np.empty((B, H), f32)}
    products = {
        f"X @ W1 ({B}x{D} @ {D}x{H})": (lambda: np.matmul(X, W1, out=out["h"]), 2 * B * D * H),
        f"X.T @ dhidden ({D}x{B} @ {B}x{H})": (lambda: np.matmul(X.T, h, out=out["dW1"]), 2 * B * D * H),
        f"hidden @ W2 ({B}x{H} @ {H}x{C})": (lambda: np.matmul(h, W2, out=out["s"]), 2 * B * H * C),
        f"hidden.T @ dscores ({H}x{B} @ {B}x{C})":
            (lambda: np.matmul(h.T, ds, out=out["dW2"]), 2 * B * H * C),
        f"dscores @ W2.T ({B}x{C} @ {C}x{H})":
            (lambda: np.matmul(ds, W2.T, out=out["dh"]), 2 * B * H * C),
    }
    results = {}
    for name, (fn, flops) in products.items():
        for _ in range(3):
            fn()
        ts = []
        for _ in range(reps):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
        results[name] = {"seconds": median(ts), "gflops": flops / median(ts) / 1e9, "flops": flops}
    total_flops = sum(r["flops"] for r in results.values())
    total_time = sum(r["seconds"] for r in results.values())
    assert total_flops == training_flops(B, D, H, C)
    return {"products": results, "step_gemm_seconds": total_time,
            "gflops": total_flops / total_time / 1e9}


# ----------------------------------------------------------------------------- sweep

SWEEP_GRID = {"learning_rate": [5e-4, 1e-3, 2e-3], "hidden_size": [50, 100]}
SWEEP_FIXED = {"num_iters": 1000, "reg": 0.25}  # the course's first net: 1000 iterations


def bench_sweep(data, repeats, quick=False):
    from threadpoolctl import threadpool_limits

    from cs231n.tools.sweep import run_sweep

    fixed = dict(SWEEP_FIXED, num_iters=20) if quick else SWEEP_FIXED
    times = {"sequential": [], "sequential_deterministic": [], "parallel": []}
    records = {}
    for rep in range(repeats):
        with threadpool_limits(limits=2, user_api="blas"):
            start = time.perf_counter()
            seq = run_sweep(data, SWEEP_GRID, n_jobs=1, blas_threads=None, progress=False,
                            **fixed)
            times["sequential"].append(time.perf_counter() - start)
            time.sleep(0.5)
            start = time.perf_counter()
            det = run_sweep(data, SWEEP_GRID, n_jobs=1, progress=False, **fixed)
            times["sequential_deterministic"].append(time.perf_counter() - start)
        time.sleep(0.5)
        start = time.perf_counter()
        par = run_sweep(data, SWEEP_GRID, n_jobs=2, progress=False, **fixed)
        times["parallel"].append(time.perf_counter() - start)
        log(f"sweep repeat {rep + 1}/{repeats}: sequential {times['sequential'][-1]:.1f} s, "
            f"parallel {times['parallel'][-1]:.1f} s")
        records = {"sequential": seq.records, "deterministic": det.records,
                   "parallel": par.records}
    strip = {name: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]
             for name, rs in records.items()}
    return {
        "sequential_s": median(times["sequential"]),
        "sequential_deterministic_s": median(times["sequential_deterministic"]),
        "same_records_deterministic": strip["deterministic"] == strip["parallel"],
        "parallel_s": median(times["parallel"]),
        "times": times,
        "same_records": strip["sequential"] == strip["parallel"],
        "train_seconds_sum": sum(r["seconds"] for r in records["sequential"]),
        "ideal_parallel_s": ideal_makespan([r["seconds"] for r in records["deterministic"]]),
        "fixed": fixed,
    }


def ideal_makespan(seconds, workers=2):
    """The shortest wall time of these tasks on ``workers`` workers with no overhead: the
    longest worker's share in the best split (all splits tried: a sweep has few tasks)."""
    return min(max(sum(s for s, w in zip(seconds, split) if w == k) for k in range(workers))
               for split in itertools.product(range(workers), repeat=len(seconds)))


# ----------------------------------------------------------------------------- notebook

# ----------------------------------------------------------------------------- widget

def bench_widget(repeats):
    try:
        from bench_widget import time_one_retrain
    except ImportError as e:
        return {"error": f"not available ({e})"}
    try:
        times = time_one_retrain(repeats=repeats)
    except Exception as e:  # report, do not lose the other figures
        return {"error": f"failed: {type(e).__name__}: {e}"}
    return {"median_s": median(times), "times": list(times)}


# ----------------------------------------------------------------------------- report

def fmt_ratio(value, target):
    mark = "meets" if value >= target else "MISSES"
    return f"**{value:.2f}x** (target >= {target}x: {mark})"


def write_report(path, info, args, thr, gemm, sweep, notebook, widget, command, elapsed):
    L = []
    L.append("# Benchmarks\n")
    L.append("Reproduce (from the repository root, after `pip install -r staff/benchmarks/requirements.txt`):\n")
    L.append(f"```\n{command}\n```\n")
    L.append(f"Run on {info['date']}, {elapsed / 60:.1f} min. All figures come from this one run on a "
             f"shared {info['cores']}-core machine, so **the ratios** (contenders measured side by side, "
             "interleaved repeat by repeat) are the meaningful numbers; absolute rates move with the "
             "load of other processes.\n")
    L.append("## Machine\n")
    L.append("| | |\n|---|---|")
    L.append(f"| CPU | {info['cpu']} ({info['cores']} cores) |")
    L.append(f"| Python | {info['python']} |")
    L.append(f"| NumPy | {info['numpy']} |")
    for b in info["blas"]:
        L.append(f"| NumPy BLAS (threadpoolctl) | {b} |")
    env = ", ".join(f"{k}={'unset' if v is None else v}" for k, v in info["openblas_env"].items())
    L.append(f"| OpenBLAS environment | {env} |")
    L.append(f"| TwoLayerNet's W1 step | {info['w1_step']} |")
    L.append(f"| PyTorch | {info.get('torch')} ({info.get('torch_blas', '')}; 2 threads) |")
    L.append(f"| scikit-learn | {info.get('sklearn')} |")
    if "loadavg_start" in info:
        L.append(f"| load average (1, 5, 15 min) at start / end | {' '.join(info['loadavg_start'])} / "
                 f"{' '.join(loadavg())} |")
    L.append("")

    L.append("## 1. Training throughput\n")
    L.append(f"CIFAR-10, {args.iters} SGD steps of batch {BATCH} per repeat, median of {args.repeats} "
             f"repeats after a {args.warmup}-step warm-up; same initial weights (std {STD}), learning "
             f"rate {LEARNING_RATE}, reg {REG} (L2 0.5·reg·‖W‖², biases not regularised) for all. "
             "TwoLayerNet is timed through the staff's fast path `cs231n.tools.fast.train` "
             "(what the sweep and the explorer use in the solution tree; input checks "
             "included), and, as \"TwoLayerNet.train (course code)\", through the net's own "
             "`train` with the course's standard solution (what a student's tree runs); PyTorch "
             "through its Python loop (index_select minibatch, forward, backward, SGD step, "
             "`loss.item()`); scikit-learn through `partial_fit` on each minibatch "
             f"(alpha = reg × {BATCH}, the same gradient). Steady state: (median T({args.iters} steps) − "
             f"median T(1 step)) / {args.iters - 1}, which leaves out a call's fixed cost "
             "(TwoLayerNet.train first checks that all 49,000×3,072 inputs are finite); the "
             "whole-call rate keeps it. Ratios use the steady state.\n")
    L.append("| contender | samples/s, steady state | ms per step | "
             f"samples/s, whole call of {args.iters} steps | call with 1 step (s) | repeats (s) |")
    L.append("|---|---:|---:|---:|---:|---|")
    for name, r in thr.items():
        L.append(f"| {name} | {r['samples_per_s']:,.0f} | {1e3 * r['step_s']:.2f} | "
                 f"{r['end_to_end_samples_per_s']:,.0f} | {r['one_step_call_s']:.3f} | "
                 f"{', '.join(f'{t:.2f}' for t in r['seconds'])} |")
    L.append("")
    ratios = []
    for hidden in args.hidden:
        tln = thr.get(f"TwoLayerNet float32, H={hidden}")
        tln64 = thr.get(f"TwoLayerNet float64, H={hidden}")
        torch_r = thr.get(f"PyTorch float32, H={hidden}")
        skl = thr.get(f"scikit-learn float32, H={hidden}")
        tgt = hidden == 500
        if tln and torch_r:
            v = tln["samples_per_s"] / torch_r["samples_per_s"]
            ratios.append((f"TwoLayerNet float32 / PyTorch, H={hidden}",
                           fmt_ratio(v, TARGETS["torch"]) if tgt else f"{v:.2f}x"))
            v = tln["end_to_end_samples_per_s"] / torch_r["end_to_end_samples_per_s"]
            ratios.append((f"TwoLayerNet float32 / PyTorch, H={hidden}, whole calls of {args.iters} steps",
                           f"{v:.2f}x"))
        if tln and skl:
            v = tln["samples_per_s"] / skl["samples_per_s"]
            ratios.append((f"TwoLayerNet float32 / scikit-learn, H={hidden}",
                           fmt_ratio(v, TARGETS["sklearn"]) if tgt else f"{v:.2f}x"))
        if tln and tln64:
            ratios.append((f"TwoLayerNet float32 / float64, H={hidden}",
                           f"{tln['samples_per_s'] / tln64['samples_per_s']:.2f}x"))
    L.append("| ratio | value |\n|---|---|")
    for name, v in ratios:
        L.append(f"| {name} | {v} |")
    L.append("")

    L.append("## 2. Fraction of the float32 GEMM rate\n")
    for hidden, g in gemm.items():
        tln = thr.get(f"TwoLayerNet float32, H={hidden}")
        flops = training_flops(BATCH, 3072, hidden, NUM_CLASSES)
        L.append(f"**H={hidden}**: one training step is {flops / 1e9:.3f} GFLOP (forward "
                 "2·B·(D·H+H·C), weight gradients 2·B·(D·H+H·C), dhidden 2·B·H·C; no input "
                 "gradient). The same five products, timed alone with `np.matmul` (2 BLAS "
                 "threads, median of 30):\n")
        L.append("| product | ms | GFLOP/s |\n|---|---:|---:|")
        for name, p in g["products"].items():
            L.append(f"| {name} | {1e3 * p['seconds']:.3f} | {p['gflops']:.1f} |")
        L.append(f"| **all five (GEMM rate)** | {1e3 * g['step_gemm_seconds']:.3f} | **{g['gflops']:.1f}** |")
        if tln:
            step = tln["step_s"]
            rate = flops / step / 1e9
            frac = rate / g["gflops"]
            shown = f"**{frac:.0%}**"
            if hidden == 500:
                mark = "meets" if frac >= TARGETS["gemm"] else "MISSES"
                shown += f" (target >= {TARGETS['gemm']:.0%}: {mark})"
            L.append(f"\nTwoLayerNet float32 training: {1e3 * step:.2f} ms per step = {rate:.1f} GFLOP/s, "
                     f"{shown} of the GEMM rate "
                     f"({1e3 * (step - g['step_gemm_seconds']):.2f} ms per step outside the products).\n")
    L.append("")

    L.append("## 3. Sweep: sequential vs parallel\n")
    if sweep is None:
        L.append("not run\n")
    else:
        grid = ", ".join(f"{k} {v}" for k, v in SWEEP_GRID.items())
        fixed = ", ".join(f"{k}={v}" for k, v in sweep["fixed"].items())
        L.append(f"`cs231n.tools.sweep.run_sweep` on CIFAR-10 float32, 6 configurations ({grid}; {fixed}; "
                 "batch 200), each trained and scored on the validation set and the first 10,000 "
                 "training images. Sequential: `n_jobs=1, blas_threads=None` in one process "
                 "with 2 BLAS threads (the fastest sequential run; its records may differ in "
                 "the last digits where 1 and 2 threads round differently). Sequential, "
                 "deterministic: `n_jobs=1` with run_sweep's default of 1 BLAS thread per "
                 "configuration. Parallel: `n_jobs=2` worker processes with 1 BLAS thread each "
                 "(run_sweep's defaults: every configuration on one thread wherever it runs, "
                 "so the table is the same on every run and for every n_jobs): two workers "
                 "forked at the start of each run (included), which read the data in the "
                 "parent's memory, and stopped at its end. Median of "
                 f"{len(sweep['times']['sequential'])} runs each.\n")
        L.append("| | seconds | runs (s) |\n|---|---:|---|")
        for k in ("sequential", "sequential_deterministic", "parallel"):
            L.append(f"| {k.replace('_', ', ')} | {sweep[k + '_s']:.1f} | "
                     f"{', '.join(f'{t:.1f}' for t in sweep['times'][k])} |")
        speedup = sweep["sequential_s"] / sweep["parallel_s"]
        L.append(f"| **speed-up** over sequential with 2 threads | {fmt_ratio(speedup, TARGETS['sweep'])} | |")
        speedup = sweep["sequential_deterministic_s"] / sweep["parallel_s"]
        L.append(f"| speed-up over sequential, deterministic | {speedup:.2f}x | |")
        ideal = sweep["ideal_parallel_s"]
        L.append(f"| ideal parallel: the best split of the deterministic run's configurations "
                 f"over two workers, no overhead | {ideal:.1f} | {sweep['sequential_s'] / ideal:.2f}x "
                 "over sequential with 2 threads: the ceiling on this machine |")
        L.append(f"\nParallel and deterministic sequential records identical (accuracies, losses): "
                 f"{'yes' if sweep['same_records_deterministic'] else '**no**'}. Parallel and "
                 "2-thread sequential records identical: "
                 f"{'yes' if sweep['same_records'] else 'no (the BLAS thread count changes float rounding)'}.\n")

    L.append("## 4. Executing notebooks/two_layer_net.ipynb\n")
    if "error" in notebook:
        L.append(f"{notebook['error']}\n")
    else:
        L.append("`jupyter nbconvert --to notebook --execute` into a temporary copy; memory by "
                 "polling the process tree every 50 ms (psutil), RSS summed over the kernel and "
                 "the processes it starts (shared pages counted once per process).\n")
        L.append("| | value |\n|---|---:|")
        L.append(f"| wall time | {notebook['seconds']:.1f} s |")
        L.append(f"| peak PSS, kernel + its workers (memory really in use; target <= 1.5 GB) | "
                 f"{notebook.get('peak_kernel_pss_mb', 0):.0f} MB |")
        L.append(f"| peak RSS, kernel (+ its workers; shared pages counted once per process) | "
                 f"{notebook['peak_kernel_rss_mb']:.0f} MB |")
        L.append("| peak RSS, whole tree (nbconvert + kernel + workers) | "
                 f"{notebook['peak_tree_rss_mb']:.0f} MB |")
        L.append("")

    L.append("## 5. One slider retrain (interactive explorer)\n")
    if "error" in widget:
        L.append(f"{widget['error']}\n")
    else:
        ok = "within" if widget["median_s"] <= TARGETS["widget_s"] else "OVER"
        L.append(f"`benchmarks/bench_widget.time_one_retrain(repeats={len(widget['times'])})`: median "
                 f"**{widget['median_s']:.3f} s** ({ok} the {TARGETS['widget_s']:.0f} s budget); runs "
                 f"{', '.join(f'{t:.3f}' for t in widget['times'])} s.\n")

    L.append("## Notes\n")
    L.append("- OpenBLAS: some machines here set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (a safety "
             "setting for older OpenBLAS builds) which forces a slower kernel on a current NumPy. "
             "The command above unsets both for the benchmark alone; the kernel that actually ran "
             "is the one threadpoolctl reports in the machine table. Tests and CI keep the "
             "environment as it is.")
    L.append("- Not part of the test suite: nothing in benchmarks/ is named test_*, and no test "
             "asserts a timing.\n")
    L.extend(part_sections())
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


#: The report's other parts, each kept in its own file so that a run of this script keeps
#: them: (file, section title, where its figures come from).
PARTS = (
    ("RESULTS-haswell.md", "The same run with OpenBLAS's Haswell kernel: on an AMD EPYC, and forced on a Xeon",
     "Compared by hand from three runs of `run.py`"),
    ("RESULTS-sweep.md", "The sweep's workers and memory, three generations on one machine (issue #29)",
     "Measured by hand, one tree after another"),
    ("RESULTS-features.md", "Image features (bench_features.py)", "From its latest run"),
    ("RESULTS-fcn.md", "FullyConnectedNet + Solver vs PyTorch (bench_fcn.py)", "From its latest run"),
    ("RESULTS-similarity.md", "Similarity report of the class grader (bench_similarity.py)",
     "From its latest run"),
)


def part_sections():
    """The report's lines for each part file that exists (its title line replaced by the
    part's section title), so that every figure is in RESULTS.md."""
    lines = []
    for name, title, source in PARTS:
        part = HERE / name
        if part.exists():
            body = part.read_text(encoding="utf-8").split("\n", 1)[1]  # without its title
            lines.append(f"## {title}\n\n{source} (`{name}`):\n")
            lines.append(body.replace("\n## ", "\n### ").strip() + "\n")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=200, help="SGD steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--hidden", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--sweep-repeats", type=int, default=5)
    parser.add_argument("--widget-repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few iterations, one repeat, tiny sweep, no notebook")
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS,
                        help="measure only these sections (the others say 'not run')")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.iters, args.repeats, args.warmup, args.sweep_repeats, args.widget_repeats = 5, 1, 2, 1, 1
        args.skip_notebook = True
    command = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python staff/benchmarks/run.py"
    extra = " ".join(argv if argv is not None else sys.argv[1:])
    if extra:
        command += " " + extra

    began = time.perf_counter()
    info = machine_info()
    for k, v in info["openblas_env"].items():
        if v is not None:
            log(f"note: {k}={v} is set; run with `env -u {k} ...` to benchmark the native kernel")
    log(json.dumps(info, indent=1))

    from cs231n.data_utils import get_CIFAR10_data

    log("loading CIFAR-10 (float32)")
    data = get_CIFAR10_data(dtype=np.float32)

    thr, gemm, sweep = {}, {}, None
    if "throughput" in args.only:
        thr = bench_throughput(data, args.hidden, args.iters, args.repeats, args.warmup)
        gemm = {hidden: bench_gemm(hidden) for hidden in args.hidden}
    if "sweep" in args.only:
        log("sweep")
        sweep = bench_sweep(data, args.sweep_repeats, quick=args.quick)
    del data
    widget = {"error": "not run"}
    if "widget" in args.only:
        log("widget")
        widget = bench_widget(args.widget_repeats)
    notebook = {"error": "not run"}
    if "notebook" in args.only and not args.skip_notebook:
        log("notebook")
        notebook = bench_notebook(ROOT / "notebooks" / "two_layer_net.ipynb")
    write_report(args.output, info, args, thr, gemm, sweep, notebook, widget, command,
                 time.perf_counter() - began)
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
