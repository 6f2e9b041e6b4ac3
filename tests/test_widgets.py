"""The interactive explorer (cs231n/tools/widgets.py), in process, on small synthetic data."""
import html
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from cs231n.classifiers.neural_net import DivergenceWarning, TwoLayerNet  # noqa: E402
from cs231n.tools.blas import blas_threads  # noqa: E402
from cs231n.tools.training import train_net  # noqa: E402
from cs231n.tools import widgets  # noqa: E402
from cs231n.tools.widgets import (  # noqa: E402
    DATA_ENV_VAR,
    TrainingExplorer,
    load_explorer_data,
    make_synthetic_data,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Small and quick: 300 CIFAR-shaped images, batches of 50 -> 6 iterations per epoch.
SMALL = {"hidden_size": 20, "num_iters": 50, "batch_size": 50}


@pytest.fixture(scope="module")
def data():
    return make_synthetic_data(num_training=300, num_validation=60)


@pytest.fixture
def explorer(data):
    return TrainingExplorer(data, **SMALL)


def reference_history(data, params, threads, train=None):
    """Train a TwoLayerNet directly with ``params`` under ``threads`` BLAS threads: what the
    explorer should have done. ``train``: the training function (default: the tools' own,
    train_net, as the explorer uses)."""
    net = TwoLayerNet(data["X_train"].shape[1], params["hidden_size"], 10, std=params["std"],
                      seed=params["seed"], dtype=np.float32)
    train = train or (lambda net, *a, **k: train_net(net, *a, **k))
    with warnings.catch_warnings(), blas_threads(threads):
        warnings.simplefilter("ignore", DivergenceWarning)
        return train(net, data["X_train"], data["y_train"], data["X_val"], data["y_val"],
                     learning_rate=params["learning_rate"],
                     learning_rate_decay=params["learning_rate_decay"], reg=params["reg"],
                     num_iters=params["num_iters"], batch_size=params["batch_size"],
                     seed=params["seed"])


def test_controls_are_log_sliders_that_update_on_release(explorer):
    import ipywidgets as W

    lr, reg = explorer.lr_slider, explorer.reg_slider
    assert isinstance(lr, W.FloatLogSlider) and isinstance(reg, W.FloatLogSlider)
    assert (lr.base, lr.min, lr.max) == (10, -5, -1)  # 1e-5 .. 1e-1
    assert (reg.base, reg.min, reg.max) == (10, -4, 1)  # 1e-4 .. 10
    for slider in (lr, reg, explorer.hidden_slider, explorer.iters_slider):
        assert slider.continuous_update is False
    # Everything lives in one box: sliders, the status line and the plot.
    box = explorer.widget
    assert explorer.status in box.children and explorer.plot in box.children


def test_builds_and_trains_once(explorer, data):
    assert len(explorer.train_log) == 1
    assert explorer.params == explorer.train_log[0]
    assert explorer.png.startswith(PNG_MAGIC) and explorer.plot.value == explorer.png
    assert explorer.net.hidden_size == SMALL["hidden_size"]
    assert len(explorer.history["loss_history"]) == SMALL["num_iters"]
    # 50 iterations of batches of 50 on 300 images: 8 epochs of 6 iterations.
    assert len(explorer.history["val_acc_history"]) == SMALL["num_iters"] // 6
    # The status line names the settings and the final validation accuracy, computed here
    # independently from the trained net.
    val_acc = float((explorer.net.predict(data["X_val"]) == data["y_val"]).mean())
    text = explorer.status_text
    assert "learning rate 1.0e-03" in text and "reg 1.0e-01" in text
    assert "hidden 20" in text and "50 iterations" in text
    assert f"final val acc {val_acc:.3f}" in text
    assert text in html.unescape(explorer.status.value)


@pytest.mark.parametrize("name, slider, value", [
    ("learning_rate", "lr_slider", 10 ** -3.5),
    ("reg", "reg_slider", 10.0),
    ("hidden_size", "hidden_slider", 30),
    ("num_iters", "iters_slider", 100),
])
def test_each_slider_retrains_with_its_value(explorer, data, name, slider, value):
    before_png, before_text = explorer.png, explorer.status_text
    getattr(explorer, slider).value = value  # what dragging the slider does
    assert len(explorer.train_log) == 2
    params = explorer.params
    assert params[name] == pytest.approx(value)
    # The net in the explorer is the one those settings produce, step for step: trained the
    # same way under the same BLAS setting (the explorer's thread count), so exactly equal.
    expected = reference_history(data, params, explorer.blas_threads)
    np.testing.assert_array_equal(explorer.history["loss_history"], expected["loss_history"])
    np.testing.assert_array_equal(explorer.history["val_acc_history"], expected["val_acc_history"])
    # And what TwoLayerNet.train itself gives (the student version's path), to float32
    # tolerance: the fast path sums in another order.
    plain = reference_history(data, params, explorer.blas_threads,
                              train=lambda net, *a, **k: net.train(*a, **k))
    np.testing.assert_allclose(explorer.history["loss_history"], plain["loss_history"],
                               rtol=1e-4)
    assert explorer.net.hidden_size == params["hidden_size"]
    assert len(explorer.history["loss_history"]) == params["num_iters"]
    # Both outputs were redrawn, in place.
    assert explorer.status_text != before_text
    assert explorer.png != before_png and explorer.png.startswith(PNG_MAGIC)
    assert explorer.plot.value == explorer.png
    assert explorer.error is None


def test_retrain_sets_several_values_and_trains_once(explorer):
    history = explorer.retrain(learning_rate=2e-3, hidden_size=40, num_iters=60)
    assert len(explorer.train_log) == 2
    assert explorer.lr_slider.value == pytest.approx(2e-3)
    assert explorer.net.hidden_size == 40 and len(history["loss_history"]) == 60
    assert explorer.values == {"learning_rate": pytest.approx(2e-3), "reg": pytest.approx(0.1),
                               "hidden_size": 40, "num_iters": 60}
    with pytest.raises(TypeError, match="unknown setting"):
        explorer.retrain(lr=1e-3)


def test_diverging_setting_shows_a_message_not_a_traceback(explorer):
    before_png = explorer.png
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any escaping warning (or exception) fails the test
        explorer.retrain(learning_rate=1e-1, reg=1e-4)
    history = explorer.history
    assert isinstance(history["diverged_at"], int)
    assert len(history["loss_history"]) == history["diverged_at"] < SMALL["num_iters"]
    assert f"diverged at iteration {history['diverged_at']}" in explorer.status_text
    assert "diverged at iteration" in explorer.status.value
    assert explorer.png != before_png and explorer.png.startswith(PNG_MAGIC)
    # Back to a sane learning rate, the message goes away.
    explorer.lr_slider.value = 1e-3
    assert explorer.history["diverged_at"] is None
    assert "diverged" not in explorer.status_text and "final val acc" in explorer.status_text


def test_same_settings_give_the_same_result(data):
    a = TrainingExplorer(data, **SMALL)
    first = (list(a.history["loss_history"]), a.status_text, a.png)
    a.lr_slider.value = 10 ** -2.5
    assert a.history["loss_history"] != first[0]
    a.lr_slider.value = 1e-3
    assert (a.history["loss_history"], a.status_text, a.png) == first
    b = TrainingExplorer(data, **SMALL)
    assert b.history["loss_history"] == first[0] and b.status_text == first[1]


def test_redraws_in_place_without_piling_up_figures(explorer):
    import matplotlib.pyplot as plt

    box, plot, children = explorer.widget, explorer.plot, explorer.widget.children
    open_figures = plt.get_fignums()
    explorer.iters_slider.value = 60
    explorer.hidden_slider.value = 10
    assert explorer.widget is box and explorer.plot is plot and box.children == children
    assert plt.get_fignums() == open_figures


def test_an_error_during_a_slider_change_is_shown(explorer, monkeypatch):
    def broken_train(*args, **kwargs):
        raise RuntimeError("out of cheese")

    monkeypatch.setattr(widgets, "train_net", broken_train)  # what the explorer trains with
    explorer.hidden_slider.value = 30
    assert explorer.error == "RuntimeError: out of cheese"
    assert "out of cheese" in explorer.status_text
    with pytest.raises(RuntimeError, match="out of cheese"):
        explorer.update()  # called directly, errors propagate


def test_rejects_data_it_cannot_draw(data):
    small = {k: v[:, :48] if k.startswith("X") else v for k, v in data.items()}
    with pytest.raises(ValueError, match="3072"):
        TrainingExplorer(small)
    with pytest.raises(ValueError, match="missing"):
        TrainingExplorer({"X_train": data["X_train"]})


def test_synthetic_data_is_cifar_shaped_and_learnable():
    d = make_synthetic_data(num_training=200, num_validation=40, seed=3)
    assert d["X_train"].shape == (200, 3072) and d["X_val"].shape == (40, 3072)
    assert d["X_train"].dtype == np.float32 and d["y_train"].dtype == np.int64
    assert set(np.unique(d["y_train"])) <= set(range(10))
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0, atol=1e-3)
    again = make_synthetic_data(num_training=200, num_validation=40, seed=3)
    np.testing.assert_array_equal(d["X_train"], again["X_train"])
    # The explorer's defaults learn it well beyond chance (0.1).
    e = TrainingExplorer(make_synthetic_data(1000, 200))
    assert e.val_acc > 0.3


