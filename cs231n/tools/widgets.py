"""Sliders that retrain a TwoLayerNet and redraw its curves and weights (Jupyter and Voilà).

    from cs231n.tools.widgets import TrainingExplorer, load_explorer_data
    explorer = TrainingExplorer(load_explorer_data())
    display(explorer.widget)

Every change of a slider retrains the net from the same seeded initialisation on a small
cached CIFAR-10 subset, then updates one PNG image (loss curve, accuracy per epoch,
first-layer weights) and one line of text in place. The PNG goes into an
``ipywidgets.Image``, which renders the same way in Jupyter, JupyterLab and Voilà and
needs no interactive matplotlib backend.
"""
from __future__ import annotations

import functools
import html
import io
import os
import time

import numpy as np

from cs231n.tools.validation import check_data_dict, read_only
from cs231n.tools.blas import blas_threads
from cs231n.tools.training import train_net
from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.data_utils import NUM_CLASSES, NUM_FEATURES, get_CIFAR10_data
from cs231n.vis_utils import plot_stats, show_net_weights

#: Environment variable: set it to "synthetic" to use :func:`make_synthetic_data` instead
#: of CIFAR-10 (used by the browser test on machines without the dataset).
DATA_ENV_VAR = "CS231N_EXPLORER_DATA"

#: Slider ranges. The log sliders move in steps of a quarter decade.
LR_RANGE = (1e-5, 1e-1)
REG_RANGE = (1e-4, 10.0)
LOG_STEP = 0.25
HIDDEN_RANGE = (10, 200, 10)  # min, max, step
ITERS_RANGE = (50, 1000, 50)

#: Defaults that learn visibly on 3,000 mean-subtracted CIFAR-10 images in about a
#: second: ~0.37 validation accuracy after 300 iterations of batch 100 (10 epochs of 30
#: batches, so the accuracy curve has 10 points). About 5e-3 and above diverges with
#: std=1e-4 weights on raw 0..255-scale pixels; 1e-4 and below barely moves in 300 steps.
DEFAULTS = {"learning_rate": 1e-3, "reg": 0.1, "hidden_size": 50, "num_iters": 300}
DEFAULT_SUBSET = {"num_training": 3000, "num_validation": 500}
DEFAULT_BATCH_SIZE = 100


@functools.lru_cache(maxsize=4)
def _cifar10_subset(num_training, num_validation):
    return get_CIFAR10_data(num_training=num_training, num_validation=num_validation,
                            num_test=1, dtype=np.float32)


