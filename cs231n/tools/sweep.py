"""Hyperparameter sweeps for :class:`~cs231n.classifiers.TwoLayerNet`: grid or random search,
in parallel, resumable, with a results table, a heatmap and the best net.

A sweep trains one net per *configuration*, a dict of the settings in :data:`CONFIG_KEYS`
(learning rate, regularisation, hidden size, iterations, batch size, learning-rate decay,
initial weight scale and seed), and scores it on the validation set::

    from cs231n.tools.sweep import run_sweep, random_configs

    grid = {"learning_rate": [1e-4, 5e-4, 1e-3], "reg": [0.05, 0.25]}
    result = run_sweep(data, grid, hidden_size=100, num_iters=1000,
                       results_path="sweep.jsonl", save_best="best_net.npz")
    print(result.to_markdown())
    result.plot_heatmap(x="learning_rate", y="reg")
    net = result.best_net

or ``run_sweep(data, random_configs(20, lr=(1e-5, 1e-2), reg=(1e-3, 1.0), seed=0))``.

- Parallel on joblib: one worker process per core (loky), stopped at the end. The data
  reaches them as memory-mapped files that every worker maps: one copy for all processes
  (get_CIFAR10_data's training images are in one already, see mapped_empty). On Linux the
  files have no name, so nothing is left behind however the sweep ends, even when killed.
- Deterministic: every configuration trains with one BLAS thread wherever it runs, so the
  same sweep gives the same table on every run and for every ``n_jobs``. (Some OpenBLAS
  kernels round differently on 1 and 2 threads, and training amplifies the difference.)
- Any ``concurrent.futures.Executor`` can run the configurations instead (``executor=``),
  e.g. a Dask cluster's ``client.get_executor()``; the data then goes with each task.
- Nothing is lost: with ``results_path=`` each finished configuration is appended to a JSON
  Lines file at once, and the same sweep run again skips what is recorded there (same data,
  code and options), so an interrupted sweep resumes where it stopped.
- A configuration whose loss becomes NaN or infinite is recorded as ``"diverged"``.
- In the staff's tree the configurations train through ``cs231n.tools.fast`` (the same
  results, faster); in the student version, with the student's ``TwoLayerNet.train``.
- In a script, call run_sweep under ``if __name__ == "__main__":``; a notebook needs nothing.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import math
import numbers
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cs231n.tools.blas import blas_threads as blas_threads_limit
from cs231n.tools.progress import tqdm
from cs231n.tools.training import train_net
from cs231n.tools.validation import (check_features, check_nonnegative_float, check_positive_float,
                                check_data_dict, check_positive_int, check_y, read_only)
from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.divergence import DivergenceWarning

# The settings a configuration holds, with the value used when neither the configuration
# nor run_sweep's keyword arguments give one (the course's first net). reg is in this
# package's convention, 0.5 * reg * sum(W**2): 0.5 here is the course's reg=0.25, which the
# 2017 handout applied as reg * sum(W**2).
DEFAULTS = {
    "learning_rate": 1e-4,
    "reg": 0.5,
    "hidden_size": 50,
    "num_iters": 1000,
    "batch_size": 200,
    "learning_rate_decay": 0.95,
    "std": 1e-4,
    "seed": 0,
}
CONFIG_KEYS = tuple(DEFAULTS)
DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")

# Table columns after the configuration's varying settings.
RESULT_COLUMNS = ("status", "train_acc", "val_acc", "final_loss", "seconds")


class SweepWarning(UserWarning):
    """Something in a sweep's results file was skipped (for example a half-written line)."""


# ----------------------------------------------------------------------------------------
# Configurations
# ----------------------------------------------------------------------------------------

def _check_setting(name, value, where):
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


