"""pycauset.linalg.solve_triangular against a dense NumPy reference, in RAM and out of core, and the
implicit factor I + s·Cᵀ of a bool matrix (the retarded propagator's system)."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from pycauset._array import _wrap

from conftest import assert_eq, to_pycauset

core = pycauset._core


def _reference(a, b, lower, unit):
    """Dense NumPy reference: the triangle only, the diagonal replaced by ones when unit."""
    t = np.tril(a) if lower else np.triu(a)
    if unit:
        np.fill_diagonal(t, 1.0)
    return np.linalg.solve(t, b)


def _system(n, k, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    a = (rng.random((n, n)) + n * np.eye(n)).astype(dtype)
    b = rng.random((n,) if k is None else (n, k)).astype(dtype)
    return a, b


@pytest.mark.parametrize("n,k", [(1, 1), (1, None), (5, 3), (64, None), (65, 1), (130, 70)])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("unit", [False, True])
def test_matches_numpy_in_ram(n, k, lower, unit):
    a, b = _system(n, k, seed=n)
    x = pycauset.linalg.solve_triangular(pycauset.matrix(a), b, lower=lower, unit_diagonal=unit)
    assert x.ndim == (1 if k is None else 2)
    np.testing.assert_allclose(pycauset.to_numpy(x), _reference(a, b, lower, unit), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("lower", [False, True])
def test_out_of_core_panels_match_the_direct_path(lower, budget):
    n, k = 700, 300
    a, b = _system(n, k, seed=3)
    A, B = to_pycauset(a, "file"), to_pycauset(b, "file")
    budget(1 << 20)  # 1 MiB: panels of a few rows stream past blocks of right-hand columns
    x = pycauset.linalg.solve_triangular(A, B, lower=lower)
    assert x.storage == "file"
    np.testing.assert_allclose(pycauset.to_numpy(x, allow_huge=True), _reference(a, b, lower, False),
                               rtol=1e-10, atol=1e-12)


def test_float32_and_complex_and_views():
    a, b = _system(40, 3, seed=4, dtype=np.float32)
    x = pycauset.linalg.solve_triangular(pycauset.matrix(a), pycauset.matrix(b), lower=True)
    assert x.dtype == np.float32
    np.testing.assert_allclose(pycauset.to_numpy(x), _reference(a, b, True, False), rtol=1e-4)
    c = a.astype(np.complex128) * (1 + 1j)
    x = pycauset.linalg.solve_triangular(pycauset.matrix(c), b.astype(np.complex128))
    np.testing.assert_allclose(pycauset.to_numpy(x), _reference(c, b.astype(np.complex128), False, False), rtol=1e-10)
    # A transposed view: the upper triangle of a.T is the lower triangle of a, transposed.
    A = pycauset.matrix(a.astype(np.float64))
    x = pycauset.linalg.solve_triangular(A.T, b.astype(np.float64), lower=False)
    np.testing.assert_allclose(pycauset.to_numpy(x), _reference(a.T.astype(np.float64), b, False, False), rtol=1e-10)


def test_errors():
    with pytest.raises(np.linalg.LinAlgError, match="diagonal 1"):
        pycauset.linalg.solve_triangular(np.array([[1.0, 0.0], [1.0, 0.0]]), [1.0, 1.0], lower=True)
    with pytest.raises(ValueError, match="b needs 2 rows"):
        pycauset.linalg.solve_triangular(np.eye(2), np.ones(3))
    with pytest.raises(pycauset.PyCausetError):
        pycauset.linalg.solve_triangular(np.ones((2, 3)), np.ones(2))


@pytest.mark.parametrize("method", ["direct", "ooc"])
def test_implicit_factor_of_a_bool_matrix(method, budget):
    # K = (I + s Φ)^{-1} Φ with Φ = ½ Cᵀ: the factor and the right-hand side are the bits of C, never floats.
    n = 500
    c = np.triu(np.random.default_rng(5).random((n, n)) < 0.2, 1)
    C = to_pycauset(c, "file" if method == "ooc" else "ram")
    phi = 0.5 * c.T.astype(np.float64)
    s = 0.3
    expected = np.linalg.solve(np.eye(n) + s * phi, phi)
    if method == "ooc":
        budget(1 << 20)
    got = core.solve_triangular(C.T, C.T, lower=True, unit_diagonal=True, scale=s * 0.5, identity_plus=True,
                                rhs_scale=0.5, rhs_lower=True, method=method)
    np.testing.assert_allclose(pycauset.to_numpy(_wrap(got), allow_huge=True), expected, rtol=1e-10, atol=1e-12)
