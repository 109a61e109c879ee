"""Property-based tests (hypothesis): the public API against NumPy for random shapes, dtypes, views and slices.

Each property draws small arrays of every dtype, a chain of views (transposes, basic slices with any step,
rows, columns) and an operation, and checks pycauset's result (dtype, shape, values) against NumPy's on the
same data. ``PYCAUSET_PROPERTY_EXAMPLES`` sets the examples per property (default 60, a few seconds).
"""
from __future__ import annotations

import operator
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import pycauset  # noqa: E402

from conftest import DTYPES, assert_eq, to_pycauset  # noqa: E402

EXAMPLES = int(os.environ.get("PYCAUSET_PROPERTY_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def arrays(draw, dtype=None):
    """A small NumPy array of a supported dtype (rank 1 or 2, sides 0..9), exact in every dtype."""
    dtype = np.dtype(dtype or draw(st.sampled_from(DTYPES)))
    shape = draw(st.sampled_from([(draw(st.integers(0, 9)),), (draw(st.integers(0, 9)), draw(st.integers(0, 9)))]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    values = rng.integers(0, 50, size=shape)
    if dtype.kind == "c":
        return (values + 1j * rng.integers(0, 50, size=shape)).astype(dtype)
    return values.astype(dtype)


@st.composite
def index_chains(draw, ndim):
    """A list of view steps valid for some array: ('T',), ('slice', s0[, s1]), ('row', i), ('col', j)."""
    return [draw(st.sampled_from(["T", "slice", "row", "col"])) for _ in range(draw(st.integers(0, 3)))], \
        draw(st.integers(0, 2**32 - 1))


def _slice(rng, n):
    start = int(rng.integers(-n - 1, n + 2)) if rng.random() < 0.7 else None
    stop = int(rng.integers(-n - 1, n + 2)) if rng.random() < 0.7 else None
    step = int(rng.choice([1, 1, 2, 3, -1, -2])) if rng.random() < 0.8 else None
    return slice(start, stop, step)


def _apply_views(a, m, chain):
    """Apply the same random chain of basic views to a NumPy array and a pycauset object."""
    steps, seed = chain
    rng = np.random.default_rng(seed)
    for step in steps:
        if step == "T":
            a, m = a.T, m.T
        elif step == "slice":
            key = tuple(_slice(rng, n) for n in a.shape)
            a, m = a[key], m[key]
        elif a.ndim == 2 and a.shape[0] > 0 and a.shape[1] > 0:
            if step == "row":
                i = int(rng.integers(-a.shape[0], a.shape[0]))
                a, m = a[i], m[i]
            else:
                j = int(rng.integers(-a.shape[1], a.shape[1]))
                a, m = a[:, j], m[:, j]
    return a, m


@SETTINGS
@given(data=arrays(), chain=index_chains(2), storage=st.sampled_from(["ram", "file"]))
def test_views_export_as_numpy_views(data, chain, storage):
    m = to_pycauset(data, storage)
    a, v = _apply_views(data, m, chain)
    assert v.shape == a.shape and v.dtype == a.dtype and v.size == a.size and v.nbytes == a.nbytes
    assert_eq(v, a)


@SETTINGS
@given(data=arrays(), chain=index_chains(2), storage=st.sampled_from(["ram", "file"]), seed=st.integers(0, 2**32 - 1))
def test_slice_assignment_writes_exactly_the_view(data, chain, storage, seed):
    m = to_pycauset(data, storage)
    a = data.copy()
    av, mv = _apply_views(a, m, chain)
    if av.ndim == 0 or av.size == 0:
        return
    fresh = np.random.default_rng(seed).integers(0, 2, size=av.shape).astype(a.dtype)
    av[...] = fresh
    mv[...] = fresh
    assert_eq(m, a)


BINARY = ["add", "sub", "mul", "eq", "lt", "ge"]  # Python operators, pycauset object on the left


@SETTINGS
@given(x=arrays(), y_dtype=st.sampled_from(DTYPES), op=st.sampled_from(BINARY), form=st.sampled_from(
    ["same", "row", "column", "scalar"]), storage=st.sampled_from(["ram", "file"]), seed=st.integers(0, 2**32 - 1))
def test_elementwise_operations_broadcast_and_promote_as_numpy(x, y_dtype, op, form, storage, seed):
    rng = np.random.default_rng(seed)
    if form == "same" or x.ndim == 1 and form == "column":
        shape = x.shape
    elif form == "row":
        shape = x.shape[-1:]
    elif form == "column":
        shape = (x.shape[0], 1)
    else:
        shape = None
    if shape is None:
        y = np.array(rng.integers(0, 50)).astype(y_dtype)[()]
    else:
        y = rng.integers(0, 50, size=shape).astype(y_dtype)
    if op == "sub" and (x.dtype == np.bool_ and np.asarray(y).dtype == np.bool_):
        return  # NumPy refuses boolean subtraction; pycauset's error for it is tested elsewhere
    expected = np.asarray(getattr(operator, op)(x, y))
    got = getattr(operator, op)(to_pycauset(x, storage), y)
    assert_eq(got, expected)


@SETTINGS
@given(data=arrays(), chain=index_chains(2), reduction=st.sampled_from(["sum", "min", "max"]),
       axis=st.sampled_from([None, 0, 1]), storage=st.sampled_from(["ram", "file"]))
def test_reductions_of_views_match_numpy(data, chain, reduction, axis, storage):
    a, v = _apply_views(data, to_pycauset(data, storage), chain)
    if axis is not None and axis >= a.ndim:
        return
    if reduction in ("min", "max") and (a.size == 0 or (axis is not None and a.shape[axis] == 0)):
        return  # NumPy raises for an empty min/max; pycauset's error is tested elsewhere
    expected = getattr(np, reduction)(a, axis=axis)
    got = getattr(v, reduction)(axis=axis)
    if isinstance(expected, np.ndarray):
        assert_eq(got, expected)
    else:
        assert got == expected and np.asarray(got).dtype == expected.dtype, (got, expected)
