"""Shared fixtures: dtype and storage parametrisation, a budget guard, and the one assert_eq helper."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]
NUMERIC_DTYPES = [d for d in DTYPES if d != "bool"]
ODD_SHAPES = [(1, 1), (1, 7), (7, 1), (13, 17), (31, 5)]


def make_array(shape, dtype, seed=0):
    """Deterministic NumPy test data of any supported dtype (values exact in every dtype)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    values = rng.integers(0, 100, size=shape)
    if dtype.kind == "c":
        return (values + 1j * rng.integers(0, 100, size=shape)).astype(dtype)
    return values.astype(dtype)


def assert_eq(actual, expected):
    """Check dtype, shape and values of a pycauset object (or ndarray) against NumPy."""
    expected = np.asarray(expected)
    got = pycauset.to_numpy(actual, allow_huge=True) if not isinstance(actual, np.ndarray) else actual
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(got, expected, rtol=1e-6 if expected.dtype.itemsize <= 8 else 1e-12)
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.fixture(params=DTYPES)
def dtype(request):
    return request.param


@pytest.fixture
def budget():
    """Set a temporary memory budget; restores the previous one afterwards. Usage: budget(2**20)."""
    previous = pycauset.get_memory_limit()

    def set_budget(nbytes):
        pycauset.set_memory_limit(nbytes)

    yield set_budget
    pycauset.set_memory_limit(previous)


@pytest.fixture(params=["ram", "file"])
def storage(request):
    """Parametrise a test over RAM-backed and file-backed (spill file) objects."""
    return request.param


def to_pycauset(array, storage="ram"):
    """Import ``array`` with its own dtype, forcing a spill file when ``storage == "file"``."""
    from pycauset._array import _wrap
    from pycauset._interop import _source_dtype

    array = np.asarray(array)
    name, swapped = _source_dtype(array)
    placement = "file" if storage == "file" else "auto"
    out = _wrap(pycauset._core.import_numpy(array, name, swapped, name, array.ndim, placement))
    assert out.storage == ("file" if storage == "file" else "ram")
    return out
