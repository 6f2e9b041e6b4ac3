"""The staff's FastSolver against the plain Solver: the same run, to float tolerance.

Both run in this process under the same BLAS setting, the plain Solver with the package's
own solution code (the course's ``model.loss`` and ``optim`` rules). The fast step sums in
another order (no temporaries, the L2 term inside the GEMM, the bias correction folded
into one scale), so the comparison has a float tolerance, never bitwise equality: results
may differ in the last bits across BLAS kernels and thread counts.
"""
import warnings

import numpy as np
import pytest

from cs231n import optim
from cs231n.classifiers.fc_net import FullyConnectedNet, ModularTwoLayerNet
from cs231n.divergence import DivergenceWarning
from cs231n.solver import Solver
from cs231n.tools.fast import FastSolver

RULES = {"sgd": 1e-1, "sgd_momentum": 5e-2, "rmsprop": 1e-2, "adam": 1e-2}  # learning rates
# rtol per dtype: float64 runs agree to ~1e-15 per step, float32 to ~1e-7, and 36 steps
# of training amplify that a little. Far below the effect of any change to the maths (see
# test_the_comparison_sees_a_small_change).
RTOL = {np.float64: 1e-10, np.float32: 1e-4}


def blobs(n=400, D=20, C=4, seed=0):
    """C Gaussian blobs in D dimensions: learnable in a few epochs, not trivially."""
    rng = np.random.default_rng(seed)
    centres = 1.5 * rng.standard_normal((C, D))
    y = rng.integers(C, size=n)
    X = centres[y] + rng.standard_normal((n, D))
    return {"X_train": X[:300], "y_train": y[:300], "X_val": X[300:], "y_val": y[300:]}


def make_net(dtype=np.float32, reg=1e-2, cls=FullyConnectedNet, weight_scale=1e-1):
    return cls([30, 20], input_dim=20, num_classes=4, reg=reg, weight_scale=weight_scale,
               dtype=dtype, seed=1)


def run(solver_cls, model, data, rule="adam", tmp_path=None, **kwargs):
    """Train 3 epochs (36 steps) and return the solver (with a checkpoint per check)."""
    settings = {"update_rule": rule, "optim_config": {"learning_rate": RULES[rule]},
                "lr_decay": 0.9, "batch_size": 25, "num_epochs": 3, "num_train_samples": 100,
                "verbose": False, "seed": 2, **kwargs}
    if tmp_path is not None:
        settings["checkpoint_name"] = str(tmp_path / solver_cls.__name__)
    solver = solver_cls(model, data, **settings)
    solver.train()
    return solver


def last_params(solver):
    """The parameters after the last step (the model holds the best ones after train())."""
    with np.load(solver.last_checkpoint) as f:
        return {k[len("param/"):]: f[k] for k in f.files if k.startswith("param/")}


def assert_same_run(fast, plain, rtol, acc_atol=0.0):
    """Same losses, accuracies, best and last parameters and update-rule state."""
    np.testing.assert_allclose(fast.loss_history, plain.loss_history, rtol=rtol)
    # Accuracies count argmaxes: equal unless a score ties within rounding.
    np.testing.assert_allclose(fast.train_acc_history, plain.train_acc_history, atol=acc_atol)
    np.testing.assert_allclose(fast.val_acc_history, plain.val_acc_history, atol=acc_atol)
    assert (fast.epoch, fast.iteration, fast.diverged_at) == \
        (plain.epoch, plain.iteration, plain.diverged_at)
    pairs = [(fast.best_params, plain.best_params)]
    if plain.last_checkpoint is not None:
        pairs.append((last_params(fast), last_params(plain)))
    for mine, theirs in pairs:
        assert mine.keys() == theirs.keys()
        for k, v in theirs.items():
            assert mine[k].dtype == v.dtype, k
            np.testing.assert_allclose(mine[k], v, rtol=rtol, atol=rtol * np.abs(v).max(),
                                       err_msg=k)
    assert fast.optim_configs.keys() == plain.optim_configs.keys()
    for p, config in plain.optim_configs.items():
        assert sorted(fast.optim_configs[p]) == sorted(config), p  # optim.py's keys
        for k, v in config.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_allclose(fast.optim_configs[p][k], v, rtol=rtol,
                                           atol=rtol * np.abs(v).max(), err_msg=f"{p} {k}")
            else:  # learning rate, t, optim.py's defaults: the same numbers
                assert fast.optim_configs[p][k] == pytest.approx(v, rel=1e-12), f"{p} {k}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rule", list(RULES))
