"""What each classifier notebook chose, saved for the comparisons at the end of the course.

``knn.ipynb``, ``svm.ipynb``, ``softmax.ipynb`` and ``two_layer_net.ipynb`` each end by
saving what their tuning chose and the test accuracy it reached, as a small JSON file in
``cs231n/saved/`` (like the course's saved results for its autograder). The comparisons in
``two_layer_net.ipynb`` and ``features.ipynb`` read them back, so they show *your* numbers,
and name every notebook that has not been run yet instead of filling in someone else's.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

#: Where the notebooks save their choices (ignored by git: each student makes their own).
SAVED_DIR = Path(__file__).resolve().parents[1] / "saved"

#: Saved name -> (label in the comparisons, the notebook that saves it).
CLASSIFIERS = {
    "knn": ("k-NN", "knn.ipynb"),
    "svm": ("Linear SVM", "svm.ipynb"),
    "softmax": ("Softmax", "softmax.ipynb"),
    "two_layer_net": ("Two-layer net", "two_layer_net.ipynb"),
}


def _path(name, directory):
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {name!r}: one of {sorted(CLASSIFIERS)}")
    return Path(SAVED_DIR if directory is None else directory) / f"{name}.json"


def save_choice(name, settings, test_accuracy, num_test, directory=None):
    """Save what a notebook's tuning chose and the test accuracy it reached.

    Inputs:
    - name: "knn", "svm", "softmax" or "two_layer_net".
    - settings: dict of the chosen settings (numbers or strings), e.g. {"k": 10}.
    - test_accuracy: float in [0, 1].
    - num_test: number of test images it was scored on.
    - directory: where to save (default SAVED_DIR).

    Returns the path written. The file is replaced in one step, so a reader never sees
    half of it.
    """
    path = _path(name, directory)
    test_accuracy = float(test_accuracy)
    if not 0.0 <= test_accuracy <= 1.0:
        raise ValueError(f"test_accuracy must lie in [0, 1], got {test_accuracy}")
    if int(num_test) < 1:
        raise ValueError(f"num_test must be at least 1, got {num_test}")
    record = {"classifier": CLASSIFIERS[name][0], "notebook": CLASSIFIERS[name][1],
              "settings": {k: (v.item() if hasattr(v, "item") else v) for k, v in settings.items()},
              "test_accuracy": test_accuracy, "num_test": int(num_test)}
    text = json.dumps(record, indent=1, sort_keys=True)  # fails here, before any file is touched
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".json.tmp{os.getpid()}")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)
    return path


def load_choices(names=tuple(CLASSIFIERS), directory=None):
    """Read the saved choices of the named classifiers.

    Returns (found, missing): found maps each saved name to its record (a dict with
    "classifier", "notebook", "settings", "test_accuracy", "num_test"); missing lists the
    notebooks (e.g. "svm.ipynb") whose file is not there yet. A file that is not a valid
    record raises ValueError naming it.
    """
    found, missing = {}, []
    for name in names:
        path = _path(name, directory)
        if not path.exists():
            missing.append(CLASSIFIERS[name][1])
            continue
        try:
            record = json.loads(path.read_text())
            acc, n = float(record["test_accuracy"]), int(record["num_test"])
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path} is not a saved choice ({e}): run "
                             f"{CLASSIFIERS[name][1]} again to rewrite it") from None
        if not (0.0 <= acc <= 1.0 and n >= 1):
            raise ValueError(f"{path}: test_accuracy {acc} or num_test {n} out of range")
        found[name] = record
    return found, missing


def saved_test_accuracies(names=tuple(CLASSIFIERS), directory=None, report_missing=True):
    """{label: (test accuracy, number of test images)} of the saved classifiers.

    For example {"Linear SVM": (0.36, 1000), ...}, in the order of names. With
    report_missing, prints one line naming the notebooks not run yet (their classifiers
    are left out).
    """
    found, missing = load_choices(names, directory)
    if missing and report_missing:
        print("not run yet, so left out: " + ", ".join(missing))
    return {r["classifier"]: (r["test_accuracy"], r["num_test"]) for r in found.values()}
