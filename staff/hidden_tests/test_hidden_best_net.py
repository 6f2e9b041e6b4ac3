"""The final net of two_layer_net.ipynb, saved to notebooks/best_net.npz, scored on the
first 1,000 CIFAR-10 test images (the course's test set) with a forward pass written here
(the student's code is not called). The course's threshold: 0.48."""
import os
from pathlib import Path

import numpy as np
import pytest

import _reference as ref

THRESHOLD = 0.48
NPZ = Path("notebooks/best_net.npz")


def _test_set():
    from cs231n.data_utils import load_CIFAR10

    root = os.environ.get("CIFAR10_DIR")
    X_train, _, X_test, y_test = load_CIFAR10(root, dtype=np.uint8)
    # the notebook's preprocessing: get_CIFAR10_data(num_training=49000) in float32, mean of
    # the 49,000 training images (in float64) subtracted
    mean = X_train[:49000].reshape(49000, -1).mean(axis=0, dtype=np.float64).astype(np.float32)
    X = X_test[:1000].reshape(1000, -1).astype(np.float32) - mean
    return X, y_test[:1000]


@pytest.mark.part("Two-layer net: the final net")
@pytest.mark.points(5)
@pytest.mark.visibility("visible")
def test_best_net_reaches_the_course_threshold(request):
    if not NPZ.is_file():
        pytest.fail(f"{NPZ} is not in the submission: run two_layer_net.ipynb to the end "
                    "(its last training cell saves the net) before collect_submission")
    try:
        with np.load(NPZ, allow_pickle=False) as f:
            params = {k: np.asarray(f[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2")}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the student's
        pytest.fail(f"{NPZ} could not be read as a TwoLayerNet's parameters: {exc}")
    if params["W1"].shape[0] != 3072 or params["W2"].ndim != 2 or params["b2"].shape != (10,):
        pytest.fail(f"{NPZ}: not a CIFAR-10 TwoLayerNet (W1 {params['W1'].shape}, "
                    f"W2 {params['W2'].shape})")
    X, y = _test_set()
    accuracy = float(np.mean(np.argmax(ref.two_layer_scores(params, X), axis=1) == y))
    request.node.user_properties.append(
        ("feedback", f"test accuracy of notebooks/best_net.npz: {accuracy:.3f} (threshold {THRESHOLD})"))
    assert accuracy >= THRESHOLD, (
        f"your saved net scores {accuracy:.3f} on the test set, below the course's "
        f"threshold of {THRESHOLD}: tune it further in two_layer_net.ipynb")
