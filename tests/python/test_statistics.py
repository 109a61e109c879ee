"""Reductions with NumPy's keywords (dtype=, keepdims=, ddof=) and argmin, argmax, std, var, against NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, NUMERIC_DTYPES, ODD_SHAPES, assert_eq, make_array, to_pycauset

def _same(got, expected):
    """Compare a reduction result (NumPy scalar or pycauset object) with NumPy's: dtype, shape, values."""
    expected = np.asarray(expected)
    got = pycauset.to_numpy(got, allow_huge=True) if hasattr(got, "storage") else np.asarray(got)
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    if expected.dtype.kind in "fc":
        rtol = 1e-4 if expected.dtype in (np.float32, np.complex64) else 1e-10
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(got, expected)


def _views(a, storage):
    m = to_pycauset(a, storage)
    yield m, a
    yield m.T, a.T
    yield m[::2, 1:], a[::2, 1:]


@pytest.mark.parametrize("shape", ODD_SHAPES)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_keepdims_of_every_reduction(shape, axis, dtype, storage):
    a = make_array(shape, dtype, seed=1)
    for m, x in _views(a, storage):
        if x.size == 0:
            continue
        names = ["sum", "mean", "any", "all"] + ([] if dtype.startswith("complex") else ["min", "max"])
        for name in names:
            _same(getattr(m, name)(axis=axis, keepdims=True), getattr(np, name)(x, axis=axis, keepdims=True))
            _same(getattr(pycauset, name)(m, axis=axis, keepdims=True), getattr(np, name)(x, axis=axis, keepdims=True))
    v = a.reshape(-1)
    _same(pycauset.sum(pycauset.vector(v), keepdims=True), np.sum(v, keepdims=True))


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("target", ["int64", "float32", "float64", "complex128"])
def test_dtype_keyword_of_sum_and_mean(axis, target, dtype, storage):
    a = make_array((13, 17), dtype, seed=2)
    if np.dtype(dtype).kind == "c" and np.dtype(target).kind != "c":
        return  # NumPy casts complex to real with a ComplexWarning: not a case to copy
    m = to_pycauset(a, storage)
    _same(m.sum(axis=axis, dtype=target), a.sum(axis=axis, dtype=target))
    _same(pycauset.sum(m * 2, axis=axis, dtype=target), (a * 2).sum(axis=axis, dtype=target))
    if np.dtype(target).kind in "fc":
        _same(m.mean(axis=axis, dtype=target), a.mean(axis=axis, dtype=target))


def test_dtype_keyword_fixes_integer_overflow_as_numpy():
    a = np.full((4, 4), 100, dtype=np.int8)
    m = pycauset.matrix(a)
    _same(m.sum(dtype="int8"), a.sum(dtype="int8"))  # wraps, as NumPy
    _same(m.sum(axis=0, dtype="int16", keepdims=True), a.sum(axis=0, dtype="int16", keepdims=True))


@pytest.mark.parametrize("shape", ODD_SHAPES)
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_argmin_argmax_every_dtype(shape, axis, name, storage):
    for dtype in DTYPES:  # complex values are ordered lexicographically, as NumPy orders them
        a = make_array(shape, dtype, seed=3)
        for m, x in _views(a, storage):
            if x.size == 0:
                continue
            _same(getattr(m, name)(axis=axis), getattr(np, name)(x, axis=axis))
            _same(getattr(pycauset, name)(m, axis=axis, keepdims=True), getattr(np, name)(x, axis=axis, keepdims=True))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_argmin_argmax_first_occurrence_and_nan_first(name):
    a = np.array([[3.0, 1.0, 9.0, 9.0], [1.0, np.nan, 9.0, np.nan], [np.nan, 1.0, 1.0, 9.0]])
    m = pycauset.matrix(a)
    for axis in (None, 0, 1):
        _same(getattr(pycauset, name)(m, axis=axis), getattr(np, name)(a, axis=axis))
    ties = np.array([5, 2, 5, 2, 5], dtype=np.int16)
    assert getattr(pycauset, name)(pycauset.vector(ties)) == getattr(np, name)(ties)
    assert getattr(pycauset, name)(m + 1) == getattr(np, name)(a + 1)  # expressions
    with pytest.raises(ValueError, match="empty sequence"):
        getattr(pycauset, name)(pycauset.zeros(0))
    _same(getattr(pycauset, name)(pycauset.zeros((0, 3)), axis=1), getattr(np, name)(np.zeros((0, 3)), axis=1))


