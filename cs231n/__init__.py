"""cs231n-twolayer: a two-layer neural network from scratch in NumPy (CS231n assignment 1)."""
__version__ = "0.1.0"
