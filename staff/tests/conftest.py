"""Fixtures of the staff tests: the fast path's two GEMM routes."""
import numpy as np
import pytest

from cs231n.tools.fast import gemm as gemm_module


@pytest.fixture(params=["blas", "numpy"])
def gemm_path(request, monkeypatch):
    """Run a test through cs231n.tools.fast.gemm's direct BLAS call and through its NumPy fallback."""
    if request.param == "blas":
        if not gemm_module.uses_blas_gemm(np.float32):
            pytest.skip("this NumPy's BLAS is not callable directly; the fallback is tested")
    else:
        monkeypatch.setattr(gemm_module, "_gemm", {})  # as if no BLAS had been found
    return request.param