def test_same_run_as_the_plain_solver(tmp_path, rule, dtype):
    data = blobs()
    plain = run(Solver, make_net(dtype), data, rule, tmp_path)
    fast = run(FastSolver, make_net(dtype), data, rule, tmp_path)
    assert fast.fast_steps == fast.iteration == 36
    assert fast.model.params["W1"].dtype == dtype
    assert plain.best_val_acc > 0.7  # it learnt something: the comparison is not trivial
    assert_same_run(fast, plain, RTOL[dtype], acc_atol=0.0 if dtype == np.float64 else 0.02)


@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_same_run_with_and_without_l2_through_both_gemm_routes(tmp_path, gemm_path, reg):
    # reg > 0 forms dW = h.T @ dout + reg * W in one GEMM (BLAS, or the NumPy fallback).
    data = blobs()
    plain = run(Solver, make_net(reg=reg), data, "adam", tmp_path)
    fast = run(FastSolver, make_net(reg=reg), data, "adam", tmp_path)
    assert fast.fast_steps == 36
    assert_same_run(fast, plain, RTOL[np.float32], acc_atol=0.02)


def test_the_comparison_sees_a_small_change(tmp_path):
    # The tolerance is meaningful: a learning rate 0.1% off fails it, in float32 and 64.
    data = blobs()
    for dtype in (np.float64, np.float32):
        plain = run(Solver, make_net(dtype), data, "adam", tmp_path)
        fast = run(FastSolver, make_net(dtype), data, "adam", tmp_path,
                   optim_config={"learning_rate": RULES["adam"] * 1.001})
        with pytest.raises(AssertionError):
            assert_same_run(fast, plain, RTOL[dtype], acc_atol=1.0)


def test_images_of_any_shape_and_dtype_are_cast_like_the_net_does(tmp_path):
    data = blobs()
    data = {k: v.reshape(len(v), 2, 10) if k.startswith("X") else v for k, v in data.items()}
    assert data["X_train"].dtype == np.float64
    plain = run(Solver, make_net(np.float32), data, "rmsprop", tmp_path)
    fast = run(FastSolver, make_net(np.float32), data, "rmsprop", tmp_path)
    assert fast.fast_steps == 36
    assert_same_run(fast, plain, RTOL[np.float32], acc_atol=0.02)


def test_resume_from_a_checkpoint_matches_the_uninterrupted_run(tmp_path):
    data = blobs()
    whole = run(FastSolver, make_net(), data, "adam", tmp_path / "whole")
    # Resume after epoch 1, from a FastSolver's checkpoint and from a plain Solver's: the
    # checkpoints are the Solver's, so either solver continues either's run.
    for first in (FastSolver, Solver):
        part = run(first, make_net(), data, "adam", tmp_path / first.__name__, num_epochs=1)
        resumed = FastSolver(make_net(), data, verbose=False)
        resumed.resume(part.last_checkpoint.with_name(f"{first.__name__}_epoch_1.npz"))
        assert resumed.iteration == 12 and resumed.optim_configs["W1"]["t"] == 12
        resumed.num_epochs = 3
        resumed.checkpoint_name = str(tmp_path / f"resumed_{first.__name__}")
        resumed.train()
        assert resumed.fast_steps == 24
        assert_same_run(resumed, whole, RTOL[np.float32], acc_atol=0.02)