def make_config(config=None, **overrides):
    """A complete, checked configuration.

    Inputs:
    - config: dict of settings (keys from CONFIG_KEYS), or None.
    - overrides: more settings; they win over ``config``.

    Returns a dict with every key of CONFIG_KEYS, in that order, holding plain Python
    numbers; missing settings take their value from DEFAULTS.
    Raises ValueError on an unknown key or an invalid value (learning_rate <= 0, reg < 0,
    a non-integer hidden_size, ...).
    """
    merged = {**(config or {}), **overrides}
    unknown = sorted(set(merged) - set(CONFIG_KEYS))
    if unknown:
        raise ValueError(f"unknown sweep setting(s) {unknown}; the settings are {list(CONFIG_KEYS)}")
    return {k: _check_setting(k, merged.get(k, DEFAULTS[k]), "") for k in CONFIG_KEYS}


def config_key(config):
    """The canonical JSON text of a configuration: what identifies it in a results file."""
    config = make_config(config)
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def expand_grid(grid):
    """All combinations of a grid (cartesian product), the last key varying fastest.

    Inputs:
    - grid: dict mapping setting names (from CONFIG_KEYS) to non-empty lists of values,
      e.g. ``{"learning_rate": [1e-4, 1e-3], "reg": [0.1, 0.5]}``.

    Returns a list of dicts, one per combination (only the grid's keys; run_sweep fills in
    the rest).
    Raises ValueError on an unknown key, a value that is not a list, an empty list or an
    invalid value.
    """
    if not isinstance(grid, Mapping):
        raise ValueError(f"grid must be a dict of lists, got {type(grid).__name__}")
    if not grid:
        raise ValueError("grid is empty: give at least one setting with a list of values")
    unknown = sorted(set(grid) - set(CONFIG_KEYS))
    if unknown:
        raise ValueError(f"unknown sweep setting(s) {unknown} in grid; "
                         f"the settings are {list(CONFIG_KEYS)}")
    names, choices = [], []
    for name, values in grid.items():
        if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
            raise ValueError(
                f"grid[{name!r}] must be a list of values, got {values!r} "
                "(pass a fixed value as a keyword argument of run_sweep instead)")
        values = values.ravel().tolist() if isinstance(values, np.ndarray) else list(values)
        if not values:
            raise ValueError(f"grid[{name!r}] is an empty list: give at least one value")
        names.append(name)
        choices.append([_check_setting(name, v, f"in grid[{name!r}]") for v in values])
    return [dict(zip(names, combo)) for combo in itertools.product(*choices)]


def _round_sig(x, digits=3):
    return float(f"{x:.{digits}g}")


