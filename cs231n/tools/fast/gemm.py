"""One matrix product NumPy cannot express, in NumPy's own BLAS (the fast path only).

``add_matmul_t(C, A, B, alpha, beta)`` computes ``C = beta * C + alpha * (A.T @ B)`` in
place. That is the whole SGD step of a weight matrix whose gradient is ``A.T @ B``
(``alpha = -learning_rate``, ``beta = 1 - learning_rate * reg``), and BLAS's GEMM does it
in one call: ``C = alpha * op(A) @ op(B) + beta * C``. NumPy's ``matmul`` has no ``beta``,
so with NumPy alone the step needs the (D, H) gradient as a temporary and two more passes
over the weights. For W1 of the CIFAR-10 net (3072 x 500) that is about a tenth of a
training step.

The GEMM is called through ctypes in the OpenBLAS library that NumPy's wheels ship and
NumPy itself uses for ``@`` (found through threadpoolctl, so the same thread limits
apply). It is the same maths library, not a new dependency. Where that library cannot be
found (NumPy built against another BLAS, an unknown symbol name) or an array does not
suit it (dtype, memory layout), the plain NumPy expression runs instead, with the same
result up to rounding. A self-check on a small product guards the call before first use.
"""
from __future__ import annotations

import ctypes
import os

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

# CBLAS GEMM names in the OpenBLAS builds NumPy's wheels use, with their integer width:
# NumPy 2 (scipy-openblas64), then NumPy 1.22-1.26 (openblas64_).
_SYMBOLS = (("scipy_cblas_{t}gemm64_", ctypes.c_int64), ("cblas_{t}gemm64_", ctypes.c_int64))
_TYPECHAR = {np.dtype(np.float32): ("s", ctypes.c_float),
             np.dtype(np.float64): ("d", ctypes.c_double)}

_gemm = None  # dtype -> ctypes function, filled on first use


def add_matmul_t(C, A, B, alpha=1.0, beta=1.0):
    """``C = beta * C + alpha * (A.T @ B)``, in place.

    Inputs:
    - C: array of shape (D, H), updated in place.
    - A: array of shape (N, D).
    - B: array of shape (N, H).
    - alpha, beta: scalars.

    Returns C.
    """
    if A.ndim != 2 or B.ndim != 2 or C.shape != (A.shape[1], B.shape[1]) \
            or A.shape[0] != B.shape[0]:
        raise ValueError(f"add_matmul_t: shapes do not fit: C {C.shape}, A {A.shape}, "
                         f"B {B.shape}; need C (D, H), A (N, D), B (N, H)")
    gemm = _gemm_for(C.dtype)
    if gemm is not None and _suits(C, A, B):
        (N, D), H = A.shape, B.shape[1]
        gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, D, H, N, alpha, A.ctypes.data, D,
             B.ctypes.data, H, beta, C.ctypes.data, H)
        return C
    product = A.T @ B
    if beta != 1.0:
        C *= beta
    if alpha != 1.0:
        product *= alpha
    C += product
    return C


def uses_blas_gemm(dtype=np.float32):
    """Whether :func:`add_matmul_t` calls BLAS directly for ``dtype`` on this machine."""
    return _gemm_for(np.dtype(dtype)) is not None


def _suits(C, A, B):
    dtype = C.dtype
    return all(a.dtype == dtype and a.flags.c_contiguous and a.flags.aligned for a in (A, B, C)) \
        and C.flags.writeable and C.size > 0 and A.shape[0] > 0 \
        and not np.shares_memory(C, A) and not np.shares_memory(C, B)


def _gemm_for(dtype):
    global _gemm
    if _gemm is None:
        _gemm = _load()
    return _gemm.get(dtype)


def _load():
    """Find NumPy's OpenBLAS GEMMs; {} when there is none we can call safely."""
    if os.environ.get("CS231N_PLAIN_NUMPY_GEMM"):  # escape hatch, and the tests' fallback
        return {}
    try:
        from threadpoolctl import threadpool_info

        numpy_dir = os.path.dirname(os.path.dirname(os.path.realpath(np.__file__)))
        # Only the OpenBLAS inside NumPy's own installation (numpy.libs/, numpy/.dylibs/).
        paths = [info["filepath"] for info in threadpool_info()
                 if info.get("internal_api") == "openblas"
                 and os.path.relpath(os.path.realpath(info["filepath"]), numpy_dir)
                 .split(os.sep)[0].startswith("numpy")]
        for path in paths:
            lib = ctypes.CDLL(path)  # already loaded by NumPy: the same handle
            found = {}
            for dtype, (t, scalar) in _TYPECHAR.items():
                for pattern, blasint in _SYMBOLS:
                    fn = getattr(lib, pattern.format(t=t), None)
                    if fn is not None:
                        fn.argtypes = [ctypes.c_int] * 3 + [blasint] * 3 + [
                            scalar, ctypes.c_void_p, blasint, ctypes.c_void_p, blasint,
                            scalar, ctypes.c_void_p, blasint]
                        fn.restype = None
                        if _self_check(fn, dtype):
                            found[dtype] = fn
                        break
            if found:
                return found
    except Exception:  # any surprise: NumPy alone is always correct
        pass
    return {}


def _self_check(fn, dtype):
    """Run the GEMM on a small product and compare with NumPy."""
    A = np.arange(12, dtype=dtype).reshape(3, 4) / 7
    B = np.arange(15, dtype=dtype).reshape(3, 5) / 5 - 1
    C = np.ones((4, 5), dtype=dtype)
    expected = 0.5 * C + 2.0 * (A.T @ B)
    fn(_ROW_MAJOR, _TRANS, _NO_TRANS, 4, 5, 3, 2.0, A.ctypes.data, 4, B.ctypes.data, 5,
       0.5, C.ctypes.data, 5)
    return bool(np.allclose(C, expected, rtol=1e-5, atol=1e-6))
