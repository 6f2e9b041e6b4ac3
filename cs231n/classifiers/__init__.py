"""The classifiers of CS231n assignment 1."""
from cs231n.classifiers.neural_net import DivergenceWarning, TwoLayerNet

__all__ = ["TwoLayerNet", "DivergenceWarning"]
