"""Pictures for the notebooks: image grids, first-layer weights, training curves."""
from math import ceil, sqrt

import numpy as np

#: Figure settings that read on a light and on a dark notebook theme alike: an opaque white
#: background behind black text, in the notebook and in saved files.
FIGURE_RC = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    "text.color": "black",
    "axes.labelcolor": "black",
    "axes.edgecolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
}


def setup_figures(rc=None):
    """Make every later matplotlib figure opaque white with black text (dark-theme safe).

    Call it once, in a notebook's first cell after ``%matplotlib inline``.

    Inputs:
    - rc: optional dict of more rcParams, e.g. ``{"figure.figsize": (10.0, 8.0)}``.

    Returns the dict of rcParams it set.
    """
    import matplotlib

    settings = {**FIGURE_RC, **(rc or {})}
    matplotlib.rcParams.update(settings)
    return settings





def grid_shape(n):
    """(rows, cols) of a grid for n tiles: as square as possible without empty tiles.

    The most square factorisation rows x cols = n with cols >= rows and cols <= 3 * rows
    (50 -> 5 x 10, 100 -> 10 x 10, 500 -> 20 x 25); when n has none (a prime, say), ceil(sqrt(n))
    columns and as many rows as needed, so only the last row has empty tiles.
    """
    if n < 1:
        raise ValueError(f"need at least one tile, got {n}")
    for rows in range(int(sqrt(n)), 0, -1):
        if n % rows == 0:
            if n // rows <= 3 * rows:
                return rows, n // rows
            break
    cols = int(ceil(sqrt(n)))
    return int(ceil(n / cols)), cols


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile a stack of images into one grid image.

    Each image is rescaled on its own to the range [0, ubound]; a constant image (all
    pixels equal) becomes 0 instead of NaN.

    Inputs:
    - Xs: images, shape (N, H, W, C).
    - ubound: output values are scaled to [0, ubound].
    - padding: blank pixels between tiles.

    Returns:
    - grid: array of shape (R*(H+padding)-padding, G*(W+padding)-padding, C), where
      (R, G) = grid_shape(N): no empty tiles when N factors into a near-square grid.
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    if Xs.ndim != 4:
        raise ValueError(f"Xs must have shape (N, H, W, C), got {Xs.shape}")
    N, H, W, C = Xs.shape
    rows, grid_size = grid_shape(N)
    grid = np.zeros((rows * (H + padding) - padding,
                     grid_size * (W + padding) - padding, C))
    low = Xs.min(axis=(1, 2, 3), keepdims=True)
    span = Xs.max(axis=(1, 2, 3), keepdims=True) - low
    # A constant tile has span 0: leave it at 0 rather than divide by zero.
    scaled = ubound * np.divide(Xs - low, span, out=np.zeros_like(Xs), where=span > 0)
    for i in range(N):
        row, col = divmod(i, grid_size)
        y0, x0 = row * (H + padding), col * (W + padding)
        grid[y0:y0 + H, x0:x0 + W] = scaled[i]
    return grid


def first_layer_images(W1):
    """First-layer weights of shape (3072, H) as H images of shape (32, 32, 3)."""
    W1 = np.asarray(W1)
    if W1.ndim != 2 or W1.shape[0] != 32 * 32 * 3:
        raise ValueError(f"W1 must have shape (3072, H) for 32x32x3 images, got {W1.shape}")
    return W1.reshape(32, 32, 3, -1).transpose(3, 0, 1, 2)


