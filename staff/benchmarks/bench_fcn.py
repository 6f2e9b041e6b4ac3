"""Training throughput of the package's FullyConnectedNet + Solver against PyTorch (CPU).

    python staff/benchmarks/bench_fcn.py --torch-python /tmp/torchenv/bin/python

The same job in both: a 3-layer net (3072 - 500 - 500 - 10, ReLU, softmax cross-entropy,
L2 weight decay) trained with Adam on CIFAR-10 in float32, minibatches of 200 drawn with
replacement, a fixed number of iterations, plus the Solver's two accuracy checks (1,000
training and 1,000 validation images after the first and the last iteration), which the
PyTorch loop does too. The throughput is training images per second.

Each measurement runs in a fresh worker process (so that NumPy's OpenBLAS threads and
PyTorch's OpenMP threads never compete inside one process), the two alternate
(ours, PyTorch, ours, PyTorch, ...) so that both see the same machine load, and the median
of the repeats is reported. PyTorch runs with ``torch.set_num_threads(2)`` (or
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
from common import ROOT, cpu_model  # noqa: E402
HIDDEN = (500, 500)
BATCH = 200
LR = 1e-4
REG = 1e-2
WEIGHT_SCALE = 1e-3


def _data(num_iters):
    import numpy as np

    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=num_iters * BATCH, num_validation=1000, num_test=0)
    return {k: v for k, v in data.items() if not k.endswith("test")}, np


def worker_numpy(num_iters, threads):
    from threadpoolctl import threadpool_info, threadpool_limits

    data, np = _data(num_iters)
    from cs231n.classifiers.fc_net import FullyConnectedNet
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
    parser.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--iters", type=int, default=200, help="training iterations per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each, alternating")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    parser.add_argument("--torch-python", default=sys.executable,
                        help="interpreter with torch installed (and this repository importable)")
    parser.add_argument("--output", type=Path, help="write the results as Markdown here")
    args = parser.parse_args()

    if args.worker:
        fn = worker_numpy if args.worker == "numpy" else worker_torch
        print(json.dumps(fn(args.iters, args.threads)))
        return

    ours, theirs = [], []
    for r in range(args.repeats):
        ours.append(run_worker(sys.executable, "numpy", args.iters, args.threads))
        theirs.append(run_worker(args.torch_python, "torch", args.iters, args.threads))
        print(f"repeat {r + 1}/{args.repeats}: ours {ours[-1]['images_per_s']:.0f} img/s, "
              f"PyTorch {theirs[-1]['images_per_s']:.0f} img/s", flush=True)
    med_ours = statistics.median(o["images_per_s"] for o in ours)
    med_theirs = statistics.median(t["images_per_s"] for t in theirs)
    ratio = med_ours / med_theirs
    # the ratio within each pair (same moment, same load), for the spread
    pair_ratios = sorted(o["images_per_s"] / t["images_per_s"] for o, t in zip(ours, theirs))
    blas = ours[0]["blas"]
    env_threads = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                              "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")
                   if k in os.environ}
    blas_text = ", ".join(f"{b['internal_api']} {b['version']} {b['architecture']}" for b in blas)
    ours_runs = ", ".join(f"{o['images_per_s']:.0f}" for o in ours)
    theirs_runs = ", ".join(f"{t['images_per_s']:.0f}" for t in theirs)
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
        f"(reported {theirs[0]['torch_threads']}); environment: {env_threads or 'no thread variables set'}",
        "",
        "| | images/s (median) | runs (images/s) |",
        "| --- | --- | --- |",
        f"| ours (NumPy, cs231n Solver) | {med_ours:.0f} | "
        f"{ours_runs} |",
        f"| PyTorch | {med_theirs:.0f} | {theirs_runs} |",
        "",
        f"**Ratio ours / PyTorch: {ratio:.2f}** (median over medians; per-pair ratios "
        f"{', '.join(f'{p:.2f}' for p in pair_ratios)}). Target: >= 0.8.",
        "",
        f"Final training loss after {args.iters} iterations: ours "
        f"{statistics.median(o['final_loss'] for o in ours):.3f}, PyTorch "
        f"{statistics.median(t['final_loss'] for t in theirs):.3f} (same job, different "
        "random streams).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
