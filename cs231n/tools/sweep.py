"""Hyperparameter sweeps for :class:`~cs231n.classifiers.TwoLayerNet`: grid or random search,
in parallel, resumable, with a results table, a heatmap and the best net::

    from cs231n.tools.sweep import run_sweep, random_configs

    grid = {"learning_rate": [1e-4, 5e-4, 1e-3], "reg": [0.05, 0.25]}
    result = run_sweep(data, grid, hidden_size=100, num_iters=1000,
                       results_path="sweep.jsonl", save_best="best_net.npz")
    print(result.to_markdown())
    result.plot_heatmap(x="learning_rate", y="reg", n_val=len(data["y_val"]))
    net = result.best_net

or ``run_sweep(data, random_configs(20, lr=(1e-5, 1e-2), reg=(1e-3, 1.0), seed=0))``.

One worker process per core, each configuration on one BLAS thread wherever it runs (the
same table on every run, for any ``n_jobs``). On Linux the workers are forked: they read the
data in this process's memory, with no copy and no file, so however the sweep ends nothing
is left behind. ``executor=`` takes any ``concurrent.futures.Executor`` instead (a Dask
cluster's ``client.get_executor()``). ``results_path=`` appends each finished configuration
to a JSON Lines file at once; run again, the sweep skips what is there (same data, code and
options). Diverged configurations are recorded as such. The staff's tree trains through
``cs231n.tools.fast``; the student version, the student's ``TwoLayerNet.train``. In a
script, call run_sweep under ``if __name__ == "__main__":``.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import math
import multiprocessing
import numbers
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cs231n.tools.blas import blas_threads as blas_threads_limit
from cs231n.tools.compare import plot_accuracy_grid, records_to_markdown
from cs231n.tools.progress import tqdm
from cs231n.tools.training import train_net
from cs231n.tools.validation import (check_features, check_nonnegative_float, check_positive_float,
                                     check_data_dict, check_positive_int, check_y, read_only)
from cs231n.classifiers.neural_net import TwoLayerNet

# The settings of a configuration, with the value used when neither it nor run_sweep's
# keyword arguments give one (the course's first net). reg is this package's 0.5 * reg *
# sum(W**2): 0.5 here is the 2017 handout's reg=0.25, applied as reg * sum(W**2).
DEFAULTS = {"learning_rate": 1e-4, "reg": 0.5, "hidden_size": 50, "num_iters": 1000,
            "batch_size": 200, "learning_rate_decay": 0.95, "std": 1e-4, "seed": 0}
CONFIG_KEYS = tuple(DEFAULTS)
DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")


class SweepWarning(UserWarning):
    """Something in a sweep's results file was skipped (for example a half-written line)."""


# --------------------------------------------------------------------------- configurations

def _check_setting(name, value, where=""):
    """One setting as a plain Python number, or a ValueError naming it and ``where``."""
    what = f"{name} {where}".strip()
    if name in ("hidden_size", "num_iters", "batch_size"):
        return check_positive_int(value, what)
    if name == "seed":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
        return int(value)
    if name in ("learning_rate", "learning_rate_decay"):
        return check_positive_float(value, what)
    return check_nonnegative_float(value, what)  # reg, std


def _check_names(settings, where=""):
    unknown = sorted(set(settings) - set(CONFIG_KEYS))
    if unknown:
        raise ValueError(f"unknown sweep setting(s) {unknown}{where}; the settings are {list(CONFIG_KEYS)}")


def make_config(config=None, **overrides):
    """A complete, checked configuration: ``config`` (a dict of settings, or None) with
    ``overrides`` on top and DEFAULTS for the rest, every key of CONFIG_KEYS in that order,
    as plain Python numbers. Raises ValueError on an unknown key or an invalid value."""
    merged = {**(config or {}), **overrides}
    _check_names(merged)
    return {k: _check_setting(k, merged.get(k, DEFAULTS[k])) for k in CONFIG_KEYS}


def config_key(config):
    """The canonical JSON text of a configuration: what identifies it in a results file."""
    return json.dumps(make_config(config), sort_keys=True, separators=(",", ":"))