def _log_uniform(rng, bounds, name):
    if isinstance(bounds, numbers.Real) and not isinstance(bounds, bool):
        bounds = (bounds, bounds)
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair, got {bounds!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or hi < lo:
        raise ValueError(f"{name} must be a (low, high) pair with 0 < low <= high, got {bounds!r}")
    x = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    # 3 significant digits keep the table readable; clip so rounding never leaves the range.
    return min(max(_round_sig(x), lo), hi)


def _choices(values, name):
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = [values]
    values = list(values)
    if not values:
        raise ValueError(f"{name} is an empty list: give at least one value")
    return [_check_setting(name if name != "hidden" else "hidden_size", v, "") for v in values]


def random_configs(n, lr=(1e-5, 1e-2), reg=(1e-4, 1.0), hidden=(50,), num_iters=(1000,), seed=0):
    """Configurations for a random search.

    Inputs:
    - n: number of configurations.
    - lr: (low, high): the learning rate is drawn log-uniformly in this range.
    - reg: (low, high) with low > 0: the regularisation strength, drawn log-uniformly.
    - hidden: list of hidden sizes to choose from (uniformly), or one int.
    - num_iters: list of iteration counts to choose from, or one int.
    - seed: seed of the draws; the same seed gives the same configurations.

    Returns a list of n dicts with keys learning_rate, reg, hidden_size and num_iters
    (learning rate and reg rounded to 3 significant digits).
    """
    n = check_positive_int(n, "n")
    hidden = _choices(hidden, "hidden")
    num_iters = _choices(num_iters, "num_iters")
    rng = np.random.default_rng(seed)
    configs = []
    for _ in range(n):
        configs.append({
            "learning_rate": _log_uniform(rng, lr, "lr"),
            "reg": _log_uniform(rng, reg, "reg"),
            "hidden_size": hidden[int(rng.integers(len(hidden)))],
            "num_iters": num_iters[int(rng.integers(len(num_iters)))],
        })
    return configs


def _full_configs(configs, fixed):
    """The sweep's complete configurations (grid expanded, defaults filled, duplicates dropped)."""
    if isinstance(configs, Mapping):
        configs = expand_grid(configs)
    elif isinstance(configs, (list, tuple)):
        if not configs:
            raise ValueError("configs is empty: give a grid (dict of lists) or a list of configurations")
        for i, c in enumerate(configs):
            if not isinstance(c, Mapping):
                raise ValueError(f"configs[{i}] must be a dict of settings, got {type(c).__name__}")
    else:
        raise ValueError("configs must be a grid (dict of lists) or a list of configuration dicts, "
                         f"got {type(configs).__name__}")
    fixed = make_config(fixed)  # checks the keyword arguments once, with clear messages
    out, seen = [], set()
    for c in configs:
        full = make_config({**fixed, **c})
        key = config_key(full)
        if key not in seen:
            seen.add(key)
            out.append(full)
    return out


# ----------------------------------------------------------------------------------------
# Training one configuration (in a worker or in this process)
# ----------------------------------------------------------------------------------------

def _accuracy(net, X, y):
    with np.errstate(all="ignore"):  # huge-but-finite weights may overflow in the scores
        return float((net.predict(X) == y).mean())


def _train_one(config, data, options):
    """Train one configuration.

    Returns (record, params): the record is a flat dict (the configuration's settings and
    the results), params the trained net's arrays (None if training diverged).
    """
    start = time.perf_counter()
    X_train, y_train, X_val, y_val = (data[k] for k in DATA_KEYS)
    # Independent streams for the initial weights and the minibatches, both from the seed.
    init_seq, batch_seq = np.random.SeedSequence(config["seed"]).spawn(2)
    net = TwoLayerNet(X_train.shape[1], config["hidden_size"], options["num_classes"],
                      std=config["std"], seed=np.random.default_rng(init_seq), dtype=X_train.dtype)
    # Divergence (and the overflow that comes before it) is recorded in the table instead.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", DivergenceWarning)
        history = train_net(
            net, X_train, y_train, X_val, y_val,
            learning_rate=config["learning_rate"], learning_rate_decay=config["learning_rate_decay"],
            reg=config["reg"], num_iters=config["num_iters"], batch_size=config["batch_size"],
            seed=int(batch_seq.generate_state(1)[0]))
    losses = history["loss_history"]
    record = dict(config)
    diverged = history["diverged_at"] is not None
    record.update({
        "status": "diverged" if diverged else "ok",
        "val_acc": None,
        "train_acc": None,
        "final_loss": float(losses[-1]) if losses else None,
        "diverged_at": history["diverged_at"],
        "message": history["message"],
        "train_acc_history": [float(a) for a in history["train_acc_history"]],
        "val_acc_history": [float(a) for a in history["val_acc_history"]],
    })
    params = None
    if not diverged:
        n_eval = options["train_eval_size"]
        n_eval = X_train.shape[0] if n_eval is None else min(n_eval, X_train.shape[0])
        record["val_acc"] = _accuracy(net, X_val, y_val)
        record["train_acc"] = _accuracy(net, X_train[:n_eval], y_train[:n_eval])
        params = net.params
    record["seconds"] = time.perf_counter() - start
    return record, params


def _task(i, config, data, options, blas_threads, parent=None):
    """What a worker (or this process) runs: configuration ``i``, on ``blas_threads``."""
    if parent is not None and os.getppid() == parent:  # a worker of this sweep's process
        _exit_with(parent)
    with blas_threads_limit(blas_threads):
        return (i, *_train_one(config, data, options))


_WATCHDOG = []


def _exit_with(parent):
    """Make this worker exit as soon as its parent, the sweep's process, is gone: once it is
    killed, a loky worker may finish a long configuration first, or wait for work forever."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if not _WATCHDOG:
        _WATCHDOG.append(threading.Thread(target=watch, daemon=True, name="exit with parent"))
        _WATCHDOG[0].start()


def _temp_dir(nbytes):
    """Where the mapped files go: JOBLIB_TEMP_FOLDER if set, RAM (/dev/shm) where it has room
    to spare (writing past its end fails), else the temporary folder (as joblib chooses)."""
    if os.environ.get("JOBLIB_TEMP_FOLDER"):
        return os.environ["JOBLIB_TEMP_FOLDER"]
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > nbytes + (256 << 20):
            return "/dev/shm"
    except (OSError, AttributeError):
        pass
    return None


def _nameless_file(nbytes):
    """(file, path): a new file of ``nbytes`` that has no name, and the path in /proc that
    reaches it while the file is open; None where there is no such path (not Linux)."""
    try:
        f = tempfile.TemporaryFile(dir=_temp_dir(nbytes))
    except OSError:
        return None
    try:
        os.posix_fallocate(f.fileno(), 0, max(nbytes, 1))  # no room: an error now, not SIGBUS
        # this process's PID as /proc names it (in a PID namespace, not always os.getpid())
        path = f"/proc/{os.readlink('/proc/self')}/fd/{f.fileno()}"
        if os.path.samestat(os.stat(path), os.fstat(f.fileno())):
            return f, path
    except (OSError, AttributeError):
        pass
    f.close()
    return None


def mapped_empty(shape, dtype):
    """``np.empty(shape, dtype)`` in a memory-mapped file that has no name (Linux; elsewhere
    an ordinary array). A sweep's workers map its pages instead of a copy (joblib passes it
    by its /proc path), and no kill leaves it behind: it lives as long as a process maps it."""
    dtype = np.dtype(dtype)
    made = _nameless_file(int(np.prod(shape)) * dtype.itemsize)
    if made is None:
        return np.empty(shape, dtype)
    mm = np.memmap(made[1], dtype=dtype, mode="r+", shape=shape)
    mm.file = made[0]  # open, so the path stays valid, while the array or a view lives
    return np.asarray(mm)


def _mapped(data):
    """The arrays in nameless memory-mapped files, read-only: joblib sends such an array to a
    worker as its file's name, and every worker maps the same pages. An array already in
    one (from get_CIFAR10_data) is not copied. Where there are none (not Linux), the arrays
    as they are: joblib memory-maps them into its own folder."""
    out = {}
    for name, arr in data.items():
        base = arr
        while base is not None and not isinstance(base, np.memmap):
            base = base.base
        whole = base is not None and base.ctypes.data == arr.ctypes.data and base.shape == arr.shape
        if whole and str(base.filename).startswith("/proc/"):
            mapped = base
        else:
            mapped = mapped_empty(arr.shape, arr.dtype)
            mapped[...] = arr
            while mapped.base is not None and not isinstance(mapped, np.memmap):
                mapped = mapped.base
        if isinstance(mapped, np.memmap):  # the same pages, read-only in the workers
            out[name] = np.memmap(mapped.filename, dtype=arr.dtype, mode="r", shape=arr.shape,
                                  offset=mapped.offset)
            out[name].file = mapped.file
        else:
            out[name] = arr
    return out


def _stop_workers():
    """Stop joblib's worker processes: idle, they would hold memory, and named semaphores in
    /dev/shm that a kill of this process leaves behind (loky's resource tracker, which
    removes them, dies with a killed kernel's process group)."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


def _results(todo, configs, data, options, n_jobs, threads, executor, stack):
    """(i, record, params) of every configuration in ``todo``, in the order they finish."""
    if executor is not None:  # the data goes with each task
        from concurrent.futures import as_completed

        futures = [executor.submit(_task, i, configs[i], data, options, threads) for i in todo]
        stack.callback(lambda: [f.cancel() for f in futures])  # after an error or Ctrl-C
        return (f.result() for f in as_completed(futures))
    if n_jobs == 1 or len(todo) <= 1:
        return (_task(i, configs[i], data, options, threads) for i in todo)
    from joblib import Parallel, delayed, parallel_config

    stack.enter_context(parallel_config(backend="loky", inner_max_num_threads=threads))
    stack.callback(_stop_workers)
    shared = _mapped(data)
    # A folder named, so that joblib does not make one in /dev/shm to see if it can (an
    # empty folder that a kill would leave); it puts files there only where _mapped cannot.
    # Closing the generator (after an error or Ctrl-C) stops the workers.
    folder = _temp_dir(sum(a.nbytes for a in data.values())) or tempfile.gettempdir()
    results = Parallel(n_jobs=min(n_jobs, len(todo)), return_as="generator_unordered",
                       temp_folder=folder)(
        delayed(_task)(i, configs[i], shared, options, threads, os.getpid()) for i in todo)
    stack.callback(results.close)
    return results


# ----------------------------------------------------------------------------------------
# Results file
# ----------------------------------------------------------------------------------------

def fingerprint(data, options):
    """What a record depends on besides its configuration: the data (every byte of the four
    arrays), the code that trains (the source of TwoLayerNet's module) and the sweep's
    options. A record with another fingerprint is never reused."""
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


def _load_results(path, fp=None):
    """Records already in a results file, by configuration key (later lines win), and the
    keys of the configurations whose only records have another fingerprint than ``fp``."""
    path = Path(path)
    done, stale = {}, set()
    if not path.exists():
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
            if fp is not None and record.pop("fingerprint", None) != fp:
                stale.add(key)
                continue
            record.pop("fingerprint", None)
            done[key] = record
    return done, stale - set(done)


def _start_appending(path):
    """Make sure the next appended record starts on its own line."""
    path = Path(path)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":  # a half-written last line: do not glue onto it
                f.write(b"\n")


def _append_record(path, record):
    line = json.dumps(record, sort_keys=True, allow_nan=False) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


# ----------------------------------------------------------------------------------------
# The sweep
# ----------------------------------------------------------------------------------------

@dataclass(repr=False)
class SweepResult:
    """What :func:`run_sweep` returns.

    - records: one flat dict per configuration, in the sweep's order: the settings
      (CONFIG_KEYS), ``status`` ("ok" or "diverged"), ``val_acc`` and ``train_acc`` (None if
      diverged), ``final_loss``, ``diverged_at`` (iteration or None), ``message``,
      ``seconds``, ``train_acc_history`` and ``val_acc_history`` (one value per epoch).
    - best_record, best_net: the configuration with the highest validation accuracy (the
      earliest on ties) among those that did not diverge, and its TwoLayerNet (None if all
      diverged).
    - ran, skipped: configurations trained by this call, and found in the results file.
    - wall_seconds: how long run_sweep took.
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
        if self.best_record is None:
            return None
        return {k: self.best_record[k] for k in CONFIG_KEYS}

    @property
    def diverged(self):
        """Records of the configurations that diverged."""
        return [r for r in self.records if r["status"] == "diverged"]

    def to_markdown(self, columns=None, sort_by=None, se=None):
        """The results as a Markdown table.

        Inputs:
        - columns: column names (settings or result fields); default: the settings that
          vary across the sweep, then status, train_acc, val_acc, final_loss, seconds.
        - sort_by: a column to sort by, largest first (missing values last), e.g. "val_acc".
        - se: the standard error of a validation accuracy (e.g. 0.016 for 1,000 images near
          0.5); if given, a last column "behind best" says how many standard errors each
          configuration's val_acc is below the best one's ("within noise" up to 1 SE).

        Returns a string.
        """
        return records_to_markdown(self.records, columns=columns, sort_by=sort_by, se=se)

    def __repr__(self):
        n_div = len(self.diverged)
        best = "none" if self.best_record is None else f"val_acc {self.best_record['val_acc']:.3f}"
        return (f"<SweepResult: {len(self.records)} configurations ({len(self.records) - n_div} ok, "
                f"{n_div} diverged), best {best}>")

    def _repr_markdown_(self):
        return self.to_markdown()

    def __str__(self):
        return self.to_markdown()

    def plot_heatmap(self, x="learning_rate", y="reg", value="val_acc", ax=None, se=None):
        """See :func:`plot_heatmap`."""
        return plot_heatmap(self, x=x, y=y, value=value, ax=ax, se=se)


def run_sweep(data, configs, *, n_jobs=None, executor=None, results_path=None, save_best=None,
              progress=True, blas_threads="auto", train_eval_size=10_000, num_classes=None,
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
    - blas_threads: BLAS threads per configuration, the same wherever it runs, so that the
      records do not depend on n_jobs; "auto" means 1 (the workers share the cores). None
      leaves the threads alone (with n_jobs=1 that uses every core; the records may then
      differ from a parallel run's in the last digits).
    - train_eval_size: train_acc is measured on the first this-many training images (None:
      all), which shows over-fitting at a fraction of the cost.
    - num_classes: number of classes C (default: largest label + 1).

    Returns a SweepResult (records, best_record, best_net, to_markdown(), plot_heatmap()).
    The best net comes back from the worker that trained it; if it was found in the
    results file it is trained again here (same seed, so the same net).
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
    if blas_threads != "auto" and blas_threads is not None:
        blas_threads = check_positive_int(blas_threads, "blas_threads")
    threads = 1 if blas_threads == "auto" else blas_threads
    options = {"num_classes": num_classes, "train_eval_size": train_eval_size}

    index = {config_key(c): i for i, c in enumerate(all_configs)}
    records = [None] * len(all_configs)
    fp = fingerprint(data, options) if results_path is not None else None
    if results_path is not None:
        found, stale = _load_results(results_path, fp)
        for key, record in found.items():
            if key in index:
                records[index[key]] = record
        stale = len(stale & set(index))
        if stale:
            warnings.warn(
                f"{results_path}: {stale} record(s) were made with other data, other code or "
                "other sweep options; they are not reused and those configurations are "
                "trained again", SweepWarning, stacklevel=2)
        _start_appending(results_path)
    todo = [i for i, r in enumerate(records) if r is None]
    skipped = len(all_configs) - len(todo)
    if skipped:
        print(f"sweep: {skipped} of {len(all_configs)} configurations loaded from "
              f"{results_path} (same settings, data and code); {len(todo)} to train")
    if executor is not None or n_jobs > 1:
        # Longest first, so that no worker is left with a long configuration at the end
        # while the others idle (the table keeps the sweep's order).
        todo.sort(key=lambda i: -_estimated_cost(all_configs[i]))

    best = {"rank": None, "params": None}
    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(tqdm(total=len(all_configs), initial=skipped, desc="sweep",
                                       unit="config", disable=not progress))
        for i, record, params in _results(todo, all_configs, data, options, n_jobs, threads,
                                          executor, stack):
            records[i] = record
            if results_path is not None:
                _append_record(results_path, dict(record, fingerprint=fp))
            rank = (record["val_acc"], -i)
            if record["status"] == "ok" and (best["rank"] is None or rank > best["rank"]):
                best["rank"], best["params"] = rank, params
            bar.update(1)

    result = SweepResult(records=records, ran=len(todo), skipped=skipped,
                         results_path=None if results_path is None else str(results_path))
    ok = [(r["val_acc"], -i) for i, r in enumerate(records) if r["status"] == "ok"]
    if ok:
        rank = max(ok)
        i = -rank[1]
        result.best_record = records[i]
        params = best["params"] if best["rank"] == rank else None
        if params is None:  # recorded by an earlier run: train it again (same seed)
            params = _retrain(all_configs[i], data, options, records[i], threads)
        result.best_net = TwoLayerNet.from_params(params)
        if save_best is not None:
            result.best_net.save(save_best)
    result.wall_seconds = time.perf_counter() - began
    return result


def _estimated_cost(config):
    """Relative training time of a configuration: steps x batch x (hidden units + a share
    for the per-step work that does not grow with the hidden layer)."""
    return config["num_iters"] * config["batch_size"] * (config["hidden_size"] + 64)


def _checked_data(data):
    check_data_dict(data, DATA_KEYS)
    X_train = check_features(data["X_train"], name="X_train")
    X_val = check_features(data["X_val"], name="X_val", n_features=X_train.shape[1])
    if X_val.dtype != X_train.dtype:
        X_val = X_val.astype(X_train.dtype)
    # Read-only views: every configuration's train() then finds them checked already.
    return {
        "X_train": read_only(X_train),
        "y_train": read_only(check_y(data["y_train"], X_train.shape[0], name="y_train")),
        "X_val": read_only(X_val),
        "y_val": read_only(check_y(data["y_val"], X_val.shape[0], name="y_val")),
    }


def _retrain(config, data, options, record, threads):
    _, record_again, params = _task(-1, config, data, options, threads)
    if record_again["val_acc"] != record["val_acc"]:
        warnings.warn(
            f"the best configuration, trained again, reached val_acc {record_again['val_acc']} "
            f"instead of the recorded {record['val_acc']} (different BLAS threads or data?)",
            SweepWarning, stacklevel=3)
    return params


# ----------------------------------------------------------------------------------------
# Table and heatmap
# ----------------------------------------------------------------------------------------

def _records_of(results):
    records = results.records if isinstance(results, SweepResult) else list(results)
    if not records:
        raise ValueError("no results to show")
    return records


def _varying_keys(records):
    return [k for k in CONFIG_KEYS if len({json.dumps(r.get(k)) for r in records}) > 1]


def _format_cell(column, record):
    value = record.get(column)
    if column == "status":
        if value == "diverged":
            return f"diverged at it {record.get('diverged_at')}"
        return str(value)
    if value is None:
        return "—"
    if column in ("train_acc", "val_acc"):
        return f"{value:.3f}"
    if column == "final_loss":
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"
    if column == "seconds":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _best_val(records):
    ok = [r["val_acc"] for r in records if r["status"] == "ok" and r.get("val_acc") is not None]
    return max(ok) if ok else None


def _behind_best(record, best, se):
    """How far a record's val_acc is below the best, in standard errors, as table text."""
    if record["status"] != "ok" or record.get("val_acc") is None or best is None:
        return "—"
    gap = (best - record["val_acc"]) / se
    if gap == 0:
        return "best"
    return f"{gap:.1f} SE" + (" (within noise)" if gap <= 1 else "")


def records_to_markdown(records, columns=None, sort_by=None, se=None):
    """A Markdown table of sweep records (see SweepResult.to_markdown)."""
    records = _records_of(records)
    if columns is None:
        columns = _varying_keys(records) + list(RESULT_COLUMNS)
    columns = list(columns)
    if se is not None:
        se = check_positive_float(se, "se")
        best = _best_val(records)
        columns.append("behind best")
    if sort_by is not None:
        records = sorted(records, key=lambda r: (r.get(sort_by) is None, -(r.get(sort_by) or 0)))
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---:" if c != "status" else ":---" for c in columns) + "|"]
    for r in records:
        cells = [_behind_best(r, best, se) if c == "behind best" and se is not None
                 else _format_cell(c, r) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _tick_label(v):
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def plot_heatmap(results, x="learning_rate", y="reg", value="val_acc", ax=None, se=None):
    """A heatmap of a sweep's results over two settings.

    Each cell shows the best ``value`` over the configurations with that (x, y); when other
    settings vary too, that is the best over them (the title says so). Cells where every
    configuration diverged are hatched and marked "div" (and named in a legend); cells the
    sweep did not try stay blank.

    Inputs:
    - results: a SweepResult or a list of records.
    - x, y: settings (from CONFIG_KEYS) for the columns and rows.
    - value: the record field to show, e.g. "val_acc", "train_acc" or "final_loss".
    - ax: matplotlib Axes to draw into (default: a new figure).
    - se: the standard error of one cell's value (e.g. 0.016 for an accuracy near 0.5 on
      1,000 images). If given, the best cell is marked "best" and every other cell
      "≤1 SE" or "≤2 SE" when it is that close to the best, and the colour scale spans at
      least 6 SE below the best, so that differences within the noise look small.

    Returns the Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    records = _records_of(results)
    for name in (x, y):
        if name not in CONFIG_KEYS:
            raise ValueError(f"{name!r} is not a sweep setting; choose from {list(CONFIG_KEYS)}")
    xs = sorted({r[x] for r in records})
    ys = sorted({r[y] for r in records})
    grid = np.full((len(ys), len(xs)), np.nan)
    diverged = np.zeros(grid.shape, dtype=bool)
    for r in records:
        j, i = ys.index(r[y]), xs.index(r[x])
        v = r.get(value)
        if r["status"] == "ok" and v is not None:
            grid[j, i] = v if np.isnan(grid[j, i]) else max(grid[j, i], v)
        elif r["status"] == "diverged":
            diverged[j, i] = True
    diverged &= np.isnan(grid)  # a cell is "div" only if nothing there trained

    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * len(xs) + 3, 0.8 * len(ys) + 2))
    finite = grid[np.isfinite(grid)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
    vmin = vmax = None  # matplotlib's own colour range unless se is given
    if se is not None:
        se = check_positive_float(se, "se")
        if finite.size:
            low = min(low, high - 6 * se)
            vmin, vmax = low, high
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap="viridis",
                      vmin=vmin, vmax=vmax)
    ax.figure.colorbar(image, ax=ax, label=value)
    middle = (low + high) / 2  # dark text on the light half of the colour range
    for j in range(len(ys)):
        for i in range(len(xs)):
            if diverged[j, i]:
                ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor="0.85", edgecolor="tab:red",
                                       hatch="///", linewidth=0))
                ax.text(i, j, "div", ha="center", va="center", color="tab:red", fontweight="bold")
            elif np.isfinite(grid[j, i]):
                text = f"{grid[j, i]:.3f}"
                if se is not None:
                    gap = (high - grid[j, i]) / se
                    text += ("\nbest" if gap == 0 else "\n≤1 SE" if gap <= 1
                             else "\n≤2 SE" if gap <= 2 else "")
                ax.text(i, j, text, ha="center", va="center",
                        color="black" if grid[j, i] > middle else "white")
    if diverged.any():
        ax.legend(handles=[Rectangle((0, 0), 1, 1, facecolor="0.85", edgecolor="tab:red",
                                     hatch="///", label="diverged (loss NaN or inf)")],
                  loc="upper left", bbox_to_anchor=(0, -0.18), frameon=False, fontsize="small")
    ax.set_xticks(range(len(xs)), [_tick_label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_tick_label(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    others = [k for k in _varying_keys(records) if k not in (x, y)]
    title = f"{value} by {x} and {y}"
    if others:
        title += f"\n(best over {', '.join(others)})"
    if se is not None:
        title += f"\n(standard error of one cell ≈ {se:.3f})"
    ax.set_title(title)
    return ax
