"""Comparing accuracies: their standard errors, the project's one rule for "within noise",
and a grid of settings read with that rule (where its best lies, a heatmap)."""
from math import sqrt

import numpy as np

def accuracy_standard_error(p, n):
    """Standard error of an accuracy p measured on n independent images.

    Inputs:
    - p: accuracy in [0, 1] (0.5 gives the largest error).
    - n: number of images scored.

    Returns sqrt(p * (1 - p) / n), a float: e.g. about 0.016 for p = 0.5, n = 1,000.
    """
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return sqrt(p * (1.0 - p) / n)


def difference_standard_error(p1, n1, p2, n2):
    """Standard error of the difference of two accuracies: p1 on n1 images, p2 on n2.

    Returns sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2): about 0.022 for two accuracies near
    0.5 on 1,000 images each (sqrt(2) times the standard error of one of them).
    """
    return sqrt(accuracy_standard_error(p1, n1) ** 2 + accuracy_standard_error(p2, n2) ** 2)


def within_noise(a, n_a, b, n_b):
    """The project's one rule for "within noise": True when accuracies a (on n_a images)
    and b (on n_b images) differ by at most one standard error of their difference.

    Within noise, the measurement cannot order the two: another seed or another split
    could swap them. (A gap of one to two such standard errors is suggestive, not proof.)
    """
    return abs(a - b) <= difference_standard_error(a, n_a, b, n_b)


def edge_note(accuracies, n, names=("learning rate", "regularisation strength")):
    """One sentence on where the best cell of a grid of settings lies, and what to do next.

    Inputs:
    - accuracies: dict {(x, y): validation accuracy}, e.g. {(learning_rate, reg): acc}.
    - n: number of validation images (for within_noise).
    - names: the names of x and y.

    Returns "The best setting ... lies inside the grid." or, for each edge it sits on,
    whether the accuracy has levelled off there (the next value inwards is within noise of
    it: going further will change little) or the grid should be extended that way.
    """
    (bx, by), best = max(accuracies.items(), key=lambda item: item[1])
    parts = []
    for axis, value, name in ((0, bx, names[0]), (1, by, names[1])):
        values = sorted({key[axis] for key in accuracies})
        if len(values) < 2 or values[0] < value < values[-1]:
            continue
        side, step = ("smallest", 1) if value == values[0] else ("largest", -1)
        inward = values[values.index(value) + step]
        key = (inward, by) if axis == 0 else (bx, inward)
        what = f"the {side} {name} ({value:g})"
        if key in accuracies and within_noise(accuracies[key], n, best, n):
            parts.append(f"{what}, but it has levelled off there ({name} {inward:g} is within "
                         f"noise of it), so going further would change little")
        else:
            parts.append(f"{what}: extend the grid to {side.replace('est', 'er')} values")
    where = f"The best setting ({names[0]} {bx:g}, {names[1]} {by:g})"
    if not parts:
        return where + " lies inside the grid."
    return where + " sits on the edge of the grid, at " + "; and at ".join(parts) + "."


def text_color_on(rgba):
    """"black" or "white", whichever reads better on a background colour (RGB(A) in [0, 1])."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def plot_accuracy_grid(results, n_val, ax=None):
    """Heatmap of the validation accuracy of a grid of (learning rate, reg) settings.

    Inputs:
    - results: dict {(learning_rate, reg): (train_accuracy, val_accuracy)}.
    - n_val: number of validation images (for the noise rule of within_noise).
    - ax: matplotlib Axes (default: a new figure).

    Every cell shows its accuracy, in black or white, whichever reads on its colour; the
    best cell says "best" and the cells within noise of it (within_noise) say "≈ best".
    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    lrs = sorted({lr for lr, _ in results})
    regs = sorted({reg for _, reg in results})
    grid = np.full((len(lrs), len(regs)), np.nan)
    for (lr, reg), (_, val) in results.items():
        grid[lrs.index(lr), regs.index(reg)] = val
    best = np.nanmax(grid)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    im = ax.imshow(grid, cmap="viridis")
    ax.figure.colorbar(im, ax=ax, label="validation accuracy")
    for i in range(len(lrs)):
        for j in range(len(regs)):
            if np.isnan(grid[i, j]):
                continue
            text = f"{grid[i, j]:.3f}"
            if grid[i, j] == best:
                text += "\nbest"
            elif within_noise(grid[i, j], n_val, best, n_val):
                text += "\n≈ best"
            ax.text(j, i, text, ha="center", va="center",
                    color=text_color_on(im.cmap(im.norm(grid[i, j]))))
    ax.set_xticks(range(len(regs)), [f"{r:g}" for r in regs])
    ax.set_yticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
    ax.set_xlabel("regularization strength")
    ax.set_ylabel("learning rate")
    ax.set_title("validation accuracy (≈ best: within noise of the best)")
    return ax
