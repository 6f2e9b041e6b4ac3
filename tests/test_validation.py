"""Tests of the shared input checks in cs231n.tools.validation."""
import numpy as np
import pytest

from cs231n.tools.validation import (
    as_real_array,
    check_loss_inputs,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_X,
    check_y,
    normal_sampler,
)


# -- check_X ----------------------------------------------------------------------------

def test_check_X_returns_same_array_and_dtype():
    X = np.ones((3, 4), dtype=np.float32)
    out = check_X(X)
    assert out is X
    assert out.dtype == np.float32


def test_check_X_accepts_lists_and_ints():
    out = check_X([[1, 2], [3, 4]])
    assert isinstance(out, np.ndarray) and out.shape == (2, 2)


@pytest.mark.parametrize("X, match", [
    (np.ones(5), r"2-D .*shape \(5,\)"),
    (np.ones((2, 3, 4)), r"2-D"),
    (np.ones((0, 3)), r"at least one row"),
    (np.ones((3, 0)), r"at least one row and one column"),
    (np.array([[1.0, np.nan]]), r"NaN"),
    (np.array([[1.0, np.inf]]), r"infinity"),
    (np.array([["a", "b"]]), r"real numbers"),
    (np.array([[True, False]]), r"real numbers"),
    (np.array([[1 + 2j]]), r"real numbers"),
    ([[1.0, 2.0], [3.0]], r"X must be"),  # ragged
])
def test_check_X_rejects(X, match):
    with pytest.raises(ValueError, match=match):
        check_X(X)


def test_check_X_feature_count_and_name():
    with pytest.raises(ValueError, match=r"X_test must have 4 features.*\(2, 3\)"):
        check_X(np.ones((2, 3)), name="X_test", n_features=4)
    assert check_X(np.ones((2, 4)), n_features=4).shape == (2, 4)


# -- check_y ----------------------------------------------------------------------------

def test_check_y_returns_int64():
    y = check_y([0, 2, 1], 3, num_classes=3)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [0, 2, 1])


def test_check_y_accepts_whole_floats():
    y = check_y(np.array([0.0, 1.0, 2.0]), 3)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [0, 1, 2])


@pytest.mark.parametrize("y, n, C, match", [
    ([0, 1], 3, None, r"2 labels but X has 3 rows"),
    ([[0, 1, 2]], 3, None, r"1-D"),
    ([0, -1, 2], 3, None, r">= 0, found -1"),
    ([0, 1, 3], 3, 3, r"0\.\.2 \(3 classes\), found 3"),
    ([0.0, 1.5, 2.0], 3, None, r"non-integer"),
    ([0.0, np.nan, 2.0], 3, None, r"non-integer"),
    ([True, False, True], 3, None, r"integer class labels, got dtype bool"),
    (["a", "b", "c"], 3, None, r"integer class labels"),
])
def test_check_y_rejects(y, n, C, match):
    with pytest.raises(ValueError, match=match):
        check_y(y, n, num_classes=C)


# -- numbers ----------------------------------------------------------------------------

def test_check_positive_int():
    assert check_positive_int(3, "k") == 3
    assert check_positive_int(np.int64(2), "k") == 2
    for bad in (0, -1, 1.0, 2.5, True, "3", None):
        with pytest.raises(ValueError, match=r"^k must be a positive integer"):
            check_positive_int(bad, "k")


def test_check_nonnegative_and_positive_float():
    assert check_nonnegative_float(0, "reg") == 0.0
    assert check_nonnegative_float(np.float32(0.5), "reg") == 0.5
    assert check_positive_float(1e-3, "learning_rate") == 1e-3
    for bad in (-1e-9, np.nan, np.inf, "1", None, True):
        with pytest.raises(ValueError, match=r"^reg must be"):
            check_nonnegative_float(bad, "reg")
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number > 0, got 0"):
        check_positive_float(0.0, "learning_rate")


# -- check_loss_inputs ------------------------------------------------------------------

def test_check_loss_inputs():
    W = np.zeros((4, 3))
    X = np.ones((2, 4))
    W2, X2, y2, reg2 = check_loss_inputs(W, X, [0, 2], 1)
    assert W2 is W and X2 is X and y2.dtype == np.int64 and reg2 == 1.0
    with pytest.raises(ValueError, match=r"W must be 2-D"):
        check_loss_inputs(np.zeros(4), X, [0, 2], 1)
    with pytest.raises(ValueError, match=r"W must be a float array"):
        check_loss_inputs(np.zeros((4, 3), dtype=int), X, [0, 2], 1)
    with pytest.raises(ValueError, match=r"X must have 4 features"):
        check_loss_inputs(W, np.ones((2, 5)), [0, 2], 1)
    with pytest.raises(ValueError, match=r"found 3"):
        check_loss_inputs(W, X, [0, 3], 1)
    with pytest.raises(ValueError, match=r"reg must be"):
        check_loss_inputs(W, X, [0, 2], -1)
    # A diverged W (NaN) is the training loop's business, not an input error.
    check_loss_inputs(np.full((4, 3), np.nan), X, [0, 2], 1)


def test_check_X_huge_finite_values_are_fine():
    # Their sum overflows to infinity, but every entry is finite.
    X = np.full((3, 4), np.finfo(np.float32).max, dtype=np.float32)
    assert check_X(X) is X
    X[1, 2] = -np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        check_X(X)


def test_read_only_arrays_are_checked_for_finiteness_once(monkeypatch):
    from cs231n.tools import validation

    calls = []
    real_isfinite = np.isfinite
    monkeypatch.setattr(validation.np, "isfinite", lambda a: calls.append(1) or real_isfinite(a))
    X = validation.read_only(np.ones((50, 4)))
    for _ in range(3):
        check_X(X)
    assert len(calls) == 1  # a sweep's or the explorer's data: checked on the first train only
    writeable = np.ones((50, 4))
    for _ in range(3):
        check_X(writeable)
    assert len(calls) == 4  # a writeable array may have changed: checked every time
    bad = np.ones((50, 4))
    bad[3, 2] = np.nan
    bad = validation.read_only(bad)
    for _ in range(2):  # a failed check is never remembered
        with pytest.raises(ValueError, match="NaN or infinity"):
            check_X(bad)


# -- layers and features -------------------------------------------------------------------

def test_as_real_array_names_the_argument():
    a = np.ones(3, dtype=np.uint8)
    assert as_real_array(a, "im") is a
    with pytest.raises(ValueError, match=r"relu_forward: x must hold real numbers.*bool"):
        as_real_array(np.ones(2, dtype=bool), "relu_forward: x")
    with pytest.raises(ValueError, match="im must be a numeric array"):
        as_real_array([[1.0, 2.0], [3.0]], "im")


def test_normal_sampler_seeds():
    # an int seed and a Generator seeded alike draw the same numbers; None is np.random.randn
    np.testing.assert_array_equal(normal_sampler(3)(2, 4),
                                  normal_sampler(np.random.default_rng(3))(2, 4))
    assert normal_sampler(3)(2, 4).shape == (2, 4)
    assert normal_sampler(None) is np.random.randn
    for bad in (-1, 1.5, "0", True):
        with pytest.raises(ValueError, match="seed must be None, an integer >= 0"):
            normal_sampler(bad)
