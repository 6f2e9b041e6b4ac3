"""Tests of cs231n.solver.Solver on small synthetic problems (no CIFAR-10 needed)."""
import warnings

import numpy as np
import pytest

from cs231n import optim
from cs231n.classifiers.fc_net import FullyConnectedNet, ModularTwoLayerNet
from cs231n.divergence import DivergenceWarning
from cs231n.solver import Solver
from cs231n.tools.train_loop import divergence_message


def blobs(n=300, D=20, C=3, seed=0):
    """C Gaussian blobs in D dimensions: easy to classify, not trivially."""
    rng = np.random.default_rng(seed)
    centres = 2.0 * rng.standard_normal((C, D))
    y = rng.integers(C, size=n)
    X = centres[y] + rng.standard_normal((n, D))
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = blobs(400)
    return {"X_train": X[:300], "y_train": y[:300], "X_val": X[300:], "y_val": y[300:]}


def make_model(seed=0):
    return ModularTwoLayerNet(input_dim=20, hidden_dim=30, num_classes=3, weight_scale=1e-1,
                              reg=1e-3, seed=seed)


def make_solver(model, data, **kwargs):
    kwargs.setdefault("update_rule", "adam")
    kwargs.setdefault("optim_config", {"learning_rate": 1e-2})
    kwargs = {"lr_decay": 0.9, "batch_size": 25, "num_epochs": 4, "num_train_samples": 100,
              "verbose": False, "seed": 0, **kwargs}
    return Solver(model, data, **kwargs)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_trains_and_keeps_best_params(data, rule):
    lr = {"sgd": 1e-1, "sgd_momentum": 5e-2, "rmsprop": 1e-2, "adam": 1e-2}[rule]
    model = make_model()
    solver = make_solver(model, data, update_rule=rule, optim_config={"learning_rate": lr})
    solver.train()
    iterations = 4 * (300 // 25)
    assert len(solver.loss_history) == iterations
    # checked after the first iteration and at the end of each epoch (the last included)
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 4 + 1
    assert np.mean(solver.loss_history[-5:]) < 0.5 * solver.loss_history[0]
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.9
    for k, v in solver.best_params.items():
        np.testing.assert_array_equal(model.params[k], v)
    for config in solver.optim_configs.values():  # decayed once per epoch
        assert config["learning_rate"] == pytest.approx(lr * 0.9 ** 4, rel=1e-12)


def test_same_seed_same_run_different_seed_different_run(data):
    runs = []
    for seed in (0, 0, 1):
        solver = make_solver(make_model(), data, seed=seed)
        solver.train()
        runs.append(solver.loss_history)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-10)
    assert not np.allclose(runs[0], runs[2])


def _final_state(solver):
    return solver.model.params, solver.loss_history, solver.val_acc_history, solver.best_val_acc


@pytest.mark.parametrize("rule", ["sgd_momentum", "rmsprop", "adam"])
def test_resume_from_checkpoint_matches_uninterrupted_run(data, tmp_path, rule):
    full = make_solver(make_model(), data, update_rule=rule,
                       checkpoint_name=str(tmp_path / "full"))
    full.train()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"full_epoch_{e}.npz" for e in range(5)]
    # npz with plain arrays only: loadable without pickle
    with np.load(tmp_path / "full_epoch_2.npz", allow_pickle=False) as f:
        assert all(f[k].dtype != object for k in f.files)

    # A fresh model and solver (different initial weights and seed: everything must come
    # from the checkpoint), resumed after epoch 2.
    resumed = make_solver(make_model(seed=5), data, update_rule=rule, seed=123)
    resumed.resume(tmp_path / "full_epoch_2.npz")
    assert resumed.epoch == 2 and resumed.iteration == 2 * 12
    resumed.train()

    params_a, loss_a, val_a, best_a = _final_state(full)
    params_b, loss_b, val_b, best_b = _final_state(resumed)
    assert len(loss_b) == len(loss_a)
    np.testing.assert_allclose(loss_b, loss_a, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(val_b, val_a, atol=1e-12)
    assert best_b == pytest.approx(best_a)
    for k in params_a:
        np.testing.assert_allclose(params_b[k], params_a[k], rtol=1e-9, atol=1e-12)


class Interrupt(Exception):
    pass


def test_resume_after_an_interruption(data, tmp_path):
    reference = make_solver(make_model(), data)
    reference.train()

    # The same run, killed during epoch 3 (iteration 30 of 48).
    model = make_model()
    real_loss, calls = model.loss, []

    def dying_loss(X, y=None):
        if y is not None:
            calls.append(1)
            if len(calls) == 31:
                raise Interrupt
        return real_loss(X, y)

    model.loss = dying_loss
    solver = make_solver(model, data, checkpoint_name=str(tmp_path / "run"))
    with pytest.raises(Interrupt):
        solver.train()
    assert solver.last_checkpoint.name == "run_epoch_2.npz"

    again = make_solver(make_model(seed=9), data).resume(solver.last_checkpoint)
    again.train()
    np.testing.assert_allclose(again.loss_history, reference.loss_history, rtol=1e-9)
    for k, v in reference.model.params.items():
        np.testing.assert_allclose(again.model.params[k], v, rtol=1e-9, atol=1e-12)


def test_resume_refuses_a_different_model(data, tmp_path):
    solver = make_solver(make_model(), data, num_epochs=1, checkpoint_name=str(tmp_path / "c"))
    solver.train()
    other = ModularTwoLayerNet(input_dim=20, hidden_dim=31, num_classes=3)
    with pytest.raises(ValueError, match="do not match the model's"):
        make_solver(other, data).resume(tmp_path / "c_epoch_1.npz")


def test_divergence_stops_before_the_step(data):
    model = FullyConnectedNet([50, 50], input_dim=20, num_classes=3, weight_scale=1.0,
                              dtype=np.float64, seed=0)
    solver = make_solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e12},
                         num_epochs=2)
    last_good = {}

    real_loss = model.loss

    def spy(X, y=None):  # remembers the parameters the loss was last computed with
        last_good.update({k: v.copy() for k, v in model.params.items()})
        return real_loss(X, y)

    model.loss = spy
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        solver.train()
    assert any(w.category is DivergenceWarning for w in record), (
        f"SGD at learning rate 1e12 ran {len(solver.loss_history)} iterations without a "
        f"NaN or infinite loss (last loss {solver.loss_history[-1]:.3g}): the weights grow "
        "without bound at that rate, so the scores overflow and a correct softmax_loss "
        "returns inf or nan. Check layers.softmax_loss, the net's loss and optim.sgd.")
    it = solver.diverged_at
    assert it is not None and 0 < it < 24
    assert len(solver.loss_history) == it and np.all(np.isfinite(solver.loss_history))
    assert solver.message == divergence_message(it, solver.message.split("became ")[1].split(" ")[0],
                                                1e12, 1e12, 0.0)
    assert str(record[0].message) == solver.message
    assert "Training diverged at iteration" in solver.message
    assert "Try a smaller learning rate" in solver.message
    # The diverged step was not applied (the best parameters are then swapped in, as after
    # any run; with no best the parameters stay those of the failing iteration).
    if not solver.best_params:
        for k, v in last_good.items():
            np.testing.assert_array_equal(model.params[k], v)