def test_data_source_from_environment(monkeypatch):
    monkeypatch.setenv(DATA_ENV_VAR, "synthetic")
    d = load_explorer_data(num_training=50, num_validation=10)
    assert d["X_train"].shape == (50, 3072) and d["y_val"].shape == (10,)
    with pytest.raises(ValueError, match="source"):
        load_explorer_data(source="imagenet")


@pytest.mark.cifar
def test_defaults_learn_on_the_cifar10_subset(cifar_dir):
    d = load_explorer_data()
    assert d["X_train"].shape == (3000, 3072) and d["X_val"].shape == (500, 3072)
    e = TrainingExplorer(d)
    assert e.history["diverged_at"] is None
    assert len(e.history["val_acc_history"]) >= 8  # several points on the accuracy curve
    assert e.val_acc > 0.25, e.status_text
    e.retrain(learning_rate=1e-1, reg=1e-4)
    assert "diverged at iteration" in e.status_text


def test_benchmark_helper_is_importable(data):
    path = Path(__file__).resolve().parent.parent / "staff" / "benchmarks" / "bench_widget.py"
    if not path.exists():  # the student release leaves the staff folder out
        pytest.skip("staff/benchmarks/ is not part of this tree")
    spec = importlib.util.spec_from_file_location("bench_widget", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    times = bench.time_one_retrain(repeats=2, data=data)
    assert len(times) == 2 and all(t > 0 for t in times)


def test_static_viewers_get_a_picture_of_the_explorer(explorer):
    # GitHub, nbviewer and PDF exports cannot render the widget: the output carries the
    # current plot as a PNG beside the widget view, and a readable text line.
    import base64

    data, _ = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert base64.b64decode(data["image/png"]) == explorer.png
    assert data["text/plain"].startswith("TrainingExplorer: ")