def test_divergence_stops_before_the_step_with_the_solvers_message():
    data = blobs()
    settings = {"optim_config": {"learning_rate": 1e12}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        plain = run(Solver, make_net(np.float64, weight_scale=1.0), data, "sgd", **settings)
    model = make_net(np.float64, weight_scale=1.0)
    with pytest.warns(DivergenceWarning, match="diverged at iteration") as caught:
        fast = run(FastSolver, model, data, "sgd", **settings)
    assert caught[0].filename == __file__  # reported at the caller of train(), as Solver's
    assert 0 < plain.diverged_at < 36
    assert fast.diverged_at == plain.diverged_at == fast.iteration
    assert fast.fast_steps == fast.iteration
    assert fast.message == plain.message
    assert len(fast.loss_history) == fast.iteration
    np.testing.assert_allclose(fast.loss_history, plain.loss_history, rtol=RTOL[np.float64])
    for k, v in plain.model.params.items():  # the diverging step was applied by neither
        np.testing.assert_allclose(model.params[k], v, rtol=RTOL[np.float64], err_msg=k)


class MyNet(FullyConnectedNet):
    """A student's or a staff member's own variant: its loss is not the fast step's."""

    def loss(self, X, y=None):
        out = super().loss(X, y)
        return out if y is None else (out[0] * 2, {k: 2 * g for k, g in out[1].items()})


def test_everything_else_takes_the_plain_step(tmp_path):
    data = blobs()

    def fortran_order(model):  # params no longer laid out as the net made them
        model.params = {k: np.asfortranarray(v) for k, v in model.params.items()}
        return model

    cases = [(lambda: ModularTwoLayerNet(20, 30, 4, weight_scale=1e-1, reg=1e-2, seed=1), "adam"),
             (lambda: make_net(cls=MyNet), "adam"),
             (lambda: fortran_order(make_net()), "sgd_momentum")]
    # The check is made at every step: the course's sgd_momentum returns new (C-ordered)
    # arrays, so after one plain step the Fortran-ordered net takes the fast one.
    for (make, rule), fast_steps in zip(cases, [0, 0, 35]):
        plain = run(Solver, make(), data, rule, tmp_path)
        fast = run(FastSolver, make(), data, rule, tmp_path)
        assert fast.fast_steps == fast_steps, type(fast.model).__name__
        assert_same_run(fast, plain, 1e-12 if fast_steps == 0 else RTOL[np.float32],
                        acc_atol=0.0 if fast_steps == 0 else 0.02)

    # An update rule that is not optim's (swapped in by hand) is honoured too.
    calls = []

    def my_sgd(w, dw, config):
        calls.append(w.shape)
        return optim.sgd(w, dw, config)

    solver = FastSolver(make_net(), data, update_rule="sgd", batch_size=25, num_epochs=1,
                        verbose=False, seed=0)
    solver.update_rule = my_sgd
    solver.train()
    assert solver.fast_steps == 0 and len(calls) == 12 * 6  # 12 steps, 6 parameters


def test_data_that_does_not_fit_the_net_gets_the_plain_steps_error():
    data = blobs()
    for bad, match in ((dict(data, X_train=data["X_train"][:, :15]), "input_dim=20"),
                       (dict(data, y_train=data["y_train"] + 1), "labels")):
        for cls in (Solver, FastSolver):
            with pytest.raises(ValueError, match=match):
                run(cls, make_net(), bad, "adam")


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("rule", list(RULES))
def test_sliced_update_equals_whole_update(monkeypatch, rule, threads):
    # A ModularTwoLayerNet takes the plain step, whose large parameters FastSolver updates
    # slice by slice: the same run as the plain Solver's whole-array update.
    import cs231n.tools.fast.solver as fast_solver

    monkeypatch.setattr(fast_solver, "UPDATE_THREADS", threads)
    monkeypatch.setattr(fast_solver, "UPDATE_SLICE", 7)  # uneven slices, a short last one
    monkeypatch.setattr(fast_solver, "SLICED_UPDATE_MIN_SIZE", 16)  # every weight matrix
    data = blobs()
    runs = [run(cls, ModularTwoLayerNet(20, 30, 4, weight_scale=1e-1, reg=1e-2, seed=1), data,
                rule, num_epochs=2) for cls in (Solver, FastSolver)]
    plain, sliced = runs
    assert sliced.fast_steps == 0
    np.testing.assert_allclose(sliced.loss_history, plain.loss_history, rtol=1e-12)
    for k in plain.model.params:
        np.testing.assert_allclose(sliced.model.params[k], plain.model.params[k], rtol=1e-12)
        for key, value in plain.optim_configs[k].items():
            np.testing.assert_allclose(sliced.optim_configs[k][key], value, rtol=1e-12)
