"""Training throughput of the package's FullyConnectedNet + Solver against PyTorch (CPU).

    python staff/benchmarks/bench_fcn.py --torch-python /tmp/torchenv/bin/python

Three trainers, the same job: the staff's ``FastSolver`` (``cs231n.tools.fast``: the
Solver with a fast step for a plain FullyConnectedNet), the plain ``Solver`` with the
course's code (``model.loss`` and ``optim.adam``, what a student's solution runs), and
PyTorch. The job: a 3-layer net (3072 - 500 - 500 - 10, ReLU, softmax cross-entropy,
L2 weight decay) trained with Adam on CIFAR-10 in float32, minibatches of 200 drawn with
replacement, a fixed number of iterations, plus the Solver's two accuracy checks (1,000
training and 1,000 validation images after the first and the last iteration), which the
PyTorch loop does too. The throughput is training images per second.

Each measurement runs in a fresh worker process (so that NumPy's OpenBLAS threads and
PyTorch's OpenMP threads never compete inside one process), the three alternate
(fast, PyTorch, plain, fast, PyTorch, plain, ...) so that all see the same machine load, and
the median of the repeats is reported, with the ratio within each repeat (fast and PyTorch
run back to back). PyTorch runs with ``torch.set_num_threads(2)`` (or
``--threads``); NumPy's BLAS with the same number of threads (threadpoolctl).

The results go to stdout and, with ``--output``, to a Markdown file.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, cpu_model, loadavg  # noqa: E402

HIDDEN = (500, 500)
BATCH = 200
LR = 1e-4
REG = 1e-2
WEIGHT_SCALE = 1e-3


def _data(num_iters):
    """The preprocessed CIFAR-10 splits, and NumPy.

    Each worker prepares its own: handing the workers one .npz written by the parent was
    tried, and made PyTorch's runs about 25% slower (its minibatch gathers from the
    loaded array), not NumPy's.
    """
    import numpy as np

    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=num_iters * BATCH, num_validation=1000, num_test=0)
    return {k: v for k, v in data.items() if not k.endswith("test")}, np


def worker_numpy(num_iters, threads, fast):
    """The package's FullyConnectedNet trained by FastSolver (fast) or the plain Solver."""
    from threadpoolctl import threadpool_info, threadpool_limits

    data, np = _data(num_iters)
    from cs231n.classifiers.fc_net import FullyConnectedNet
    if fast:
        from cs231n.tools.fast import FastSolver as Solver
    else:
        from cs231n.solver import Solver

    with threadpool_limits(limits=threads, user_api="blas"):
        # warm-up (allocations, BLAS thread start-up), not timed
        warm = Solver(FullyConnectedNet(list(HIDDEN), weight_scale=WEIGHT_SCALE, reg=REG, seed=1),
                      {k: v[:10 * BATCH] if k.endswith("train") else v for k, v in data.items()},
                      update_rule="adam", optim_config={"learning_rate": LR}, batch_size=BATCH,
                      num_epochs=1, verbose=False, seed=1)
        warm.train()

        model = FullyConnectedNet(list(HIDDEN), weight_scale=WEIGHT_SCALE, reg=REG, seed=0)
        solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": LR},
                        batch_size=BATCH, num_epochs=1, num_train_samples=1000,
                        verbose=False, seed=0)
        start = time.perf_counter()
        solver.train()
        elapsed = time.perf_counter() - start
        blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                for i in threadpool_info() if i.get("user_api") == "blas"]
    assert len(solver.loss_history) == num_iters
    assert getattr(solver, "fast_steps", 0) == (num_iters if fast else 0)
    return {"images_per_s": num_iters * BATCH / elapsed, "seconds": elapsed,
            "final_loss": solver.loss_history[-1], "val_acc": solver.val_acc_history[-1],
            "numpy": np.__version__, "blas": blas}


