"""cs231n.tools.blas: the fused GEMM update against plain float64 NumPy, on both of its paths."""
import numpy as np
import pytest

from cs231n.tools.blas import blas_threads
from cs231n.tools.fast.gemm import add_matmul_t, uses_blas_gemm


def problem(dtype, N=7, D=5, H=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((D, H)).astype(dtype), rng.standard_normal((N, D)).astype(dtype),
            rng.standard_normal((N, H)).astype(dtype))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-6), (np.float64, 1e-14)])
def test_matches_float64_reference(gemm_path, dtype, rtol):
    C, A, B = problem(dtype, N=200, D=300, H=50)
    # The same expression written out in float64, one output entry at a time for a few entries.
    ref = 0.99 * C.astype(np.float64) - 0.01 * (A.astype(np.float64).T @ B.astype(np.float64))
    for d, h in [(0, 0), (17, 42), (299, 49)]:
        assert ref[d, h] == pytest.approx(0.99 * float(C[d, h]) - 0.01 * sum(
            float(A[n, d]) * float(B[n, h]) for n in range(200)), rel=1e-12, abs=1e-12)
    out = add_matmul_t(C, A, B, alpha=-0.01, beta=0.99)
    assert out is C and C.dtype == dtype
    np.testing.assert_allclose(C, ref, rtol=rtol, atol=rtol * np.abs(ref).max())


def test_defaults_add_the_product(gemm_path):
    C, A, B = problem(np.float64)
    expected = C + A.T @ B
    add_matmul_t(C, A, B)
    np.testing.assert_allclose(C, expected, rtol=1e-14)


def test_the_blas_path_is_taken_on_numpys_own_openblas():
    # pip's NumPy wheels ship scipy-openblas: there the direct call must be found, or the
    # training step silently loses its speed.
    config = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    try:
        blas_name = config["Build Dependencies"]["blas"]["name"]
    except (KeyError, TypeError):
        pytest.skip("this NumPy does not say which BLAS it was built with")
    if blas_name != "scipy-openblas":
        pytest.skip(f"NumPy uses {blas_name}; only scipy-openblas is called directly")
    assert uses_blas_gemm(np.float32) and uses_blas_gemm(np.float64)


@pytest.mark.parametrize("case", ["transposed C", "sliced A", "float64 B", "B aliases C"])
def test_unsuitable_arrays_take_the_numpy_path_with_the_same_result(case):
    C, A, B = problem(np.float32, N=6, D=4, H=4)
    if case == "transposed C":
        C = np.asfortranarray(C)
    elif case == "sliced A":
        A = np.repeat(A, 2, axis=1)[:, ::2]
    elif case == "float64 B":
        B = B.astype(np.float64)
    else:
        B = C[:, :]  # N == D here, so B may be C itself
        A = A[:4]
    expected = 0.5 * C.astype(np.float64) + 2.0 * (A.astype(np.float64).T @ B.astype(np.float64))
    add_matmul_t(C, A, B, alpha=2.0, beta=0.5)
    np.testing.assert_allclose(C, expected, rtol=1e-5)


@pytest.mark.parametrize("shapes", [((5, 3), (7, 5), (6, 3)), ((5, 3), (7, 4), (7, 3)),
                                    ((5, 2), (7, 5), (7, 3)), ((5, 3), (7, 5, 1), (7, 3))])
def test_shape_mismatch_is_named_and_changes_nothing(shapes):
    C, A, B = (np.ones(s) for s in shapes)
    before = C.copy()
    with pytest.raises(ValueError, match="shapes do not fit"):
        add_matmul_t(C, A, B)
    np.testing.assert_array_equal(C, before)


def test_blas_threads_limits_and_restores():
    from threadpoolctl import threadpool_info

    def numbers():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = numbers()
    with blas_threads(1):
        assert numbers() and all(n == 1 for n in numbers())
    assert numbers() == before
    with blas_threads(None):
        assert numbers() == before
