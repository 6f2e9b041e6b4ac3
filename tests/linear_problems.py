"""A random linear-classification problem shared by the loss tests."""
import numpy as np


def random_problem(seed=0, N=40, D=15, C=5, scale=1.0):
    """Weights (D, C) of scale 0.1*scale, data (N, D) of scale `scale`, labels in 0..C-1."""
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=0.1 * scale, size=(D, C))
    X = rng.normal(scale=scale, size=(N, D))
    y = rng.integers(0, C, size=N)
    return W, X, y
