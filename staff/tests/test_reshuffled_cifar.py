"""The reshuffled copy of CIFAR-10 (staff.reshuffled_cifar) is the same data in another order."""
import numpy as np
import pytest

from cs231n.data_utils import load_CIFAR10
from staff.reshuffled_cifar import write_reshuffled


def _rows(X, y):
    # Each image with its label as one byte string, sorted: equal multisets <=> same data.
    flat = np.concatenate([X.reshape(len(X), -1), y[:, None].astype(np.uint8)], axis=1)
    return np.sort(flat.view(f"V{flat.shape[1]}").ravel())


@pytest.mark.cifar
def test_reshuffled_copy_holds_the_same_images_in_another_order(cifar_dir, tmp_path):
    dest = write_reshuffled(cifar_dir, tmp_path / "copy", seed=1)
    X, y, Xt, yt = load_CIFAR10(cifar_dir, dtype=np.uint8)  # the package's checked loader
    X2, y2, Xt2, yt2 = load_CIFAR10(dest, dtype=np.uint8)
    assert X2.shape == X.shape and Xt2.shape == Xt.shape
    assert (_rows(X, y) == _rows(X2, y2)).all() and (_rows(Xt, yt) == _rows(Xt2, yt2)).all()
    # Another order: the validation split (last 1,000 training images) and the first test
    # images change.
    assert not np.array_equal(X[-1000:], X2[-1000:]) and not np.array_equal(Xt[:1000], Xt2[:1000])
    assert not (tmp_path / "copy.partial").exists()
    with pytest.raises(FileExistsError):  # never overwrites
        write_reshuffled(cifar_dir, dest)