def worker_torch(num_iters, threads):
    import torch

    data, np = _data(num_iters)
    torch.set_num_threads(threads)
    X = torch.from_numpy(data["X_train"])
    y = torch.from_numpy(data["y_train"])
    X_val, y_val = torch.from_numpy(data["X_val"]), torch.from_numpy(data["y_val"])
    acc_rows = torch.from_numpy(np.sort(np.random.default_rng(0).choice(len(X), 1000, replace=False)))

    def make():
        torch.manual_seed(0)
        dims = (3072,) + HIDDEN + (10,)
        layers = []
        for i in range(len(dims) - 1):
            lin = torch.nn.Linear(dims[i], dims[i + 1])
            with torch.no_grad():  # the package's initialisation: N(0, scale^2), zero biases
                lin.weight.normal_(0.0, WEIGHT_SCALE)
                lin.bias.zero_()
            layers += [lin, torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        # weight_decay=REG adds REG * W to each gradient: the gradient of 0.5 * REG * W**2
        # (applied to the biases too, a negligible difference in work).
        opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=REG)
        return model, opt

    def accuracy(model, Xs, ys):
        with torch.no_grad():
            return (model(Xs).argmax(1) == ys).float().mean().item()

    def train(n):
        model, opt = make()
        gen = torch.Generator().manual_seed(0)
        loss = None
        for it in range(n):
            idx = torch.randint(len(X), (BATCH,), generator=gen)
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if it == 0 or it == n - 1:
                accuracy(model, X[acc_rows], y[acc_rows])
                val = accuracy(model, X_val, y_val)
        return loss.item(), val

    train(10)  # warm-up, not timed
    start = time.perf_counter()
    final_loss, val_acc = train(num_iters)
    elapsed = time.perf_counter() - start
    return {"images_per_s": num_iters * BATCH / elapsed, "seconds": elapsed,
            "final_loss": final_loss, "val_acc": val_acc, "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "numpy": np.__version__}


def run_worker(python, kind, num_iters, threads):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([python, __file__, "--worker", kind, "--iters", str(num_iters),
                          "--threads", str(threads)], env=env, capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--iters", type=int, default=200, help="training iterations per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each, alternating")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    parser.add_argument("--torch-python", default=sys.executable,
                        help="interpreter with torch installed (and this repository importable)")
    parser.add_argument("--output", type=Path, help="write the results as Markdown here")
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.iters, args.threads)))
        return

    load_before = loadavg()
    runs = {"fast": [], "torch": [], "plain": []}  # the order of each repeat
    for r in range(args.repeats):
        for kind in runs:
            python = args.torch_python if kind == "torch" else sys.executable
            runs[kind].append(run_worker(python, kind, args.iters, args.threads))
        print(f"repeat {r + 1}/{args.repeats}: "
              + ", ".join(f"{kind} {runs[kind][-1]['images_per_s']:.0f} img/s" for kind in runs),
              flush=True)
    load_after = loadavg()
    ours, plain, theirs = runs["fast"], runs["plain"], runs["torch"]
    med = {kind: statistics.median(o["images_per_s"] for o in rs) for kind, rs in runs.items()}
    med_ours, med_plain, med_theirs = med["fast"], med["plain"], med["torch"]
    ratio, plain_ratio = med_ours / med_theirs, med_plain / med_theirs

    def pair_ratios(a, b):  # the ratio within each repeat (same moment, same load), sorted
        ratios = sorted(x["images_per_s"] / y["images_per_s"] for x, y in zip(a, b))
        return (", ".join(f"{p:.2f}" for p in ratios)
                + f"; their median {statistics.median(ratios):.2f}")

    blas = ours[0]["blas"]
    # every variable that steers the BLAS or OpenMP (thread counts, kernels, cache sizes)
    env_threads = {k: v for k, v in sorted(os.environ.items())
                   if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "GOTO_"))}
    blas_text = ", ".join(f"{b['internal_api']} {b['version']} {b['architecture']}" for b in blas)

    def listed(rs):
        return ", ".join(f"{o['images_per_s']:.0f}" for o in rs)

    lines = [
        "# FullyConnectedNet + Solver vs PyTorch (CPU): training throughput",
        "",
        f"Job: {len(HIDDEN) + 1}-layer net 3072-{'-'.join(map(str, HIDDEN))}-10, Adam "
        f"(lr {LR:g}), L2 {REG:g}, float32, batch {BATCH}, {args.iters} iterations on "
        "CIFAR-10 plus two accuracy checks (1,000 train + 1,000 val images); "
        f"{args.repeats} alternating runs of each, each in a fresh process; median.",
        "",
        f"- Command: `python staff/benchmarks/bench_fcn.py --iters {args.iters} --repeats "
        f"{args.repeats} --threads {args.threads} --torch-python ...`",
        f"- CPU: {cpu_model()} ({os.cpu_count()} logical CPUs visible)",
        f"- Python {platform.python_version()}, NumPy {ours[0]['numpy']} "
        f"(BLAS: {blas_text}), "
        f"PyTorch {theirs[0]['torch']} (NumPy {theirs[0]['numpy']} in its environment)",
        f"- Threads: NumPy BLAS {args.threads} (threadpoolctl; reported "
        f"{[b['num_threads'] for b in blas]}), torch.set_num_threads({args.threads}) "
        f"(reported {theirs[0]['torch_threads']}); environment: {env_threads or 'no BLAS or OpenMP variables set'}",
        f"- Load average (1, 5, 15 min) before: {', '.join(load_before)}; after: "
        f"{', '.join(load_after)} ({os.cpu_count()} CPUs, shared with other jobs)",
        "",
        "| | images/s (median) | runs (images/s) | / PyTorch |",
        "| --- | --- | --- | --- |",
        f"| ours: FullyConnectedNet + FastSolver (cs231n.tools.fast) | {med_ours:.0f} | "
        f"{listed(ours)} | {ratio:.2f} |",
        f"| ours: FullyConnectedNet + Solver, the course's code | {med_plain:.0f} | "
        f"{listed(plain)} | {plain_ratio:.2f} |",
        f"| PyTorch | {med_theirs:.0f} | {listed(theirs)} | 1 |",
        "",
        f"**Ratio FastSolver / PyTorch: {ratio:.2f}** (median over medians; per-repeat ratios "
        f"{pair_ratios(ours, theirs)}). Target: >= 0.8: "
        f"**{'met' if ratio >= 0.8 else 'not met'}**.",
        f"Plain Solver / PyTorch: {plain_ratio:.2f} (per repeat {pair_ratios(plain, theirs)}); "
        f"FastSolver / plain Solver: {med_ours / med_plain:.2f}.",
        "",
        f"Final training loss after {args.iters} iterations (median): FastSolver "
        f"{statistics.median(o['final_loss'] for o in ours):.3f}, Solver "
        f"{statistics.median(o['final_loss'] for o in plain):.3f} (the same run up to "
        f"rounding), PyTorch {statistics.median(t['final_loss'] for t in theirs):.3f} "
        "(same job, different random streams).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)


WORKERS = {"fast": lambda n, t: worker_numpy(n, t, fast=True),
           "plain": lambda n, t: worker_numpy(n, t, fast=False),
           "torch": worker_torch}


if __name__ == "__main__":
    main()
