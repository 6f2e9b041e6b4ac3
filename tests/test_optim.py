"""Tests of cs231n.optim: the course's published reference arrays, hand-worked steps,
an independent element-by-element loop, default configs and bad input."""
import math

import numpy as np
import pytest

from cs231n.gradient_check import rel_error
from cs231n.optim import UPDATE_RULES, adam, rmsprop, sgd, sgd_momentum

N, D = 4, 5


def _course_w_dw():
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    return w, dw


def test_sgd_hand_worked():
    # w = [1, 2], dw = [10, -10], lr 0.1: next_w = [1 - 1, 2 + 1] = [0, 3].
    next_w, config = sgd(np.array([1.0, 2.0]), np.array([10.0, -10.0]), {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.0, 3.0], atol=1e-15)
    assert sgd(np.zeros(2), np.zeros(2))[1]["learning_rate"] == 1e-2


@pytest.mark.part("Update rules: SGD with momentum")
@pytest.mark.points(1)
def test_sgd_momentum_course_reference():
    w, dw = _course_w_dw()
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, _ = sgd_momentum(w, dw, config=config)
    expected_next_w = np.asarray([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
    expected_velocity = np.asarray([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(config["velocity"], expected_velocity) < 1e-8


def test_sgd_momentum_hand_worked():
    # Two steps from v = 0 with momentum 0.5, lr 1, dw = 1 each time:
    # v1 = -1, w1 = 0 - 1 = -1;  v2 = 0.5 * -1 - 1 = -1.5, w2 = -1 - 1.5 = -2.5.
    config = {"learning_rate": 1.0, "momentum": 0.5}
    w, config = sgd_momentum(np.zeros(1), np.ones(1), config)
    np.testing.assert_allclose([w[0], config["velocity"][0]], [-1.0, -1.0], atol=1e-15)
    w, config = sgd_momentum(w, np.ones(1), config)
    np.testing.assert_allclose([w[0], config["velocity"][0]], [-2.5, -1.5], atol=1e-15)


@pytest.mark.part("Update rules: RMSProp")
@pytest.mark.points(1)
def test_rmsprop_course_reference():
    w, dw = _course_w_dw()
    cache = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-2, "cache": cache}
    next_w, _ = rmsprop(w, dw, config=config)
    expected_next_w = np.asarray([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
    expected_cache = np.asarray([
        [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
        [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
        [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
        [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])
    assert rel_error(next_w, expected_next_w) < 1e-7
    assert rel_error(config["cache"], expected_cache) < 1e-7


def test_rmsprop_hand_worked():
    # First step from cache 0, decay 0.99, dw = 2: cache = 0.01 * 4 = 0.04, sqrt = 0.2,
    # step = lr * 2 / 0.2 = 10 * lr; with lr 0.01 and epsilon 0: w = 1 - 0.1 = 0.9.
    next_w, config = rmsprop(np.ones(1), np.full(1, 2.0), {"learning_rate": 0.01, "epsilon": 0.0})
    np.testing.assert_allclose(config["cache"], [0.04], rtol=1e-14)
    np.testing.assert_allclose(next_w, [0.9], rtol=1e-14)


@pytest.mark.part("Update rules: Adam")
@pytest.mark.points(1)
def test_adam_course_reference():
    w, dw = _course_w_dw()
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
    next_w, _ = adam(w, dw, config=config)
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    # The reference is printed to 8 decimals; its smallest entry (0.0722929) makes the
    # relative error about 1.1e-7 for a correct implementation, as in the course.
    assert rel_error(next_w, expected_next_w) < 2e-7
    assert rel_error(config["v"], expected_v) < 1e-7
    assert rel_error(config["m"], expected_m) < 1e-7
    assert config["t"] == 6


def test_adam_first_step_hand_worked():
    # t is incremented first, so the first step has t = 1 and the bias corrections undo
    # the (1 - beta) factors: mt = dw, vt = dw**2, step = lr * dw / (|dw| + eps) = lr * sign(dw).
    next_w, config = adam(np.zeros(3), np.array([3.0, -0.5, 1e-2]), {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [-0.1, 0.1, -0.1], rtol=1e-6)
    assert config["t"] == 1


def _adam_loop(w, dw, lr, beta1, beta2, eps, m, v, t):
    """Reference Adam, one scalar at a time with Python floats."""
    t += 1
    out_w, out_m, out_v = [], [], []
    for wi, gi, mi, vi in zip(w.ravel(), dw.ravel(), m.ravel(), v.ravel()):
        mi = beta1 * mi + (1 - beta1) * gi
        vi = beta2 * vi + (1 - beta2) * gi * gi
        mhat, vhat = mi / (1 - beta1 ** t), vi / (1 - beta2 ** t)
        out_w.append(wi - lr * mhat / (math.sqrt(vhat) + eps))
        out_m.append(mi)
        out_v.append(vi)
    return (np.reshape(out_w, w.shape), np.reshape(out_m, w.shape), np.reshape(out_v, w.shape), t)


def test_adam_against_loop_over_steps():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    ref_w, ref_m, ref_v, ref_t = w.copy(), np.zeros_like(w), np.zeros_like(w), 0
    config = {"learning_rate": 3e-2}
    for _ in range(5):
        dw = rng.standard_normal(w.shape)
        w, config = adam(w, dw, config)
        ref_w, ref_m, ref_v, ref_t = _adam_loop(ref_w, dw, 3e-2, 0.9, 0.999, 1e-8, ref_m, ref_v, ref_t)
    np.testing.assert_allclose(w, ref_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(config["m"], ref_m, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(config["v"], ref_v, rtol=1e-12, atol=1e-14)
    assert config["t"] == ref_t == 5


def test_default_configs():
    w = np.zeros((2, 2))
    assert {k: sgd_momentum(w.copy(), w, None)[1][k] for k in ("learning_rate", "momentum")} == \
        {"learning_rate": 1e-2, "momentum": 0.9}
    cfg = rmsprop(w.copy(), w, None)[1]
    assert (cfg["learning_rate"], cfg["decay_rate"], cfg["epsilon"]) == (1e-2, 0.99, 1e-8)
    assert cfg["cache"].shape == w.shape
    cfg = adam(w.copy(), w, None)[1]
    assert (cfg["learning_rate"], cfg["beta1"], cfg["beta2"], cfg["epsilon"], cfg["t"]) == \
        (1e-3, 0.9, 0.999, 1e-8, 1)
    assert cfg["m"].shape == cfg["v"].shape == w.shape


@pytest.mark.parametrize("name", sorted(UPDATE_RULES))
def test_float32_stays_float32(name):
    w = np.ones((3, 3), np.float32)
    next_w, config = UPDATE_RULES[name](w.copy(), np.full((3, 3), 0.5, np.float32), None)
    assert next_w.dtype == np.float32
    for key in ("velocity", "cache", "m", "v"):
        if key in config:
            assert config[key].dtype == np.float32, key


@pytest.mark.parametrize("name", sorted(UPDATE_RULES))
def test_shape_mismatch_names_rule_and_shapes(name):
    with pytest.raises(ValueError, match=rf"{name}: dw has shape \(3,\) but w has shape \(2, 2\)"):
        UPDATE_RULES[name](np.zeros((2, 2)), np.zeros(3), None)