def expand_grid(grid):
    """All combinations (dicts of the grid's keys; the last key varies fastest) of a grid,
    a dict of non-empty lists such as ``{"learning_rate": [1e-4, 1e-3], "reg": [0.1, 0.5]}``.
    Raises ValueError on an unknown key, an empty or missing list or an invalid value."""
    if not isinstance(grid, Mapping):
        raise ValueError(f"grid must be a dict of lists, got {type(grid).__name__}")
    if not grid:
        raise ValueError("grid is empty: give at least one setting with a list of values")
    _check_names(grid, " in grid")
    choices = []
    for name, values in grid.items():
        if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
            raise ValueError(f"grid[{name!r}] must be a list of values, got {values!r} "
                             "(pass a fixed value as a keyword argument of run_sweep instead)")
        values = np.ravel(values).tolist() if isinstance(values, np.ndarray) else list(values)
        if not values:
            raise ValueError(f"grid[{name!r}] is an empty list: give at least one value")
        choices.append([_check_setting(name, v, f"in grid[{name!r}]") for v in values])
    return [dict(zip(grid, combo)) for combo in itertools.product(*choices)]


def _log_uniform(rng, bounds, name):
    if isinstance(bounds, numbers.Real) and not isinstance(bounds, bool):
        bounds = (bounds, bounds)
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair, got {bounds!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or hi < lo:
        raise ValueError(f"{name} must be a (low, high) pair with 0 < low <= high, got {bounds!r}")
    x = float(f"{math.exp(rng.uniform(math.log(lo), math.log(hi))):.3g}")
    return min(max(x, lo), hi)  # 3 significant digits read well; rounding stays in range


def _choices(values, name):
    values = [values] if isinstance(values, numbers.Integral) else list(values)
    if not values:
        raise ValueError(f"{name} is an empty list: give at least one value")
    return [_check_setting(name, v) for v in values]


def random_configs(n, lr=(1e-5, 1e-2), reg=(1e-4, 1.0), hidden=(50,), num_iters=(1000,), seed=0):
    """n configurations for a random search (dicts of learning_rate, reg, hidden_size and
    num_iters): learning rate and reg drawn log-uniformly from the (low, high) ranges lr and
    reg (low > 0; 3 significant digits), hidden size and iterations uniformly from the lists
    hidden and num_iters (or one int each). The same seed gives the same configurations."""
    n = check_positive_int(n, "n")
    hidden, num_iters = _choices(hidden, "hidden_size"), _choices(num_iters, "num_iters")
    rng = np.random.default_rng(seed)
    return [{"learning_rate": _log_uniform(rng, lr, "lr"), "reg": _log_uniform(rng, reg, "reg"),
             "hidden_size": hidden[int(rng.integers(len(hidden)))],
             "num_iters": num_iters[int(rng.integers(len(num_iters)))]} for _ in range(n)]


def _full_configs(configs, fixed):
    """The sweep's complete configurations (grid expanded, defaults filled, duplicates dropped)."""
    if isinstance(configs, Mapping):
        configs = expand_grid(configs)
    elif not isinstance(configs, (list, tuple)):
        raise ValueError("configs must be a grid (dict of lists) or a list of configuration dicts, "
                         f"got {type(configs).__name__}")
    elif not configs:
        raise ValueError("configs is empty: give a grid (dict of lists) or a list of configurations")
    fixed = make_config(fixed)  # checks the keyword arguments once, with clear messages
    full = {}
    for i, c in enumerate(configs):
        if not isinstance(c, Mapping):
            raise ValueError(f"configs[{i}] must be a dict of settings, got {type(c).__name__}")
        c = make_config({**fixed, **c})
        full.setdefault(config_key(c), c)
    return list(full.values())


# --------------------------------------------------------------------------- training one

def _accuracy(net, X, y):
    with np.errstate(all="ignore"):  # huge-but-finite weights may overflow in the scores
        return float((net.predict(X) == y).mean())


def _train_one(config, data, options):
    """Train one configuration. Returns (record, params): the record is a flat dict of the
    settings and the results, params the trained net's arrays (None if it diverged)."""
    start = time.perf_counter()
    X_train, y_train, X_val, y_val = (data[k] for k in DATA_KEYS)
    # Independent streams for the initial weights and the minibatches, both from the seed.
    init_seq, batch_seq = np.random.SeedSequence(config["seed"]).spawn(2)
    net = TwoLayerNet(X_train.shape[1], config["hidden_size"], options["num_classes"],
                      std=config["std"], seed=np.random.default_rng(init_seq), dtype=X_train.dtype)
    history = train_net(  # quiet: a divergence is recorded in the table instead
        net, X_train, y_train, X_val, y_val, quiet=True, seed=int(batch_seq.generate_state(1)[0]),
        **{k: config[k] for k in ("learning_rate", "learning_rate_decay", "reg", "num_iters",
                                  "batch_size")})
    losses, diverged = history["loss_history"], history["diverged_at"] is not None
    record = dict(config, status="diverged" if diverged else "ok", val_acc=None, train_acc=None,
                  final_loss=float(losses[-1]) if losses else None,
                  diverged_at=history["diverged_at"], message=history["message"],
                  train_acc_history=[float(a) for a in history["train_acc_history"]],
                  val_acc_history=[float(a) for a in history["val_acc_history"]])
    if not diverged:
        n_eval = options["train_eval_size"]  # None: all
        record["val_acc"] = _accuracy(net, X_val, y_val)
        record["train_acc"] = _accuracy(net, X_train[:n_eval], y_train[:n_eval])
    record["seconds"] = time.perf_counter() - start
    return record, None if diverged else net.params


# --------------------------------------------------------------------------- the workers

def _task(i, config, data, options, blas_threads):
    """What a worker (or this process) runs: configuration ``i`` on ``blas_threads`` threads;
    ``data`` None means the data the worker was started with."""
    with blas_threads_limit(blas_threads):
        return (i, *_train_one(config, _WORKER_DATA if data is None else data, options))


_WORKER_DATA = {}
# Forked workers read the data in the sweep's own memory: no copy, no file, nothing to
# clean up. Elsewhere fork is missing (Windows) or unsafe (macOS): each worker gets a copy.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"


def _start_worker(data):
    """Keep the data, leave Ctrl-C to the sweep's process, and exit as soon as that process
    is gone (killed, it would leave its workers training for minutes)."""
    _WORKER_DATA.update(data)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()


def _stop(pool, error):
    """Shut the workers down; after an error or Ctrl-C, kill those still training first."""
    if error is not None:
        for process in list(pool._processes.values()):  # terminate_workers() in Python 3.14
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _results(todo, configs, data, options, n_jobs, threads, executor, stack):
    """(i, record, params) of every configuration in ``todo``, in the order they finish."""
    if executor is None and (n_jobs == 1 or len(todo) <= 1):
        return (_task(i, configs[i], data, options, threads) for i in todo)
    if executor is None:
        executor = ProcessPoolExecutor(min(n_jobs, len(todo)), initializer=_start_worker,
                                       initargs=(data,),
                                       mp_context=multiprocessing.get_context(START_METHOD))
        stack.push(lambda error, *_: _stop(executor, error))
        data = None  # the workers have it
    futures = [executor.submit(_task, i, configs[i], data, options, threads) for i in todo]
    stack.callback(lambda: [f.cancel() for f in futures])  # after an error or Ctrl-C
    return (f.result() for f in as_completed(futures))


# --------------------------------------------------------------------------- results file

def fingerprint(data, options):
    """What a record depends on besides its configuration: every byte of the four data
    arrays, the source of TwoLayerNet's module and the sweep's options. A record with
    another fingerprint is never reused."""
    import hashlib
    import inspect

    digest = hashlib.blake2b(digest_size=16)
    for name in DATA_KEYS:
        arr = np.ascontiguousarray(data[name])
        digest.update(f"{name}{arr.shape}{arr.dtype.str}".encode())
        digest.update(memoryview(arr).cast("B"))
    digest.update(inspect.getsource(inspect.getmodule(TwoLayerNet)).encode())
    digest.update(json.dumps(options, sort_keys=True).encode())
    return digest.hexdigest()


def _load_results(path, fp):
    """The records in a results file with fingerprint ``fp``, by configuration key (later
    lines win), and the keys of the configurations recorded only with another fingerprint."""
    done, stale = {}, set()
    if not Path(path).exists():
        return done, stale
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = config_key({k: record[k] for k in CONFIG_KEYS})
                if record["status"] not in ("ok", "diverged"):
                    raise ValueError(f"unknown status {record['status']!r}")
            except (ValueError, KeyError, TypeError) as e:
                warnings.warn(f"{path}, line {lineno}: skipping an unreadable record "
                              f"(probably an interrupted write): {e}", SweepWarning, stacklevel=3)
                continue
            if record.pop("fingerprint", None) == fp:
                done[key] = record
            else:
                stale.add(key)
    return done, stale - set(done)


def _start_appending(path):
    """Make the folder, and make sure the next record starts on its own line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":  # a half-written last line: do not glue onto it
                f.write(b"\n")


def _append_record(path, record):
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


# --------------------------------------------------------------------------- the sweep

@dataclass(repr=False)
class SweepResult:
    """What :func:`run_sweep` returns.

    - records: a flat dict per configuration, in the sweep's order: its settings, status
      ("ok" or "diverged"), val_acc and train_acc (None if diverged), final_loss,
      diverged_at, message, seconds, train_acc_history and val_acc_history (per epoch).
    - best_record, best_net: the highest val_acc (the earliest on ties) that did not
      diverge, and its TwoLayerNet; None if all diverged.
    - ran, skipped: trained by this call, and found in the results file; wall_seconds.
    """

    records: list
    best_record: dict | None = None
    best_net: TwoLayerNet | None = None
    ran: int = 0
    skipped: int = 0
    results_path: str | None = None
    wall_seconds: float = 0.0

    @property
    def best_config(self):
        """The best configuration's settings (a dict), or None."""
        return None if self.best_record is None else {k: self.best_record[k] for k in CONFIG_KEYS}

    @property
    def diverged(self):
        """Records of the configurations that diverged."""
        return [r for r in self.records if r["status"] == "diverged"]

    def to_markdown(self, columns=None, sort_by=None, se=None):
        """The results as a Markdown table (see records_to_markdown)."""
        return records_to_markdown(self.records, columns=columns, sort_by=sort_by, se=se)

    _repr_markdown_ = __str__ = to_markdown

    def __repr__(self):
        n_div = len(self.diverged)
        best = "none" if self.best_record is None else f"val_acc {self.best_record['val_acc']:.3f}"
        return (f"<SweepResult: {len(self.records)} configurations ({len(self.records) - n_div} ok, "
                f"{n_div} diverged), best {best}>")

    def plot_heatmap(self, x="learning_rate", y="reg", value="val_acc", n_val=None, ax=None):
        """A heatmap of ``value`` over two settings: see compare.plot_accuracy_grid."""
        return plot_accuracy_grid(self.records, n_val=n_val, x=x, y=y, value=value, ax=ax)


def run_sweep(data, configs, *, n_jobs=None, executor=None, results_path=None, save_best=None,
              progress=True, blas_threads=1, train_eval_size=10_000, num_classes=None,
              **fixed):
    """Train a TwoLayerNet for every configuration and score it on the validation set.

    Inputs:
    - data: dict with X_train (N, D), y_train (N,), X_val (N_val, D), y_val (N_val,), as
      returned by get_CIFAR10_data (other keys are ignored). float32 data trains in float32.
    - configs: a grid, dict of lists (every combination is trained, see expand_grid), or a
      list of configuration dicts (e.g. from random_configs).
    - fixed: settings shared by all configurations, as keyword arguments (e.g.
      ``hidden_size=100, num_iters=2000``); a configuration's own value wins. Unset
      settings take DEFAULTS.
    - n_jobs: worker processes (default: one per core); 1 trains in this process.
    - executor: a concurrent.futures.Executor to run the configurations instead (e.g.
      ``dask.distributed.Client(...).get_executor()``); n_jobs is then ignored.
    - results_path: JSON Lines file; each finished configuration is appended at once, and
      configurations already in the file (same data, code and options) are not trained again.
    - save_best: if given, the best net is saved there with TwoLayerNet.save (.npz).
    - progress: show a progress bar over finished configurations (tqdm).
    - blas_threads: BLAS threads per configuration wherever it runs, so that the records
      do not depend on n_jobs. None leaves them alone (with n_jobs=1, every core; some BLAS
      kernels then round differently, and the records may differ in the last digits).
    - train_eval_size: train_acc is measured on the first this-many training images (None:
      all), which shows over-fitting at a fraction of the cost.
    - num_classes: number of classes C (default: largest label + 1).

    Returns a SweepResult. The best net comes back from the worker that trained it; if it
    was found in the results file it is trained again here (same seed, so the same net).
    """
    began = time.perf_counter()
    all_configs = _full_configs(configs, fixed)
    data = _checked_data(data)
    labels_max = int(max(data["y_train"].max(), data["y_val"].max()))
    num_classes = check_positive_int(labels_max + 1 if num_classes is None else num_classes,
                                     "num_classes")
    if labels_max >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    if train_eval_size is not None:
        train_eval_size = check_positive_int(train_eval_size, "train_eval_size")
    n_jobs = check_positive_int(os.cpu_count() or 1 if n_jobs is None else n_jobs, "n_jobs")
    threads = None if blas_threads is None else check_positive_int(blas_threads, "blas_threads")
    options = {"num_classes": num_classes, "train_eval_size": train_eval_size}

    index = {config_key(c): i for i, c in enumerate(all_configs)}
    records = [None] * len(all_configs)
    if results_path is not None:
        fp = fingerprint(data, options)
        found, stale = _load_results(results_path, fp)
        for key, record in found.items():
            if key in index:
                records[index[key]] = record
        stale = len(stale & set(index))
        if stale:
            warnings.warn(
                f"{results_path}: {stale} record(s) were made with other data, "
                "other code or other sweep options; they are not reused and those "
                "configurations are trained again", SweepWarning, stacklevel=2)
        _start_appending(results_path)
    todo = [i for i, r in enumerate(records) if r is None]
    skipped = len(all_configs) - len(todo)
    if skipped:
        print(f"sweep: {skipped} of {len(all_configs)} configurations loaded from "
              f"{results_path} (same settings, data and code); {len(todo)} to train")
    # Longest first, so that no worker is left with a long one at the end while the others
    # idle (the table keeps the sweep's order).
    todo.sort(key=lambda i: -_estimated_cost(all_configs[i]))

    best = (None, None)  # (rank, params) of the best trained here
    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(tqdm(total=len(all_configs), initial=skipped, desc="sweep",
                                       unit="config", disable=not progress))
        for i, record, params in _results(todo, all_configs, data, options, n_jobs, threads,
                                          executor, stack):
            records[i] = record
            if results_path is not None:
                _append_record(results_path, dict(record, fingerprint=fp))
            rank = (record["val_acc"], -i)
            if params is not None and (best[0] is None or rank > best[0]):
                best = (rank, params)
            bar.update(1)

    result = SweepResult(records=records, ran=len(todo), skipped=skipped,
                         results_path=None if results_path is None else str(results_path))
    ok = [i for i, r in enumerate(records) if r["status"] == "ok"]
    if ok:
        i = max(ok, key=lambda i: (records[i]["val_acc"], -i))
        result.best_record = records[i]
        params = best[1] if best[0] == (records[i]["val_acc"], -i) else None
        if params is None:  # recorded by an earlier run: train it again (same seed)
            params = _retrain(all_configs[i], data, options, records[i], threads)
        result.best_net = TwoLayerNet.from_params(params)
        if save_best is not None:
            result.best_net.save(save_best)
    result.wall_seconds = time.perf_counter() - began
    return result


def _estimated_cost(config):
    """Relative training time: steps x batch x (hidden units + a share for the per-step work
    that does not grow with the hidden layer)."""
    return config["num_iters"] * config["batch_size"] * (config["hidden_size"] + 64)


def _checked_data(data):
    check_data_dict(data, DATA_KEYS)
    X_train = check_features(data["X_train"], name="X_train")
    X_val = check_features(data["X_val"], name="X_val", n_features=X_train.shape[1])
    # Read-only views: every configuration's train() then finds them checked already.
    return {"X_train": read_only(X_train),
            "y_train": read_only(check_y(data["y_train"], X_train.shape[0], name="y_train")),
            "X_val": read_only(X_val.astype(X_train.dtype, copy=False)),
            "y_val": read_only(check_y(data["y_val"], X_val.shape[0], name="y_val"))}


def _retrain(config, data, options, record, threads):
    _, again, params = _task(-1, config, data, options, threads)
    if again["val_acc"] != record["val_acc"]:
        warnings.warn(
            f"the best configuration, trained again, reached val_acc {again['val_acc']} instead "
            f"of the recorded {record['val_acc']} (different BLAS threads or data?)",
            SweepWarning, stacklevel=3)
    return params