def show_net_weights(net, ax=None, max_units=None):
    """Show a TwoLayerNet's first-layer weights (or a W1 array) as 32x32x3 images.

    Inputs:
    - net: a TwoLayerNet, or W1 itself of shape (3072, H).
    - ax: matplotlib Axes to draw into (default: a new figure).
    - max_units: show at most this many hidden units (default: all).

    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    W1 = net.params["W1"] if hasattr(net, "params") else net
    images = first_layer_images(W1)
    total = images.shape[0]
    images = images[:max_units]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(visualize_grid(images, padding=3).astype("uint8"))
    shown = (f"all {total} hidden units" if images.shape[0] == total
             else f"first {images.shape[0]} of {total} hidden units")
    ax.set_title(f"first-layer weights ({shown})")
    ax.axis("off")
    return ax


def plot_stats(stats, axes=None, title=None, chance=None):
    """Plot the loss history and the per-epoch train/validation accuracy of a training run.

    Inputs:
    - stats: the history dict returned by TwoLayerNet.train.
    - axes: two matplotlib Axes (default: a new figure with two rows).
    - title: optional figure title.
    - chance: if given (e.g. 0.1 for 10 classes), a dotted line at this accuracy, the
      accuracy of guessing, on the accuracy plot.

    Returns the two Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if axes is None:
        fig, axes = plt.subplots(2, 1, figsize=(8, 7))
    else:
        fig = axes[0].figure
    loss_ax, acc_ax = axes
    loss_ax.plot(stats["loss_history"], lw=0.8)
    loss_ax.set_title("Loss history")
    loss_ax.set_xlabel("Iteration")
    loss_ax.set_ylabel("Loss")
    epochs = np.arange(1, len(stats["train_acc_history"]) + 1)
    acc_ax.plot(epochs, stats["train_acc_history"], "o-", label="train (fixed subset)")
    acc_ax.plot(epochs, stats["val_acc_history"], "o-", label="val")
    if chance is not None:
        acc_ax.axhline(chance, color="gray", ls=":", lw=1, label=f"chance ({chance:g})")
    acc_ax.set_title("Classification accuracy history")
    acc_ax.set_xlabel("Epoch")
    acc_ax.set_ylabel("Accuracy")
    acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    acc_ax.legend()
    if stats.get("diverged_at") is not None:
        loss_ax.set_title(f"Loss history (diverged at iteration {stats['diverged_at']})", color="red")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return axes


def plot_loss_histories(histories, ax=None, log=True, reference=None, reference_label=None):
    """Training losses of several runs in one plot, with the point where a run diverged.

    Inputs:
    - histories: dict mapping a label (e.g. "lr 1e-2") to the history dict of
      TwoLayerNet.train (its "loss_history" and "diverged_at" are used).
    - ax: matplotlib Axes to draw into (default: a new figure).
    - log: logarithmic loss axis (a diverging loss spans many decades).
    - reference: optional loss to draw as a dotted line, e.g. np.log(10), the loss of a
      net that guesses uniformly among 10 classes.
    - reference_label: the legend's name for that line (default: its value).

    Returns the Axes. A diverged run ends in a red cross at its last finite loss, labelled
    with the iteration whose loss was not finite; a run of fewer than 50 iterations is drawn
    with a dot per iteration, so that it stays visible beside long ones.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    for label, history in histories.items():
        losses = np.asarray(history["loss_history"], dtype=float)
        ax.plot(np.arange(len(losses)), losses, ".-" if len(losses) < 50 else "-", lw=0.8,
                ms=4, label=label)
        stop = history.get("diverged_at")
        if stop is not None and len(losses):
            ax.plot(len(losses) - 1, losses[-1], "x", color="red", ms=10, mew=2)
            ax.annotate(f"{label}: diverged at iteration {stop}", (len(losses) - 1, losses[-1]),
                        xytext=(8, 0), textcoords="offset points", color="red", va="center")
    if reference is not None:
        ax.axhline(reference, color="gray", ls=":", lw=1,
                   label=reference_label or f"{reference:.3g}")
    if log:
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        if high / low < 100:  # under two decades: plain ticks (2, 3, 5), not 2x10^0
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
            ax.yaxis.set_major_formatter(ScalarFormatter())
            ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Training loss" + (" (log scale)" if log else ""))
    ax.legend()
    return ax


def plot_confusion_matrix(y_true, y_pred, class_names, ax=None):
    """Row-normalised confusion matrix with per-class accuracy on the diagonal.

    Inputs:
    - y_true, y_pred: integer labels, shape (N,).
    - class_names: C names.
    - ax: matplotlib Axes (default: a new figure).

    Returns (ax, matrix) where matrix[i, j] is the fraction of class i predicted as j.
    """
    import matplotlib.pyplot as plt

    C = len(class_names)
    counts = np.zeros((C, C), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    matrix = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    for i in range(C):
        for j in range(C):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > 0.5 else "black")
    ax.set_xticks(range(C), class_names, rotation=45, ha="right")
    ax.set_yticks(range(C), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (rows: true class; diagonal: per-class accuracy)")
    ax.figure.colorbar(im, ax=ax, fraction=0.046)
    return ax, matrix