def test_divergence_leaves_params_when_nothing_was_better(data):
    # Diverges at the very first iteration: no accuracy check ran, nothing to swap in.
    model = make_model()
    before = {k: v.copy() for k, v in model.params.items()}
    model.loss = lambda X, y=None: (np.nan, {k: np.zeros_like(v) for k, v in model.params.items()})
    solver = make_solver(model, data)
    with pytest.warns(DivergenceWarning, match="iteration 0: the loss became nan"):
        solver.train()
    assert solver.diverged_at == 0 and solver.loss_history == []
    for k, v in before.items():
        np.testing.assert_array_equal(model.params[k], v)


def test_unknown_update_rule_lists_the_known_ones(data):
    with pytest.raises(ValueError) as e:
        make_solver(make_model(), data, update_rule="nesterov")
    assert str(e.value) == ('Invalid update_rule "nesterov": the known update rules are '
                            "adam, rmsprop, sgd, sgd_momentum")


def test_bad_arguments(data):
    with pytest.raises(ValueError, match='Unrecognized arguments "learning_rate"'):
        Solver(make_model(), data, learning_rate=1e-3)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        make_solver(make_model(), data, batch_size=0)
    with pytest.raises(ValueError, match="missing 'X_val'"):
        Solver(make_model(), {"X_train": data["X_train"], "y_train": data["y_train"]})
    with pytest.raises(ValueError, match="y_train has 299 labels but X has 300 rows"):
        Solver(make_model(), dict(data, y_train=data["y_train"][:-1]))


def test_verbose_and_progress_output(data, capsys, monkeypatch):
    monkeypatch.setenv("CS231N_TEXT_PROGRESS", "1")
    solver = make_solver(make_model(), data, num_epochs=1, verbose=True, print_every=5,
                         progress=True)
    solver.train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 12) loss:" in out
    assert "(Epoch 1 / 1) train acc:" in out


def test_num_train_samples_is_a_fixed_subset(data):
    solver = make_solver(make_model(), data, num_train_samples=50, num_val_samples=40)
    solver.train()
    for accs, n in ((solver.train_acc_history, 50), (solver.val_acc_history, 40)):
        assert all(abs(acc * n - round(acc * n)) < 1e-9 for acc in accs)  # counts out of n
    # The same subset at every call (and np.random is left alone).
    state = np.random.get_state()[1].copy()
    X, y = data["X_train"], data["y_train"]
    accs = {solver.check_accuracy(X, y, num_samples=50) for _ in range(3)}
    assert len(accs) == 1 and np.array_equal(np.random.get_state()[1], state)
    with pytest.raises(ValueError, match="num_val_samples must be a positive integer"):
        make_solver(make_model(), data, num_val_samples=0)


def test_update_rule_receives_whole_parameters():
    # The course's loop over parameters: every call of the rule gets one whole parameter
    # (here W1 of shape (3072, 100), as a CIFAR-10 net has), its gradient and its config.
    rng = np.random.default_rng(0)
    data = {"X_train": rng.standard_normal((40, 3, 32, 32)), "y_train": rng.integers(10, size=40),
            "X_val": rng.standard_normal((10, 3, 32, 32)), "y_val": rng.integers(10, size=10)}
    model = FullyConnectedNet([100], input_dim=3 * 32 * 32, num_classes=10, seed=0)
    shapes = {k: v.shape for k, v in model.params.items()}
    calls = []

    def recording_adam(w, dw, config):
        calls.append((w.shape, dw.shape, {k: np.shape(v) for k, v in config.items()}))
        return optim.adam(w, dw, config)

    solver = Solver(model, data, update_rule="adam", batch_size=10, num_epochs=1,
                    verbose=False, seed=0)
    solver.update_rule = recording_adam
    solver.train()
    assert len(calls) == 4 * len(shapes)  # 4 steps, one call per parameter
    assert [shape for shape, _, _ in calls] == list(shapes.values()) * 4
    assert (3072, 100) in shapes.values()
    for w_shape, dw_shape, config_shapes in calls:
        assert dw_shape == w_shape
        # the rule's state (m, v) is whole too, from the second step on
        assert all(s in ((), w_shape) for s in config_shapes.values())
