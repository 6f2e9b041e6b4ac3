"""The Solver's checkpoints: its whole training state in one npz file (no pickle).

``save_checkpoint(solver, filename)`` writes what ``load_checkpoint(solver, path)`` reads
back into a Solver built with the same kind of model and the same data, so that
``solver.train()`` continues the run where the checkpoint was taken: the model's and the
best parameters, the update rule with its configuration and state, the settings, the
histories, the epoch and iteration, the accuracy subsets and NumPy's random state.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from cs231n import optim
from cs231n.tools.train_loop import GlobalRandomState

#: Version of the checkpoint layout (stored in every checkpoint). 2: the random state is
#: NumPy's global state (np.random.get_state()).
CHECKPOINT_FORMAT = 2


def solver_state(solver):
    """The whole training state of ``solver`` as a dict of NumPy arrays."""
    kind, keys, pos, has_gauss, cached_gaussian = solver.random_state.get_state()
    meta = {
        "format": CHECKPOINT_FORMAT,
        "update_rule": solver.update_rule_name,
        "optim_config": {k: float(v) for k, v in solver.optim_config.items()},
        "lr_decay": solver.lr_decay,
        "batch_size": solver.batch_size,
        "num_epochs": solver.num_epochs,
        "num_train_samples": solver.num_train_samples,
        "num_val_samples": solver.num_val_samples,
        "epoch": solver.epoch,
        "iteration": solver.iteration,
        "best_val_acc": float(solver.best_val_acc),
        "random_state": [kind, int(pos), int(has_gauss), float(cached_gaussian)],
        "param_names": list(solver.model.params),
        "best_param_names": list(solver.best_params),
        "optim_keys": {p: sorted(c) for p, c in solver.optim_configs.items()},
    }
    state = {"meta": np.array(json.dumps(meta, default=int)), "random_keys": keys}
    for k, v in solver.model.params.items():
        state[f"param/{k}"] = v
    for k, v in solver.best_params.items():
        state[f"best/{k}"] = v
    for p, config in solver.optim_configs.items():
        for k, v in config.items():
            state[f"optim/{p}/{k}"] = np.asarray(v)
    for name in ("loss_history", "train_acc_history", "val_acc_history"):
        state[name] = np.asarray(getattr(solver, name), dtype=np.float64)
    return state


def save_checkpoint(solver, filename):
    """Write ``solver``'s state to ``filename`` (an .npz path), never half-written."""
    filename = Path(filename)
    filename.parent.mkdir(parents=True, exist_ok=True)
    tmp = filename.with_name(filename.name + ".tmp")
    with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
        np.savez(f, **solver_state(solver))
    os.replace(tmp, filename)


def load_checkpoint(solver, checkpoint_path):
    """Load a checkpoint written by :func:`save_checkpoint` into ``solver`` (see
    ``Solver.resume``). Raises ValueError if it is not one, or its model does not match."""
    with np.load(checkpoint_path, allow_pickle=False) as f:
        state = {k: f[k] for k in f.files}
    try:
        meta = json.loads(str(state["meta"]))
    except KeyError as e:
        raise ValueError(f"{checkpoint_path}: not a Solver checkpoint (no 'meta')") from e
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{checkpoint_path}: unknown checkpoint format {meta.get('format')!r}")
    params = {k: state[f"param/{k}"] for k in meta["param_names"]}
    mine = {k: v.shape for k, v in solver.model.params.items()}
    theirs = {k: v.shape for k, v in params.items()}
    if mine != theirs:
        raise ValueError(f"{checkpoint_path}: the checkpoint's parameters {theirs} do not "
                         f"match the model's {mine}")
    if meta["update_rule"] not in optim.UPDATE_RULES:
        raise ValueError(f"{checkpoint_path}: unknown update rule {meta['update_rule']!r}")

    solver.update_rule_name = meta["update_rule"]
    solver.update_rule = optim.UPDATE_RULES[solver.update_rule_name]
    for name in ("optim_config", "lr_decay", "batch_size", "num_epochs", "num_train_samples",
                 "num_val_samples"):
        setattr(solver, name, meta[name])
    solver._reset()
    solver.epoch, solver.iteration = meta["epoch"], meta["iteration"]
    solver.best_val_acc = meta["best_val_acc"]
    kind, pos, has_gauss, cached_gaussian = meta["random_state"]
    solver.random_state = GlobalRandomState(
        (kind, state["random_keys"].astype(np.uint32), pos, has_gauss, cached_gaussian))

    def restore(a):
        return a.item() if a.ndim == 0 else a.copy()

    solver.model.params = {k: v.copy() for k, v in params.items()}
    solver.best_params = {k: state[f"best/{k}"].copy() for k in meta["best_param_names"]}
    solver.optim_configs = {p: {k: restore(state[f"optim/{p}/{k}"]) for k in keys}
                            for p, keys in meta["optim_keys"].items()}
    for name in ("loss_history", "train_acc_history", "val_acc_history"):
        setattr(solver, name, state[name].tolist())
