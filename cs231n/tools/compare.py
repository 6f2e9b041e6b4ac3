"""Comparing accuracies: their standard errors, the project's one rule for "within noise",
and a grid of settings read with that rule (where its best lies, a heatmap, a table)."""
from math import sqrt
from numbers import Real

import numpy as np

from cs231n.tools.validation import check_positive_float


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


def plot_accuracy_grid(results, n_val=None, x="learning_rate", y="reg", value="val_acc", ax=None):
    """Heatmap of an accuracy over a grid of two settings.

    Inputs:
    - results: records, dicts holding x, y, "status" ("ok" or "diverged") and value (a
      sweep's, or made by hand); or a dict {(learning_rate, reg): (train_acc, val_acc)}.
    - n_val: number of images each accuracy was measured on; if given, the best cell says
      "best", the cells within noise of it (within_noise) "≈ best", and the colour scale
      spans at least 6 standard errors of a difference, so that noise looks small.
    - x, y: the settings of the columns and the rows; value: the field to show.
    - ax: matplotlib Axes (default: a new figure).

    A cell shows the best value of the records at its (x, y) (the title names any other
    setting that varies), in black or white, whichever reads on its colour. A cell whose
    records all diverged is hatched and says "div". Returns the Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if isinstance(results, dict):
        results = [{"learning_rate": lr, "reg": reg, "status": "ok", "train_acc": t, "val_acc": v}
                   for (lr, reg), (t, v) in results.items()]
    records = _records_of(results)
    xs, ys = sorted({r[x] for r in records}), sorted({r[y] for r in records})
    grid = np.full((len(ys), len(xs)), np.nan)
    diverged = np.zeros(grid.shape, dtype=bool)
    for r in records:
        j, i = ys.index(r[y]), xs.index(r[x])
        if r["status"] == "ok" and r.get(value) is not None:
            grid[j, i] = np.fmax(grid[j, i], r[value])
        diverged[j, i] |= r["status"] == "diverged"
    diverged &= np.isnan(grid)  # "div" only where nothing trained
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * len(xs) + 3, 0.8 * len(ys) + 2))
    best = np.nanmax(grid) if np.isfinite(grid).any() else None
    low = None  # with n_val, the colours span 6 standard errors or more: noise looks small
    if n_val is not None and best is not None:
        low = min(np.nanmin(grid), best - 6 * difference_standard_error(best, n_val, best, n_val))
    im = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap="viridis",
                   vmin=low, vmax=best if low is not None else None)
    ax.figure.colorbar(im, ax=ax, label=value)
    hatch = dict(facecolor="0.85", edgecolor="tab:red", hatch="///", linewidth=0)
    for (j, i), v in np.ndenumerate(grid):
        if diverged[j, i]:
            ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, **hatch))
            ax.text(i, j, "div", ha="center", va="center", color="tab:red", fontweight="bold")
        elif np.isfinite(v):
            mark = "" if n_val is None else "\nbest" if v == best else (
                "\n≈ best" if within_noise(v, n_val, best, n_val) else "")
            ax.text(i, j, f"{v:.3f}{mark}", ha="center", va="center",
                    color=text_color_on(im.cmap(im.norm(v))))
    if diverged.any():
        ax.legend(handles=[Rectangle((0, 0), 1, 1, label="diverged (loss NaN or inf)", **hatch)],
                  loc="upper left", bbox_to_anchor=(0, -0.18), frameon=False, fontsize="small")
    ax.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
    ax.set(xlabel=x, ylabel=y)
    others = [k for k in _varying_keys(records) if k not in (x, y)]
    ax.set_title(f"{value} by {x} and {y}" + (f"\n(best over {', '.join(others)})" if others else "")
                 + ("" if n_val is None else "\n(≈ best: within noise of the best)"))
    return ax


# Result fields of a record; a table's default columns are the other fields that vary.
RESULT_COLUMNS = ("status", "train_acc", "val_acc", "final_loss", "seconds")


def _records_of(results):
    records = list(getattr(results, "records", results))  # a SweepResult's, or a list
    if not records:
        raise ValueError("no results to show")
    return records


def _varying_keys(records):
    """The numeric settings (not results) that take more than one value in ``records``."""
    return [k for k, v in records[0].items() if k not in RESULT_COLUMNS + ("diverged_at",)
            and isinstance(v, Real) and len({r.get(k) for r in records}) > 1]


def _format_cell(column, record, best, se):
    value = record.get(column)
    if column == "behind best":  # in standard errors
        if record["status"] != "ok" or record.get("val_acc") is None or best is None:
            return "—"
        gap = (best - record["val_acc"]) / se
        return "best" if gap == 0 else f"{gap:.1f} SE" + (" (within noise)" if gap <= 1 else "")
    if column == "status" and value == "diverged":
        return f"diverged at it {record.get('diverged_at')}"
    if value is None:
        return "—"
    if column in ("train_acc", "val_acc"):
        return f"{value:.3f}"
    if column == "final_loss":
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"
    if column == "seconds":
        return f"{value:.1f}"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def records_to_markdown(records, columns=None, sort_by=None, se=None):
    """A Markdown table of records (a SweepResult's, or a list of dicts like them).

    Inputs:
    - columns: column names (settings or result fields); default: the settings that vary
      across the records, then status, train_acc, val_acc, final_loss, seconds.
    - sort_by: a column to sort by, largest first (missing values last), e.g. "val_acc".
    - se: the standard error of a difference of two validation accuracies (e.g. 0.022 for
      1,000 images near 0.5); if given, a last column "behind best" says how many of them
      each val_acc is below the best one ("within noise" up to 1, as within_noise).

    Returns a string.
    """
    records = _records_of(records)
    columns = list(columns or _varying_keys(records) + list(RESULT_COLUMNS))
    best = None
    if se is not None:
        se = check_positive_float(se, "se")
        best = max((r["val_acc"] for r in records if r["status"] == "ok"
                    and r.get("val_acc") is not None), default=None)
        columns.append("behind best")
    if sort_by is not None:
        records = sorted(records, key=lambda r: (r.get(sort_by) is None, -(r.get(sort_by) or 0)))
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---:" if c != "status" else ":---" for c in columns) + "|"]
    lines += ["| " + " | ".join(_format_cell(c, r, best, se) for c in columns) + " |" for r in records]
    return "\n".join(lines)