def test_argmax_streams_blocks_of_a_file_backed_expression(budget, monkeypatch):
    from pycauset import _reductions

    monkeypatch.setattr(_reductions, "_BLOCK_BYTES", 4096)  # many blocks of a small matrix
    budget(2**20)
    a = make_array((300, 70), "float64", seed=4)
    a[123, 45] = 1000.0
    a[200, 1] = 1000.0
    a[250, 3] = -5.0
    m = to_pycauset(a, "file")
    for axis in (None, 0, 1):
        _same(pycauset.argmax(m, axis=axis), np.argmax(a, axis=axis))
        _same(pycauset.argmin(m * 2 - 1, axis=axis), np.argmin(a * 2 - 1, axis=axis))
    v = pycauset.vector(a.reshape(-1))
    _same(pycauset.argmax(v), np.argmax(a.reshape(-1)))


@pytest.mark.parametrize("shape", ODD_SHAPES)
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("ddof", [0, 1])
def test_std_var_every_numeric_dtype(shape, axis, ddof, storage):
    for dtype in DTYPES:
        a = make_array(shape, dtype, seed=5)
        for m, x in _views(a, storage):
            n = x.size if axis is None else x.shape[axis]
            if x.size == 0 or n - ddof <= 0:
                continue
            for name in ("var", "std"):
                expected = getattr(np, name)(x, axis=axis, ddof=ddof)
                _same(getattr(m, name)(axis=axis, ddof=ddof), expected)
                _same(getattr(pycauset, name)(m, axis=axis, ddof=ddof, keepdims=True),
                      getattr(np, name)(x, axis=axis, ddof=ddof, keepdims=True))


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
def test_std_var_dtype_keyword_and_expressions(dtype):
    a = make_array((13, 17), dtype, seed=6)
    m = pycauset.matrix(a)
    target = "complex128" if dtype.startswith("complex") else "float32"  # NumPy warns casting complex to real
    _same(pycauset.var(m, dtype=target), np.var(a, dtype=target))
    _same(pycauset.std(m * 3, axis=1), np.std(a * 3, axis=1))


def test_var_is_accurate_where_the_one_pass_formula_cancels():
    a = 1e9 + np.arange(1000, dtype=np.float64) % 7  # E[x^2] - E[x]^2 loses every digit here
    assert float(pycauset.var(pycauset.vector(a))) == pytest.approx(np.var(a), rel=1e-9)


def test_var_with_too_few_degrees_of_freedom_warns_as_numpy():
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        result = pycauset.var(pycauset.vector([1.0]), ddof=1)
    assert not np.isfinite(result)


def test_statistics_of_a_file_backed_matrix_larger_than_the_budget(budget):
    budget(2**20)
    a = make_array((1500, 1000), "float64", seed=8)  # 11.4 MiB under a 1 MiB budget
    m = to_pycauset(a, "file")
    for axis in (None, 0, 1):
        _same(pycauset.var(m, axis=axis, ddof=1), np.var(a, axis=axis, ddof=1))
        _same(pycauset.std(m.T, axis=axis), np.std(a.T, axis=axis))
        _same(pycauset.argmax(m - 50, axis=axis), np.argmax(a - 50, axis=axis))
        _same(m.sum(axis=axis, dtype="float32", keepdims=True), a.sum(axis=axis, dtype="float32", keepdims=True))


def test_argmax_is_internal_work_not_an_export():
    previous = pycauset.get_export_max_bytes()
    a = make_array((100, 200), "float64", seed=9)
    try:
        pycauset.set_export_max_bytes(1000)  # a user's cap on exports must not stop a reduction
        for axis in (None, 0, 1):
            _same(pycauset.argmax(pycauset.matrix(a), axis=axis), np.argmax(a, axis=axis))
    finally:
        pycauset.set_export_max_bytes(previous)
