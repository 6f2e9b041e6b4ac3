"""cs231n.data_utils on small fake CIFAR-10 folders the tests write, and on the real one."""
import os
import pickle
import tracemalloc

import numpy as np
import pytest

from cs231n import data_utils
from cs231n.data_utils import (CIFAR10FormatError, CIFAR10NotFoundError, get_CIFAR10_data,
                               load_CIFAR10, load_CIFAR_batch)

N = data_utils.IMAGES_PER_BATCH


def batch_dict(first_index, rng):
    """A CIFAR-10 batch whose image i stores its global index in its first two red pixels."""
    data = rng.integers(0, 256, size=(N, 3072), dtype=np.uint8)
    index = np.arange(first_index, first_index + N)
    data[:, 0] = index % 256          # red channel, pixel (0, 0)
    data[:, 1] = index // 256         # red channel, pixel (0, 1)
    labels = [int(v) for v in index % 10]
    return {"batch_label": "fake", "labels": labels, "data": data,
            "filenames": [f"img_{i}.png" for i in index]}


def write_pickle(path, obj, protocol=4):
    # Protocol 4 stores the pixels as raw bytes. Python 3's protocol 2 (as in
    # staff/reshuffled_cifar.py) stores them as a str passed through _codecs.encode, which
    # loads 8 times slower; one test below covers it.
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i, name in enumerate(data_utils.TRAIN_BATCHES):
        write_pickle(root / name, batch_dict(i * N, rng))
    write_pickle(root / "test_batch", batch_dict(100_000, rng))
    write_pickle(root / "batches.meta", {"label_names": list(data_utils.CLASSES), "num_vis": 3072})
    (root / "readme.html").write_text("fake")
    return root


def image_index(images):
    """Recover the global index written by batch_dict from (N, 32, 32, 3) or (N, 3072) images."""
    images = np.asarray(images).reshape(-1, 32, 32, 3)
    return images[:, 0, 0, 0].astype(np.int64) + 256 * images[:, 0, 1, 0].astype(np.int64)


def test_protocol_2_batch_written_by_python_3_loads_the_same(fake_root, tmp_path):
    with open(fake_root / "data_batch_1", "rb") as f:
        batch = pickle.load(f)  # our own file: safe to load plainly here
    write_pickle(tmp_path / "data_batch_1", batch, protocol=2)
    assert b"_codecs" in (tmp_path / "data_batch_1").read_bytes()  # the str-to-bytes form
    X2, y2 = load_CIFAR_batch(tmp_path / "data_batch_1", dtype=np.uint8)
    X4, y4 = load_CIFAR_batch(fake_root / "data_batch_1", dtype=np.uint8)
    assert np.array_equal(X2, X4) and np.array_equal(y2, y4)


def test_load_batch_converts_channel_major_rows_to_hwc(fake_root):
    X, y = load_CIFAR_batch(fake_root / "data_batch_1", dtype=np.uint8)
    with open(fake_root / "data_batch_1", "rb") as f:
        raw = pickle.load(f)["data"]  # our own file: safe to load plainly here
    assert X.shape == (N, 32, 32, 3) and y.dtype == np.int64
    # Pixel (row 3, col 5) of image 7: red at 3*32+5, green 1024 later, blue 2048 later.
    offset = 3 * 32 + 5
    assert list(X[7, 3, 5]) == [raw[7, offset], raw[7, 1024 + offset], raw[7, 2048 + offset]]


def test_load_CIFAR10_shapes_order_and_dtype(fake_root):
    Xtr, Ytr, Xte, Yte = load_CIFAR10(fake_root, dtype=np.float32)
    assert Xtr.shape == (50_000, 32, 32, 3) and Xte.shape == (10_000, 32, 32, 3)
    assert Xtr.dtype == Xte.dtype == np.float32
    assert np.array_equal(image_index(Xtr), np.arange(50_000))
    assert np.array_equal(Ytr, np.arange(50_000) % 10)
    assert np.array_equal(image_index(Xte), np.arange(100_000, 110_000) % 65536)


def test_get_CIFAR10_data_split_boundaries(fake_root):
    data = get_CIFAR10_data(num_training=49_000, num_validation=1_000, num_test=1_000,
                            subtract_mean=False, cifar10_dir=fake_root)
    assert data["X_train"].shape == (49_000, 3072) and data["X_val"].shape == (1_000, 3072)
    assert data["X_test"].shape == (1_000, 3072)
    # Training: images 0..48999; validation: 49000..49999; test: the first 1000 test images.
    assert np.array_equal(image_index(data["X_train"]), np.arange(49_000))
    assert np.array_equal(image_index(data["X_val"]), np.arange(49_000, 50_000))
    assert np.array_equal(image_index(data["X_test"]), np.arange(100_000, 101_000) % 65536)
    assert np.array_equal(data["y_val"], np.arange(49_000, 50_000) % 10)


def test_get_CIFAR10_data_small_splits(fake_root):
    data = get_CIFAR10_data(num_training=100, num_validation=20, num_test=5,
                            subtract_mean=False, cifar10_dir=fake_root)
    assert np.array_equal(image_index(data["X_val"]), np.arange(100, 120))
    assert data["y_test"].shape == (5,)
    empty = get_CIFAR10_data(num_training=100, num_validation=0, num_test=0, cifar10_dir=fake_root)
    assert empty["X_val"].shape == (0, 3072) and empty["X_test"].shape == (0, 3072)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mean_subtraction_uses_the_training_mean(fake_root, dtype):
    raw = get_CIFAR10_data(num_training=500, num_validation=50, num_test=50, subtract_mean=False,
                           dtype=np.float64, cifar10_dir=fake_root)
    centred = get_CIFAR10_data(num_training=500, num_validation=50, num_test=50, dtype=dtype,
                               cifar10_dir=fake_root)
    mean_image = raw["X_train"].mean(axis=0)
    assert all(centred[k].dtype == dtype for k in ("X_train", "X_val", "X_test"))
    tol = 1e-3 if dtype == np.float32 else 1e-10  # pixels up to 255: float32 keeps ~1e-5 of that
    np.testing.assert_allclose(centred["X_train"].mean(axis=0), 0, atol=tol)
    for key in ("X_val", "X_test"):
        np.testing.assert_allclose(centred[key], raw[key] - mean_image, atol=tol)