def load_explorer_data(num_training=DEFAULT_SUBSET["num_training"],
                       num_validation=DEFAULT_SUBSET["num_validation"], source=None):
    """The data the explorer trains on, loaded once per process and cached.

    Inputs:
    - num_training, num_validation: subset sizes. As in get_CIFAR10_data, the validation
      images are the ones right after the training images.
    - source: "cifar10" or "synthetic"; default: ``$CS231N_EXPLORER_DATA`` or "cifar10".

    Returns a dict with X_train (num_training, 3072) float32 mean-subtracted, y_train,
    X_val (num_validation, 3072), y_val. Treat it as read-only: it is shared.
    """
    source = source or os.environ.get(DATA_ENV_VAR) or "cifar10"
    if source == "synthetic":
        return make_synthetic_data(num_training, num_validation)
    if source != "cifar10":
        raise ValueError(f"source must be 'cifar10' or 'synthetic', got {source!r}")
    data = _cifar10_subset(int(num_training), int(num_validation))
    return {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")}


def make_synthetic_data(num_training=500, num_validation=100, noise=60.0, signal=10.0, seed=0):
    """A CIFAR-10-shaped toy problem: 10 classes, each a fixed random image plus noise.

    The pixels are on CIFAR's mean-subtracted 0..255 scale, so the explorer's learning-rate
    and regularisation ranges behave the same way (5e-3 and above diverges too). The classes
    are easy to separate: with the explorer's defaults the validation accuracy climbs from
    chance to near 1 within a few hundred iterations.

    Inputs:
    - num_training, num_validation: number of samples in each split.
    - noise: standard deviation of the per-pixel Gaussian noise.
    - signal: standard deviation of the class templates.
    - seed: seed of the generator (same seed, same data).

    Returns a dict with X_train (num_training, 3072) float32, y_train (num_training,) int64,
    X_val (num_validation, 3072) float32, y_val (num_validation,) int64.
    """
    rng = np.random.default_rng(seed)
    templates = signal * rng.standard_normal((NUM_CLASSES, NUM_FEATURES))
    data = {}
    for split, n in (("train", num_training), ("val", num_validation)):
        y = rng.integers(NUM_CLASSES, size=n)
        X = templates[y] + noise * rng.standard_normal((n, NUM_FEATURES))
        data[f"X_{split}"] = X.astype(np.float32)
        data[f"y_{split}"] = y.astype(np.int64)
    mean = data["X_train"].mean(axis=0)
    data["X_train"] -= mean
    data["X_val"] -= mean
    return data


class TrainingExplorer:
    """Learning-rate, regularisation, hidden-size and iteration sliders around a TwoLayerNet.

    Attributes after each (re)training:
    - net: the trained TwoLayerNet.
    - history: the dict returned by TwoLayerNet.train.
    - val_acc: validation accuracy of the trained net (None if training diverged).
    - params: the settings of that training (learning_rate, reg, hidden_size, num_iters,
      batch_size, learning_rate_decay, std, seed).
    - train_log: the params of every training so far, oldest first.
    - status_text: the status line as plain text (settings and final validation accuracy,
      or the divergence message).
    - png: the bytes of the current plot.
    - error: None, or the message of the exception the last slider change raised.
    - seconds: wall time of the last retrain-and-redraw.

    Widgets: ``lr_slider``, ``reg_slider``, ``hidden_slider``, ``iters_slider``, ``status``
    (HTML), ``plot`` (Image) and ``widget``, the box holding them all.
    """

    def __init__(self, data=None, *, learning_rate=DEFAULTS["learning_rate"], reg=DEFAULTS["reg"],
                 hidden_size=DEFAULTS["hidden_size"], num_iters=DEFAULTS["num_iters"],
                 batch_size=DEFAULT_BATCH_SIZE, learning_rate_decay=0.95, std=1e-4, seed=0,
                 blas_threads=1, figsize=(11.0, 5.6), dpi=96, train_now=True):
        """
        Inputs:
        - data: dict with X_train (N, 3072), y_train (N,), X_val, y_val; default
          load_explorer_data() (3,000 / 500 CIFAR-10 images).
        - learning_rate, reg, hidden_size, num_iters: initial slider values.
        - batch_size, learning_rate_decay, std: fixed training settings (see TwoLayerNet).
        - seed: seeds both the weight initialisation and the minibatches, so the same
          settings always give the same result.
        - blas_threads: BLAS threads while training (None: leave as is). One thread is the
          default because on a small shared machine a spinning multi-threaded BLAS makes
          each retrain several times slower, not faster.
        - figsize, dpi: size of the plot (loss and accuracy stacked on the left, the
          first-layer weights in a large panel on the right).
        - train_now: train once with the initial values before returning.
        """
        import ipywidgets as W

        if data is None:
            data = load_explorer_data()
        check_data_dict(data, ("X_train", "y_train", "X_val", "y_val"))
        if np.ndim(data["X_train"]) != 2 or np.shape(data["X_train"])[1] != NUM_FEATURES:
            raise ValueError(
                f"X_train must have shape (N, {NUM_FEATURES}) (32x32x3 images, so the weights "
                f"can be drawn as images), got {np.shape(data['X_train'])}")
        # Read-only views: the net's input check of them runs once, not on every retrain.
        self.data = {k: read_only(np.asarray(data[k])) for k in ("X_train", "y_train", "X_val", "y_val")}
        self.batch_size = batch_size
        self.learning_rate_decay = learning_rate_decay
        self.std = std
        self.seed = seed
        self.blas_threads = blas_threads
        self.figsize = figsize
        self.dpi = dpi

        self.net = None
        self.history = None
        self.val_acc = None
        self.params = None
        self.train_log = []
        self.status_text = ""
        self.png = b""
        self.error = None
        self.seconds = None
        self._holding = False

        common = {"continuous_update": False, "style": {"description_width": "110px"},
                  "layout": W.Layout(width="420px")}
        self.lr_slider = W.FloatLogSlider(
            value=learning_rate, base=10, min=np.log10(LR_RANGE[0]), max=np.log10(LR_RANGE[1]),
            step=LOG_STEP, readout_format=".1e", description="learning rate", **common)
        self.reg_slider = W.FloatLogSlider(
            value=reg, base=10, min=np.log10(REG_RANGE[0]), max=np.log10(REG_RANGE[1]),
            step=LOG_STEP, readout_format=".1e", description="regularisation", **common)
        self.hidden_slider = W.IntSlider(
            value=hidden_size, min=HIDDEN_RANGE[0], max=HIDDEN_RANGE[1], step=HIDDEN_RANGE[2],
            description="hidden units", **common)
        self.iters_slider = W.IntSlider(
            value=num_iters, min=ITERS_RANGE[0], max=ITERS_RANGE[1], step=ITERS_RANGE[2],
            description="iterations", **common)
        # CSS classes give the browser test (and custom styling) stable handles.
        for slider, name in ((self.lr_slider, "lr"), (self.reg_slider, "reg"),
                             (self.hidden_slider, "hidden"), (self.iters_slider, "iters")):
            slider.add_class(f"explorer-{name}-slider")
            slider.observe(self._on_change, names="value")
        self.status = W.HTML(value="")
        self.status.add_class("explorer-status")
        self.plot = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.plot.add_class("explorer-plot")
        controls = W.HBox([W.VBox([self.lr_slider, self.reg_slider]),
                           W.VBox([self.hidden_slider, self.iters_slider])])
        self.widget = W.VBox([controls, self.status, self.plot])
        if train_now:
            self.update()

    @property
    def values(self):
        """The current slider values, as keyword arguments of :meth:`retrain`."""
        return {"learning_rate": float(self.lr_slider.value), "reg": float(self.reg_slider.value),
                "hidden_size": int(self.hidden_slider.value),
                "num_iters": int(self.iters_slider.value)}

    def retrain(self, **values):
        """Set some sliders (learning_rate, reg, hidden_size, num_iters), then retrain once.

        Errors propagate (a slider change in the UI shows them in the status line instead).
        Returns the history dict.
        """
        unknown = set(values) - set(self.values)
        if unknown:
            raise TypeError(f"unknown setting(s) {sorted(unknown)}; expected some of {sorted(self.values)}")
        sliders = {"learning_rate": self.lr_slider, "reg": self.reg_slider,
                   "hidden_size": self.hidden_slider, "num_iters": self.iters_slider}
        self._holding = True  # one retrain for all the values, not one per slider
        try:
            for name, value in values.items():
                sliders[name].value = value
        finally:
            self._holding = False
        return self.update()

    def update(self):
        """Retrain with the current slider values and redraw. Returns the history dict."""
        start = time.perf_counter()
        params = dict(self.values, batch_size=self.batch_size,
                      learning_rate_decay=self.learning_rate_decay, std=self.std, seed=self.seed)
        self._set_status(f"training with {_describe(params)} ...", busy=True)
        net = TwoLayerNet(NUM_FEATURES, params["hidden_size"], NUM_CLASSES, std=params["std"],
                          seed=params["seed"], dtype=np.float32)
        # Divergence is an expected outcome here: it is shown, not warned about (quiet), and
        # nor are overflows in the scores of huge-but-finite final weights.
        with blas_threads(self.blas_threads), np.errstate(over="ignore", invalid="ignore"):
            history = train_net(
                net, self.data["X_train"], self.data["y_train"], self.data["X_val"], self.data["y_val"],
                quiet=True,
                learning_rate=params["learning_rate"], learning_rate_decay=params["learning_rate_decay"],
                reg=params["reg"], num_iters=params["num_iters"], batch_size=params["batch_size"],
                seed=params["seed"])
            diverged = history["diverged_at"] is not None
            # The accuracy of the final weights (the last epoch may end a few steps earlier).
            val_acc = None if diverged else float(
                (net.predict(self.data["X_val"]) == self.data["y_val"]).mean())
        self.net, self.history, self.params, self.val_acc = net, history, params, val_acc
        self.train_log.append(params)
        self.error = None

        if diverged:
            status = f"{_describe(params)} \u2192 {history['message']}"
        else:
            status = (f"{_describe(params)} \u2192 final val acc {val_acc:.3f} "
                      f"(final loss {history['loss_history'][-1]:.3f})")
        self.png = self._render()
        self.plot.value = self.png
        self._set_status(status, diverged=diverged)
        self.seconds = time.perf_counter() - start
        return history

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with the current plot as a PNG fallback.

        A live Jupyter (or Voilà) renders the widget; a static viewer (GitHub, nbviewer, a
        PDF export), which cannot, shows the picture of the state it was saved in instead
        of ``VBox(children=...)``.
        """
        import base64

        bundle = self.widget._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        if self.png:
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = f"TrainingExplorer: {self.status_text}"
        return data, metadata

    def _on_change(self, change):
        if self._holding:
            return
        try:
            self.update()
        except Exception as e:  # show it in the app rather than lose it in the kernel log
            self.error = f"{type(e).__name__}: {e}"
            self._set_status(f"error: {self.error}", diverged=True)

    def _set_status(self, text, diverged=False, busy=False):
        self.status_text = text
        color = "#b00020" if diverged else ("#666" if busy else "inherit")
        weight = "bold" if diverged else "normal"
        self.status.value = (f'<span style="color:{color};font-weight:{weight}">'
                             f"{html.escape(text)}</span>")

    def _render(self):
        """Draw loss, accuracy and first-layer weights into one PNG (bytes)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # A bare Figure, not pyplot: nothing is registered globally, so no figure piles up
        # and nothing is shown twice by the inline backend.
        fig = Figure(figsize=self.figsize, dpi=self.dpi)
        FigureCanvasAgg(fig)
        # Loss above accuracy on the left; the weights get the whole height on the right,
        # so that each unit's 32x32 picture is large enough to read.
        grid = fig.add_gridspec(2, 2, width_ratios=[1.25, 1])
        loss_ax, acc_ax = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
        w_ax = fig.add_subplot(grid[:, 1])
        history = self.history
        acc_ax.set_ylim(0, 1.05)
        # Fixed x range (all the epochs this run would have), also when it diverged early.
        num_epochs = max(self.params["num_iters"] // history["iterations_per_epoch"], 1)
        acc_ax.set_xlim(0.5, num_epochs + 0.5)
        diverged = history["diverged_at"] is not None
        if diverged and history["loss_history"]:
            loss_ax.set_yscale("log")  # the loss spans many decades before it overflows
        W1 = self.net.params["W1"]
        if np.isfinite(W1).all():
            show_net_weights(self.net, ax=w_ax)
            w_ax.set_title(f"first-layer weights ({W1.shape[1]} units)")  # shorter: fits
        else:
            w_ax.axis("off")
            w_ax.text(0.5, 0.5, "weights are not finite", ha="center", va="center",
                      color="red", transform=w_ax.transAxes)
        if diverged:
            loss_ax.text(0.5, 0.5, f"diverged at\niteration {history['diverged_at']}",
                         ha="center", va="center", color="red", fontsize=16,
                         transform=loss_ax.transAxes)
        plot_stats(history, axes=(loss_ax, acc_ax), chance=1.0 / NUM_CLASSES)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()


def _describe(params):
    return (f"learning rate {params['learning_rate']:.1e} \u00b7 reg {params['reg']:.1e} \u00b7 "
            f"hidden {params['hidden_size']} \u00b7 {params['num_iters']} iterations")

