"""Hidden tests of the update rules: three steps against the formulas written out."""
import numpy as np
import pytest


def _steps(rule, config, n=3, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((3, 4))
    dws = [rng.standard_normal((3, 4)) for _ in range(n)]
    for dw in dws:
        w, config = rule(w, dw, config)
    return w, config, dws


def _start(seed=0):
    return np.random.default_rng(seed).standard_normal((3, 4))


@pytest.mark.part("Update rules: SGD with momentum")
@pytest.mark.points(1)
def test_momentum_three_steps():
    from cs231n.optim import sgd_momentum

    w, config, dws = _steps(sgd_momentum, {"learning_rate": 0.1, "momentum": 0.8})
    w_ref, v = _start(), np.zeros((3, 4))
    for dw in dws:
        v = 0.8 * v - 0.1 * dw
        w_ref = w_ref + v
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], v, rtol=1e-12)


@pytest.mark.part("Update rules: RMSProp")
@pytest.mark.points(1)
def test_rmsprop_three_steps():
    from cs231n.optim import rmsprop

    w, config, dws = _steps(rmsprop, {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8})
    w_ref, cache = _start(), np.zeros((3, 4))
    for dw in dws:
        cache = 0.9 * cache + 0.1 * dw ** 2
        w_ref = w_ref - 0.01 * dw / (np.sqrt(cache) + 1e-8)
    np.testing.assert_allclose(w, w_ref, rtol=1e-10)
    np.testing.assert_allclose(config["cache"], cache, rtol=1e-10)


@pytest.mark.part("Update rules: Adam")
@pytest.mark.points(1)
def test_adam_three_steps():
    from cs231n.optim import adam

    w, config, dws = _steps(adam, {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.99,
                                   "epsilon": 1e-8})
    w_ref, m, v = _start(), np.zeros((3, 4)), np.zeros((3, 4))
    for t, dw in enumerate(dws, start=1):
        m = 0.9 * m + 0.1 * dw
        v = 0.99 * v + 0.01 * dw ** 2
        w_ref = w_ref - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-8)
    np.testing.assert_allclose(w, w_ref, rtol=1e-10)
    assert config["t"] == 3
