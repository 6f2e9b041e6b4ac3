"""The classifiers of CS231n assignment 1."""
from cs231n.classifiers.fc_net import FullyConnectedNet, ModularTwoLayerNet
from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax
from cs231n.classifiers.neural_net import DivergenceWarning, TwoLayerNet

__all__ = ["KNearestNeighbor", "LinearClassifier", "LinearSVM", "Softmax", "TwoLayerNet",
           "ModularTwoLayerNet", "FullyConnectedNet", "DivergenceWarning"]
