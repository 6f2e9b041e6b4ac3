"""The staff's fast training paths (left out of the student release).

``train(net, X, y, X_val, y_val, ...)`` does what ``TwoLayerNet.train`` does with the
course's solution, and returns the same history to float tolerance, but faster: float32
buffers reused across steps, the minibatch gathered in place, and W1's SGD step fused into
the BLAS call that forms its gradient (:mod:`cs231n.tools.fast.gemm`). The sweep and the
slider explorer use it when it is there; in the student version they call the student's
own ``TwoLayerNet.train``.

``FastSolver`` is the course's ``Solver`` (a subclass, same API) with a fast step for a
plain ``FullyConnectedNet``: reused buffers, no gradient for the data, in-place update
rules (:mod:`cs231n.tools.fast.solver`). Nothing dispatches to it; the staff's benchmark
uses it by name.
"""
from cs231n.tools.fast.solver import FastSolver
from cs231n.tools.fast.train import train

__all__ = ["FastSolver", "train"]
