"""NumPy override protocols: the __array_ufunc__ and __array_function__ allowlists, nothing more."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import assert_eq, make_array
from pycauset._expr import Expression

pycauset_types = (pycauset.Matrix, pycauset.Vector, Expression)


@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.true_divide, np.divide])
def test_allowed_binary_ufuncs_return_lazy_expressions(ufunc):
    a, b = make_array((4, 5), "float64", 1) + 1, make_array((4, 5), "float32", 2) + 1
    A = pycauset.matrix(a)
    for args, expected in (((A, b), ufunc(a, b)), ((b, A), ufunc(b, a)), ((A, 2), ufunc(a, 2)), ((3, A), ufunc(3, a))):
        got = ufunc(*args)
        assert isinstance(got, Expression)
        assert_eq(got, expected)


@pytest.mark.parametrize("ufunc", [np.negative, np.positive, np.absolute, np.sqrt, np.exp, np.log, np.sin, np.cos])
def test_allowed_unary_ufuncs(ufunc):
    a = make_array((3, 7), "float64", 1) + 1
    got = ufunc(pycauset.matrix(a))
    assert isinstance(got, Expression)
    assert_eq(got, ufunc(a))
    assert_eq(ufunc(pycauset.matrix(a) * 1), ufunc(a))  # on an expression too


def test_power_and_matmul_ufuncs():
    a = make_array((4, 4), "float64", 1)
    A = pycauset.matrix(a)
    assert_eq(np.power(A, 3), a**3)
    np.testing.assert_allclose(pycauset.to_numpy(np.matmul(A, a)), a @ a)
    np.testing.assert_allclose(pycauset.to_numpy(a @ A), a @ a)


@pytest.mark.parametrize("call", [
    lambda A: np.tan(A), lambda A: np.arctan2(A, A), lambda A: np.hypot(A, 2), lambda A: np.add.reduce(A),
    lambda A: np.add.accumulate(A), lambda A: np.sqrt(A * 1, dtype=np.float32),
    lambda A: np.add(A, A, out=np.empty((3, 3))),
], ids=["tan", "arctan2", "hypot", "reduce", "accumulate", "dtype_kwarg", "out_ndarray"])
def test_ufuncs_outside_the_allowlist_run_numpy_on_the_exported_operands(call):
    a = make_array((3, 3), "float64") + 1
    expected = call(a)
    got = call(pycauset.matrix(a))
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, expected)


def test_a_pycauset_out_receives_numpy_s_result():
    a = make_array((3, 3), "float64") + 1
    out = pycauset.zeros((3, 3))
    assert np.tan(pycauset.matrix(a), out=out) is out
    np.testing.assert_allclose(pycauset.to_numpy(out), np.tan(a))


def test_allowed_array_functions():
    a = make_array((5, 5), "float64", 1) + np.eye(5) * 100
    A = pycauset.matrix(a)
    assert np.sum(A) == pytest.approx(a.sum())
    assert_eq(np.sum(A, axis=0), a.sum(axis=0))
    assert np.mean(A * 2) == pytest.approx((a * 2).mean())
    assert_eq(np.transpose(A), a.T)
    assert isinstance(np.transpose(A + 1), Expression)
    assert np.trace(A + 1) == pytest.approx(np.trace(a + 1))
    np.testing.assert_allclose(pycauset.to_numpy(np.dot(A, A)), a @ a)
    np.testing.assert_allclose(pycauset.to_numpy(np.linalg.inv(A), allow_huge=True), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(pycauset.to_numpy(np.linalg.solve(A, np.ones(5))), np.linalg.solve(a, np.ones(5)),
                               rtol=1e-10)
    assert float(np.linalg.det(A)) == pytest.approx(np.linalg.det(a))
    assert float(np.linalg.norm(A)) == pytest.approx(np.linalg.norm(a))
    sign, logdet = np.linalg.slogdet(A)
    assert float(logdet) == pytest.approx(np.linalg.slogdet(a)[1])
    s = a + a.T
    w, _ = np.linalg.eigh(pycauset.matrix(s))
    np.testing.assert_allclose(np.asarray(w) if not isinstance(w, pycauset_types) else pycauset.to_numpy(w),
                               np.linalg.eigh(s)[0], rtol=1e-10)


@pytest.mark.parametrize("call", [
    lambda A: np.concatenate([A, A]), lambda A: np.cumsum(A), lambda A: np.linalg.qr(A), lambda A: np.sort(A),
    lambda A: np.where(A, 1, 0), lambda A: np.sum(A, keepdims=True), lambda A: np.mean(A, dtype=np.float32),
], ids=["concatenate", "cumsum", "qr", "sort", "where", "sum_keepdims", "mean_dtype"])
def test_functions_outside_the_allowlist_run_numpy_s_implementation(call):
    a = make_array((3, 3), "float64")
    expected, got = call(a), call(pycauset.matrix(a))
    for want, have in zip(expected if isinstance(expected, tuple) else (expected,),
                          got if isinstance(got, tuple) else (got,)):
        np.testing.assert_allclose(np.asarray(have), np.asarray(want))


def test_to_numpy_is_the_escape_hatch():
    a = make_array((3, 3), "float64")
    A = pycauset.matrix(a)
    np.testing.assert_array_equal(np.concatenate([pycauset.to_numpy(A)] * 2), np.concatenate([a, a]))
    np.testing.assert_allclose(np.tan(pycauset.to_numpy(A + 1)), np.tan(a + 1))
