"""Factories and pycauset.random."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, assert_eq


@pytest.mark.parametrize("shape", [5, (5,), (3, 4), (1, 1), (0, 3)], ids=str)
def test_zeros_ones_full_empty(dtype, shape):
    assert_eq(pycauset.zeros(shape, dtype=dtype), np.zeros(shape, dtype=dtype))
    assert_eq(pycauset.empty(shape, dtype=dtype), np.zeros(shape, dtype=dtype))
    assert_eq(pycauset.ones(shape, dtype=dtype), np.ones(shape, dtype=dtype))
    assert_eq(pycauset.full(shape, 3, dtype=dtype), np.full(shape, 3, dtype=dtype))


def test_default_dtype_and_classes():
    assert pycauset.zeros((2, 2)).dtype == np.float64
    assert isinstance(pycauset.zeros(3), pycauset.Vector)
    assert isinstance(pycauset.ones((3, 1)), pycauset.Matrix)


@pytest.mark.parametrize("n,m", [(1, None), (4, None), (3, 5), (5, 3), (0, 2)])
def test_eye(n, m, dtype):
    assert_eq(pycauset.eye(n, m, dtype=dtype), np.eye(n, m, dtype=dtype))


@pytest.mark.parametrize("n,m", [(4, None), (3, 5), (5, 3), (1, 9), (9, 1), (0, 2), (2, 0), (11, 13)])
@pytest.mark.parametrize("k", [0, 1, 2, -1, -2, 4, -4, 5, -5, 12, -12, 100, -100])
def test_eye_offset_diagonal_as_numpy(n, m, k, dtype):
    # Above, below, the last one inside and the first ones outside the matrix (all zeros); bool rows of 13 bits
    # put the diagonal at bit offsets that are not byte-aligned.
    assert_eq(pycauset.eye(n, m, k=k, dtype=dtype), np.eye(n, m, k=k, dtype=dtype))


def test_eye_takes_numpys_positional_order_and_integer_k():
    assert_eq(pycauset.eye(3, 4, 1), np.eye(3, 4, 1))  # N, M, k as numpy.eye
    assert_eq(pycauset.eye(3, None, np.int8(-1), "int32"), np.eye(3, None, -1, "int32"))
    assert pycauset.eye(2, k=True)[0, 1] == 1  # a bool is an int, as NumPy takes it


@pytest.mark.parametrize("dtype_name", ["float32", "bool"])
def test_eye_offset_diagonal_of_a_file_backed_result(budget, dtype_name):
    budget(2**20)
    out = pycauset.eye(3000, 3100, k=-7, dtype=dtype_name)  # 1.2 MB of packed bits, 37 MB of float32: both spill
    assert out.storage == "file"
    assert_eq(out, np.eye(3000, 3100, k=-7, dtype=dtype_name))


@pytest.mark.parametrize("k", [1.5, "1", None, np.float64(1.0)], ids=repr)
def test_eye_refuses_a_non_integer_k(k):
    with pytest.raises(TypeError, match="eye: k must be an integer, got") as info:
        pycauset.eye(3, k=k)
    assert isinstance(info.value, pycauset.PyCausetError)


def test_shape_errors():
    with pytest.raises(ValueError, match="rank 3"):
        pycauset.zeros((2, 2, 2))
    with pytest.raises(ValueError, match="negative"):
        pycauset.zeros((-1, 2))
    with pytest.raises(TypeError, match="supported dtypes"):
        pycauset.zeros(3, dtype=np.float16)


def test_matrix_of_pycauset_object_copies():
    a = pycauset.matrix([[1.0, 2.0]])
    b = pycauset.matrix(a)
    b[0, 0] = 9.0
    assert a[0, 0] == 1.0
    assert pycauset.matrix(a, dtype=np.int32).dtype == np.int32
    assert isinstance(pycauset.Matrix([[1, 2]]), pycauset.Matrix)


@pytest.mark.parametrize("dist", ["uniform", "normal"])
def test_random_is_reproducible_and_thread_count_independent(dist):
    generate = getattr(pycauset.random, dist)
    threads = pycauset.get_num_threads()
    try:
        pycauset.set_num_threads(1)
        one = pycauset.to_numpy(generate((300, 257), seed=42))
        pycauset.set_num_threads(2)
        two = pycauset.to_numpy(generate((300, 257), seed=42))
    finally:
        pycauset.set_num_threads(threads)
    np.testing.assert_array_equal(one, two)
    other = pycauset.to_numpy(generate((300, 257), seed=43))
    assert not np.array_equal(one, other)


def test_random_values_have_the_right_distribution():
    u = pycauset.to_numpy(pycauset.random.uniform(200_000, low=-2, high=3, seed=1))
    assert u.min() >= -2 and u.max() < 3
    assert abs(u.mean() - 0.5) < 0.02 and abs(u.var() - 25 / 12) < 0.05
    z = pycauset.to_numpy(pycauset.random.normal(200_000, loc=1, scale=2, seed=2))
    assert abs(z.mean() - 1) < 0.03 and abs(z.std() - 2) < 0.03
    # A prefix of the flattened stream does not depend on the shape it was drawn into.
    flat = pycauset.to_numpy(pycauset.random.uniform(12, seed=9))
    square = pycauset.to_numpy(pycauset.random.uniform((3, 4), seed=9))
    np.testing.assert_array_equal(flat.reshape(3, 4), square)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
def test_random_every_numeric_dtype(dtype):
    r = pycauset.random.uniform((4, 5), low=0, high=10, seed=3, dtype=dtype)
    values = pycauset.to_numpy(r)
    assert values.dtype == np.dtype(dtype)
    assert np.all(values.real >= 0) and np.all(values.real < 10)
    with pytest.raises(TypeError, match="bool"):
        pycauset.random.uniform(3, dtype=bool)


def test_random_larger_than_budget_lands_in_a_file(budget):
    budget(2**20)
    r = pycauset.random.normal((600, 600), seed=5)
    assert r.storage == "file"
    small = pycauset.random.normal((600, 600), seed=5)
    assert r[599, 599] == small[599, 599]


# Byte sizes past 2**63 - 1 once wrapped modulo 2**64 (zeros((2**31, 2**31)) had nbytes == 0, then crashed).
@pytest.mark.parametrize(
    "make",
    [
        lambda: pycauset.zeros((2**31, 2**31)),
        lambda: pycauset.ones((2**31, 2**31)),
        lambda: pycauset.full((2**31, 2**31), 3.0),
        lambda: pycauset.empty(2**62),
        lambda: pycauset.zeros((2**32, 2**31), dtype="bool"),
        lambda: pycauset.zeros((2**31, 2**31), dtype="complex64"),
        lambda: pycauset.random.uniform((2**31, 2**31), seed=1),
    ],
    ids=["zeros", "ones", "full", "empty-vector", "bool", "complex64", "uniform"],
)
def test_shapes_whose_byte_size_overflows_raise(make):
    with pytest.raises(ValueError, match=r"array is too big.*2\*\*63 - 1 bytes") as info:
        make()
    assert isinstance(info.value, pycauset.PyCausetError)

