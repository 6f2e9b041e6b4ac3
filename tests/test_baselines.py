"""Tests of cs231n.tools.baselines (the k-NN / SVM / Softmax test accuracies)."""
import numpy as np
import pytest

from cs231n.tools import baselines
from cs231n.tools.baselines import add_bias_column, baseline_accuracies


def synthetic_data(seed=0, num_classes=4, dim=20, n_train=120, n_test=40):
    """Separable blobs in the get_CIFAR10_data layout (float32 rows, int64 labels)."""
    rng = np.random.default_rng(seed)
    centres = 10.0 * rng.normal(size=(num_classes, dim))

    def draw(n):
        y = rng.integers(0, num_classes, size=n)
        return (centres[y] + rng.normal(size=(n, dim))).astype(np.float32), y

    X_train, y_train = draw(n_train)
    X_test, y_test = draw(n_test)
    return dict(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)


@pytest.fixture
def quick_hyperparams(monkeypatch):
    """Hyperparameters suited to the small synthetic problem (the real ones are for CIFAR-10)."""
    monkeypatch.setattr(baselines, "KNN_NUM_TRAIN", 100)
    monkeypatch.setattr(baselines, "KNN_NUM_TEST", 20)
    monkeypatch.setattr(baselines, "KNN_K", 3)
    params = dict(learning_rate=1e-3, reg=1e-3, num_iters=200, batch_size=50)
    monkeypatch.setattr(baselines, "SVM_HYPERPARAMS", params)
    monkeypatch.setattr(baselines, "SOFTMAX_HYPERPARAMS", params)


def test_add_bias_column_keeps_dtype():
    X = np.arange(6, dtype=np.float32).reshape(2, 3)
    Xb = add_bias_column(X)
    assert Xb.dtype == np.float32
    np.testing.assert_array_equal(Xb, [[0, 1, 2, 1], [3, 4, 5, 1]])


def test_accuracies_on_separable_data(quick_hyperparams):
    data = synthetic_data()
    acc = baseline_accuracies(data, seed=0, skip_missing=False)
    assert list(acc) == ["k-NN", "Linear SVM", "Softmax"]
    assert all(isinstance(v, float) for v in acc.values())
    assert acc == {"k-NN": 1.0, "Linear SVM": 1.0, "Softmax": 1.0}


def test_knn_is_scored_on_its_subset_only(quick_hyperparams):
    # Corrupt the labels of test images 20.. : k-NN (first 20 test images) stays perfect,
    # the linear classifiers (all 40) lose exactly the corrupted ones.
    data = synthetic_data()
    data["y_test"] = data["y_test"].copy()
    data["y_test"][20:] = (data["y_test"][20:] + 1) % 4
    acc = baseline_accuracies(data, seed=0, skip_missing=False)
    assert acc == {"k-NN": 1.0, "Linear SVM": 0.5, "Softmax": 0.5}


def test_seed_is_reproducible_and_verbose(quick_hyperparams, capsys):
    data = synthetic_data(seed=1)
    data["y_test"] = np.roll(data["y_test"], 1)  # noisy labels so that accuracies are not all 1
    a = baseline_accuracies(data, seed=3, skip_missing=False)
    assert capsys.readouterr().out == ""
    b = baseline_accuracies(data, seed=3, verbose=True, skip_missing=False)
    assert a == b
    out = capsys.readouterr().out
    assert "k-NN (k=3): test accuracy" in out and "Softmax: test accuracy" in out


def test_bad_data():
    data = synthetic_data()
    with pytest.raises(ValueError, match=r"missing \['y_test'\]"):
        baseline_accuracies({k: v for k, v in data.items() if k != "y_test"}, skip_missing=False)
    bad = dict(data, X_test=data["X_test"][:, :5])
    with pytest.raises(ValueError, match=r"X_test must have 20 features"):
        baseline_accuracies(bad, skip_missing=False)
    bad = dict(data, y_train=data["y_train"][:-1])
    with pytest.raises(ValueError, match=r"y_train has 119 labels"):
        baseline_accuracies(bad, skip_missing=False)


@pytest.mark.cifar
def test_accuracies_on_cifar10(cifar_dir):
    # cifar_dir (tests/conftest.py) skips this test when ./get_datasets.sh has not been run.
    from cs231n.data_utils import get_CIFAR10_data

    acc = baseline_accuracies(get_CIFAR10_data(cifar10_dir=cifar_dir), seed=0, skip_missing=False)
    # Bands around the course's published results (k-NN ~0.27-0.29 on 5,000 / 500;
    # linear SVM and Softmax ~0.35-0.39 on 1,000 test images), wide enough for any faithful
    # copy of CIFAR-10 and for SGD noise.
    assert 0.24 <= acc["k-NN"] <= 0.32, acc
    assert 0.33 <= acc["Linear SVM"] <= 0.41, acc
    assert 0.33 <= acc["Softmax"] <= 0.42, acc


def test_unimplemented_classifiers_are_skipped_with_their_name(quick_hyperparams, monkeypatch,
                                                               capsys):
    # The student version before k-NN and the linear classifiers are written: the net-first
    # path. Each classifier is left out with a line naming the part it still needs.
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
    from cs231n.classifiers.linear_classifier import LinearClassifier

    def todo(name):
        def raise_(*args, **kwargs):
            raise NotImplementedError(f"{name}: implement this part: ...")
        return raise_

    monkeypatch.setattr(KNearestNeighbor, "predict",
                        todo("cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.predict"))
    monkeypatch.setattr(LinearClassifier, "train",
                        todo("cs231n/classifiers/linear_classifier.py:LinearClassifier.train"))
    assert baseline_accuracies(synthetic_data(), seed=0) == {}
    assert capsys.readouterr().out.splitlines() == [
        "k-NN: skipped, not implemented yet (cs231n/classifiers/k_nearest_neighbor.py:"
        "KNearestNeighbor.predict)",
        "Linear SVM: skipped, not implemented yet (cs231n/classifiers/linear_classifier.py:"
        "LinearClassifier.train)",
        "Softmax: skipped, not implemented yet (cs231n/classifiers/linear_classifier.py:"
        "LinearClassifier.train)",
    ]
    with pytest.raises(NotImplementedError):
        baseline_accuracies(synthetic_data(), seed=0, skip_missing=False)


def test_each_linear_classifier_has_its_own_seed(quick_hyperparams):
    # With one shared generator the Softmax would start where the SVM's draws ended; with
    # its own it gets what training it alone with the same seed gives (as softmax.ipynb does).
    from cs231n.classifiers.linear_classifier import Softmax

    data = synthetic_data(seed=2)
    data["y_test"] = np.roll(data["y_test"], 3)  # noisy labels: accuracies below 1
    acc = baseline_accuracies(data, seed=5, skip_missing=False)
    alone = Softmax()
    alone.train(add_bias_column(data["X_train"]), data["y_train"], seed=5,
                **baselines.SOFTMAX_HYPERPARAMS)
    expected = float(np.mean(alone.predict(add_bias_column(data["X_test"])) == data["y_test"]))
    assert acc["Softmax"] == expected