def test_get_CIFAR10_data_rejects_impossible_splits(fake_root):
    with pytest.raises(ValueError, match="exceeds the 50000"):
        get_CIFAR10_data(num_training=49_500, num_validation=1_000, cifar10_dir=fake_root)
    with pytest.raises(ValueError, match="num_test"):
        get_CIFAR10_data(num_test=10_001, cifar10_dir=fake_root)
    with pytest.raises(ValueError, match="floating-point"):
        get_CIFAR10_data(dtype=np.uint8, cifar10_dir=fake_root)


def test_missing_dataset_says_how_to_fetch(tmp_path):
    with pytest.raises(CIFAR10NotFoundError, match=r"get_datasets\.sh.*CIFAR10_ARCHIVE"):
        load_CIFAR10(tmp_path / "nowhere")


def test_missing_batch_is_named(fake_root, tmp_path):
    root = tmp_path / "partial"
    root.mkdir()
    for name in data_utils.TRAIN_BATCHES[:2]:
        os.symlink(fake_root / name, root / name)
    with pytest.raises(CIFAR10NotFoundError, match="data_batch_3 is missing"):
        load_CIFAR10(root, dtype=np.uint8)  # raw pixels: no 1.5 GB of float64 to fill first


def test_cifar10_dir_environment_variable(fake_root, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(fake_root))
    assert load_CIFAR10(dtype=np.uint8)[1].shape == (50_000,)  # the folder is what is tested


class Exploit:
    """Unpickling this runs os.system: what a tampered batch file could do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_without_running_code(tmp_path):
    marker = tmp_path / "pwned"
    payload = tmp_path / "data_batch_1"
    write_pickle(payload, {"data": Exploit(marker), "labels": [0] * N})
    # The payload is live: plain pickle would run it ...
    with open(payload, "rb") as f:
        pickle.load(f)
    assert marker.exists()
    marker.unlink()
    # ... the loader refuses it and runs nothing.
    with pytest.raises(CIFAR10FormatError, match=r"data_batch_1.*refusing to load global 'posix\.system'"):
        load_CIFAR_batch(payload)
    assert not marker.exists()


@pytest.mark.parametrize("mutate, match", [
    (lambda b: b.update(data=b["data"][:-1]), r"shape \(10000, 3072\), found \(9999, 3072\)"),
    (lambda b: b.update(data=b["data"].astype(np.uint16)), "dtype uint8, found uint16"),
    (lambda b: b.update(labels=[10] + b["labels"][1:]), r"labels should lie in 0\.\.9, found 0\.\.10"),
    (lambda b: b.update(labels=[0.5] + b["labels"][1:]), "only integers"),
    (lambda b: b.pop("labels"), r"missing key\(s\) \['labels'\]"),
])
def test_malformed_batch_is_named(tmp_path, mutate, match):
    batch = batch_dict(0, np.random.default_rng(1))
    mutate(batch)
    path = tmp_path / "data_batch_2"
    write_pickle(path, batch)
    with pytest.raises(CIFAR10FormatError, match="data_batch_2.*" + match):
        load_CIFAR_batch(path)


def test_truncated_batch_is_named(fake_root, tmp_path):
    path = tmp_path / "test_batch"
    path.write_bytes((fake_root / "test_batch").read_bytes()[:100_000])
    with pytest.raises(CIFAR10FormatError, match="test_batch: corrupt or truncated"):
        load_CIFAR_batch(path)


def test_class_names_from_meta(fake_root, tmp_path):
    assert data_utils.load_class_names(fake_root)[0] == "plane"
    assert data_utils.load_class_names(tmp_path) == data_utils.CLASSES  # no meta: the defaults


@pytest.mark.cifar
def test_real_cifar10_float32_load_stays_under_1_5_GB(cifar_dir):
    tracemalloc.start()  # NumPy reports its allocations to tracemalloc
    try:
        Xtr, Ytr, Xte, Yte = load_CIFAR10(cifar_dir, dtype=np.float32)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert Xtr.shape == (50_000, 32, 32, 3) and Xte.shape == (10_000, 32, 32, 3)
    assert Xtr.dtype == np.float32
    assert peak < 1.5e9, f"peak {peak / 1e9:.2f} GB"
    # Every class has 5000 training and 1000 test images in CIFAR-10.
    assert np.array_equal(np.bincount(Ytr), [5000] * 10)
    assert np.array_equal(np.bincount(Yte), [1000] * 10)
    assert 0 <= Xtr.min() and Xtr.max() <= 255


@pytest.mark.cifar
def test_real_get_CIFAR10_data(cifar_dir):
    data = get_CIFAR10_data()
    assert {k: v.shape for k, v in data.items()} == {
        "X_train": (49_000, 3072), "y_train": (49_000,), "X_val": (1_000, 3072),
        "y_val": (1_000,), "X_test": (1_000, 3072), "y_test": (1_000,)}
    assert abs(float(data["X_train"].mean())) < 1e-3
