"""Tests of cs231n.tools.baselines: each notebook's saved choice, read back by the comparisons."""
import json

import pytest

from cs231n.tools.baselines import (CLASSIFIERS, SAVED_DIR, load_choices, save_choice,
                                    saved_test_accuracies)


def test_saved_choices_are_read_back_and_missing_notebooks_named(tmp_path, capsys):
    save_choice("svm", {"learning_rate": 2e-7, "reg": 3e4}, 0.351, 1000, directory=tmp_path)
    save_choice("knn", {"k": 7}, 0.29, 500, directory=tmp_path)
    found, missing = load_choices(directory=tmp_path)
    assert sorted(found) == ["knn", "svm"]
    assert found["svm"]["settings"] == {"learning_rate": 2e-7, "reg": 3e4}
    assert missing == ["softmax.ipynb", "two_layer_net.ipynb"]
    acc = saved_test_accuracies(["knn", "svm", "softmax"], directory=tmp_path)
    assert acc == {"k-NN": (0.29, 500), "Linear SVM": (0.351, 1000)}
    assert capsys.readouterr().out == "not run yet, so left out: softmax.ipynb\n"


def test_a_later_run_replaces_the_choice(tmp_path):
    save_choice("softmax", {"reg": 1.0}, 0.30, 1000, directory=tmp_path)
    path = save_choice("softmax", {"reg": 2.0}, 0.40, 1000, directory=tmp_path)
    assert json.loads(path.read_text())["test_accuracy"] == 0.40
    assert [p.name for p in tmp_path.iterdir()] == ["softmax.json"]  # no temporary file left


def test_numpy_numbers_are_saved_as_plain_numbers(tmp_path):
    np = pytest.importorskip("numpy")
    save_choice("knn", {"k": np.int64(5)}, np.float64(0.3), 500, directory=tmp_path)
    assert load_choices(["knn"], directory=tmp_path)[0]["knn"]["settings"] == {"k": 5}


def test_bad_input_is_refused_and_leaves_the_old_file(tmp_path):
    save_choice("svm", {"reg": 1.0}, 0.35, 1000, directory=tmp_path)
    with pytest.raises(ValueError, match="unknown classifier 'svn'"):
        save_choice("svn", {}, 0.3, 1000, directory=tmp_path)
    with pytest.raises(ValueError, match=r"test_accuracy must lie in \[0, 1\]"):
        save_choice("svm", {}, 35.0, 1000, directory=tmp_path)
    with pytest.raises(TypeError):
        save_choice("svm", {"model": object()}, 0.3, 1000, directory=tmp_path)
    assert load_choices(["svm"], directory=tmp_path)[0]["svm"]["test_accuracy"] == 0.35
    (tmp_path / "svm.json").write_text("{not json")
    with pytest.raises(ValueError, match="svm.json is not a saved choice.*run svm.ipynb again"):
        load_choices(["svm"], directory=tmp_path)


def test_default_place_is_the_ignored_saved_folder():
    assert SAVED_DIR.parts[-2:] == ("cs231n", "saved")
    assert set(CLASSIFIERS) == {"knn", "svm", "softmax", "two_layer_net"}
