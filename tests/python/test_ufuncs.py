"""The elementwise operations added to the expression engine: // % ** with array operands, maximum/minimum,
isnan/isinf/isfinite, comparisons and logical_* as NumPy ufuncs, checked against NumPy on every dtype NumPy
defines them for, odd shapes, views and file-backed operands."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import pycauset

from conftest import NUMERIC_DTYPES, assert_eq, make_array, to_pycauset

REAL = [d for d in NUMERIC_DTYPES if not d.startswith("complex")]


def _signed_data(shape, dtype, seed):
    a = make_array(shape, dtype, seed)
    if np.dtype(dtype).kind in "if":
        a = (a - 50).astype(dtype)
    return a


def _special_floats(a):
    if a.dtype.kind == "f" and a.size >= 3:
        flat = a.reshape(-1)
        flat[0], flat[1], flat[2] = np.nan, np.inf, -np.inf
    return a


@pytest.mark.parametrize("dtype", REAL + ["bool"])
@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (13, 17)])
def test_floor_divide_and_remainder_follow_numpy(dtype, shape, storage):
    a, b = _signed_data(shape, dtype, 1), _signed_data(shape, dtype, 2)
    A, B = to_pycauset(a, storage), to_pycauset(b, storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy warns on a zero divisor; pycauset follows its values silently
        assert_eq(A // B, a // b)
        assert_eq(A % B, a % b)
        assert_eq(np.floor_divide(A, 3), np.floor_divide(a, 3))
        assert_eq(7 % pycauset.matrix(b + (b == 0)) if dtype != "bool" else A % B, 7 % (b + (b == 0)) if dtype != "bool" else a % b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floor_divide_of_floats_with_signs_zeros_and_specials(dtype):
    a = np.array([[7.5, -7.5, 7.5, -7.5, 0.0, -0.0, np.inf, np.nan, 1e30]], dtype)
    b = np.array([[2.0, 2.0, -2.0, -2.0, 3.0, -3.0, 2.0, 1.0, 1e-30]], dtype)
    A, B = pycauset.matrix(a), pycauset.matrix(b)
    with np.errstate(all="ignore"):
        for got, want in [(A // B, a // b), (A % B, a % b), (A // 0.0, a // 0.0), (A % 0.0, a % 0.0)]:
            g = pycauset.to_numpy(got)
            np.testing.assert_array_equal(np.signbit(g[~np.isnan(g)]), np.signbit(want[~np.isnan(want)]))
            np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
def test_maximum_minimum_and_classification(dtype, storage):
    a, b = _special_floats(_signed_data((9, 11), dtype, 3)), _signed_data((9, 11), dtype, 4)
    A, B = to_pycauset(a, storage), to_pycauset(b, storage)
    assert_eq(np.maximum(A, B), np.maximum(a, b))
    assert_eq(np.minimum(A, B), np.minimum(a, b))
    for ufunc in (np.isnan, np.isinf, np.isfinite):
        assert_eq(ufunc(A), ufunc(a))


def test_nan_propagation_of_maximum_keeps_the_first_nan():
    a = np.array([np.nan, 1.0, np.nan])
    b = np.array([2.0, np.nan, -np.nan])
    got = pycauset.to_numpy(np.maximum(pycauset.vector(a), pycauset.vector(b)))
    np.testing.assert_array_equal(np.isnan(got), [True, True, True])


@pytest.mark.parametrize("dtype", ["bool", "int16", "float64", "complex128"])
def test_comparison_and_logical_ufuncs(dtype):
    a, b = _signed_data((6, 10), dtype, 5), _signed_data((6, 10), dtype, 6)
    A, B = pycauset.matrix(a), pycauset.matrix(b)
    for ufunc in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
                  np.logical_and, np.logical_or, np.logical_xor):
        assert_eq(ufunc(A, B), ufunc(a, b))
    assert_eq(np.logical_not(A), np.logical_not(a))
    assert_eq(np.logical_and(A > 0, B), np.logical_and(a > 0, b))


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "float32", "float64"])
def test_power_with_array_exponents_and_scalar_bases(dtype):
    base, exponent = np.abs(_signed_data((5, 7), dtype, 7)) % 5, np.abs(_signed_data((5, 7), dtype, 8)) % 4
    B, E = pycauset.matrix(base), pycauset.matrix(exponent)
    assert_eq(B ** E, base ** exponent)
    assert_eq(2 ** E, 2 ** exponent)
    assert_eq(np.power(B, E), np.power(base, exponent))
    if np.dtype(dtype).kind == "i":
        with pytest.raises(ValueError, match="negative integer powers"):
            B ** (E - 5)


def test_views_and_in_place_floor_division():
    base = np.arange(1, 401, dtype=np.int64).reshape(20, 20)
    A = pycauset.matrix(base)
    assert_eq(A[2:15:3, 1:19:2] // A[2:15:3, 1:19:2].T.T, base[2:15:3, 1:19:2] // base[2:15:3, 1:19:2])
    assert_eq(A.T % 7, base.T % 7)
    A //= 3
    base //= 3
    assert_eq(A, base)
    A %= 5
    base %= 5
    assert_eq(A, base)


def test_complex_floor_division_is_refused_as_numpy():
    C = pycauset.matrix(np.ones((2, 2), np.complex128))
    with pytest.raises(TypeError, match="floor_divide"):
        C // C
