"""NumPy's array functions (*_like, arange, linspace, where, concatenate, stack, vstack, hstack, diag,
allclose, array_equal) and random.integers / random.bernoulli, against NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, ODD_SHAPES, assert_eq, make_array, to_pycauset


@pytest.mark.parametrize("shape", ODD_SHAPES + [(5,)])
def test_like_functions_every_dtype(shape, dtype, storage):
    a = make_array(shape, dtype, seed=1)
    m = to_pycauset(a.reshape(1, -1) if a.ndim == 1 else a, storage)
    m = m.reshape(shape)
    value = np.array(3, dtype=dtype).item() if dtype != "bool" else True
    assert_eq(pycauset.zeros_like(m), np.zeros_like(a))
    assert_eq(pycauset.ones_like(m), np.ones_like(a))
    assert_eq(pycauset.full_like(m, value), np.full_like(a, value))
    assert pycauset.empty_like(m).shape == a.shape and pycauset.empty_like(m).dtype == a.dtype
    assert_eq(pycauset.zeros_like(a, dtype="float32"), np.zeros_like(a, dtype="float32"))
    assert_eq(pycauset.full_like(a.tolist(), 1, shape=(2, 3)), np.full_like(a.tolist(), 1, shape=(2, 3)))
    if m.ndim == 2:
        assert_eq(pycauset.ones_like(m.T), np.ones_like(a.T))


@pytest.mark.parametrize("args", [(5,), (2, 11, 3), (10, 0, -3), (0.5, 3.0, 0.25), (0, 0), (-4, 4, 1.5)])
def test_arange_against_numpy(args):
    assert_eq(pycauset.arange(*args), np.arange(*args))
    assert_eq(pycauset.arange(*args, dtype="float32"), np.arange(*args, dtype="float32"))


def test_long_arange_and_linspace_are_written_in_blocks_into_files(budget):
    budget(2**20)
    n = 3 * 2**20  # 24 MiB of float64, larger than the 8 MiB blocks and the budget
    a = pycauset.arange(0.0, n * 0.5, 0.5)
    assert a.storage == "file"
    assert a.shape == (n,)
    for k in (0, 1, 2**20 - 1, 2**20, n - 1):
        assert a[k] == np.arange(0.0, n * 0.5, 0.5)[k]
    v = pycauset.linspace(-1.0, 1.0, n)
    expected = np.linspace(-1.0, 1.0, n)
    for k in (0, 1, 2**20, n - 2, n - 1):
        assert v[k] == pytest.approx(expected[k], abs=1e-15)
    assert pycauset.arange(n, dtype="int64")[n - 1] == n - 1


@pytest.mark.parametrize("args", [(0, 1, 5), (2.0, 3.0, 1), (0, 10, 0), (-1, 1, 7)])
@pytest.mark.parametrize("endpoint", [True, False])
def test_linspace_against_numpy(args, endpoint):
    assert_eq(pycauset.linspace(*args, endpoint=endpoint), np.linspace(*args, endpoint=endpoint))
    v, step = pycauset.linspace(*args, endpoint=endpoint, retstep=True)
    assert step == pytest.approx(np.linspace(*args, endpoint=endpoint, retstep=True)[1], nan_ok=True)
    assert_eq(pycauset.linspace(*args, endpoint=endpoint, dtype="float32"),
              np.linspace(*args, endpoint=endpoint, dtype="float32"))


@pytest.mark.parametrize("shape", ODD_SHAPES)
def test_where_every_dtype_broadcasting_and_expressions(shape, dtype, storage):
    a = make_array(shape, dtype, seed=2)
    b = make_array(shape, dtype, seed=3)
    m, n = to_pycauset(a, storage), to_pycauset(b, storage)
    assert_eq(pycauset.where(m > n, m, n), np.where(a > b, a, b))
    assert_eq(pycauset.where(m.T == n.T, 0, m.T), np.where(a.T == b.T, 0, a.T))
    assert_eq(pycauset.where(m > n, m, b[0]), np.where(a > b, a, b[0]))  # a row broadcast
    assert_eq(pycauset.where(np.ones((shape[0], 1), bool), m, 1.5), np.where(np.ones((shape[0], 1), bool), a, 1.5))
    assert np.where(m > n, m, n).dtype == np.where(a > b, a, b).dtype  # np.where routes here
    for got, expected in zip(pycauset.where(m > n), np.where(a > b)):
        np.testing.assert_array_equal(got, expected)


def test_where_one_block_at_a_time_on_a_file_backed_matrix(budget):
    budget(2**20)
    a = np.arange(1500 * 1000, dtype=np.float64).reshape(1500, 1000)  # 12 MiB: two blocks
    m = to_pycauset(a, "file")
    got = pycauset.where(m % 3 == 0, -m, m)
    assert got.storage == "file"
    assert_eq(got[1490:], np.where(a % 3 == 0, -a, a)[1490:])
    assert_eq(got[:3, :5], np.where(a % 3 == 0, -a, a)[:3, :5])


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concatenate_against_numpy(axis, dtype, storage):
    parts = [make_array(shape, dtype, seed=k) for k, shape in enumerate([(13, 17), (13, 17), (1, 17)] if axis == 0
                                                                        else [(13, 17), (13, 1), (13, 4)])]
    if axis is None:
        parts = [make_array((3, 4), dtype, seed=1), make_array((2, 5), dtype, seed=2)]
    objects = [to_pycauset(p, storage) for p in parts]
    assert_eq(pycauset.concatenate(objects, axis=axis), np.concatenate(parts, axis=axis))
    assert_eq(np.concatenate(objects, axis=axis), np.concatenate(parts, axis=axis))  # routed here


def test_concatenate_mixes_dtypes_views_and_vectors():
    a, b = make_array((4, 6), "int8", 1), make_array((6, 4), "float32", 2)
    assert_eq(pycauset.concatenate([pycauset.matrix(a), pycauset.matrix(b).T]), np.concatenate([a, b.T]))
    v, w = np.arange(3), np.arange(5.0)
    assert_eq(pycauset.concatenate([pycauset.vector(v), w]), np.concatenate([v, w]))
    with pytest.raises(ValueError, match="dimension 1"):
        pycauset.concatenate([pycauset.matrix(a), pycauset.matrix(b)])
    with pytest.raises(ValueError, match="same number of dimensions"):
        pycauset.concatenate([pycauset.matrix(a), v])


def test_concatenate_of_two_file_backed_matrices_writes_a_file(budget):
    budget(2**20)
    a, b = make_array((700, 300), "float64", 1), make_array((500, 300), "float64", 2)
    got = pycauset.concatenate([to_pycauset(a, "file"), to_pycauset(b, "file")])
    assert got.storage == "file"
    expected = np.concatenate([a, b])
    for rows in (slice(0, 3), slice(698, 703), slice(1197, 1200)):
        assert_eq(got[rows], expected[rows])


@pytest.mark.parametrize("n", [1, 7])
def test_stack_vstack_hstack_against_numpy(n, dtype, storage):
    vectors = [make_array((n,), dtype, seed=k) for k in range(3)]
    objects = [to_pycauset(v.reshape(1, -1), storage).reshape(-1) for v in vectors]
    for axis in (0, 1, -1):
        assert_eq(pycauset.stack(objects, axis=axis), np.stack(vectors, axis=axis))
    assert_eq(pycauset.vstack(objects), np.vstack(vectors))
    assert_eq(pycauset.hstack(objects), np.hstack(vectors))
    matrices = [make_array((3, n), dtype, seed=k) for k in range(2)]
    assert_eq(pycauset.vstack([pycauset.matrix(x) for x in matrices]), np.vstack(matrices))
    assert_eq(pycauset.hstack([pycauset.matrix(x) for x in matrices]), np.hstack(matrices))
    with pytest.raises(ValueError, match="rank-3"):
        pycauset.stack([pycauset.matrix(x) for x in matrices])


@pytest.mark.parametrize("k", [0, 2, -1])
def test_diag_against_numpy(k, dtype, storage):
    v = make_array((5,), dtype, seed=4)
    assert_eq(pycauset.diag(pycauset.vector(v), k), np.diag(v, k))
    a = make_array((13, 17), dtype, seed=5)
    m = to_pycauset(a, storage)
    assert_eq(pycauset.diag(m, k), np.diag(a, k))
    assert_eq(pycauset.diag(m.T, k), np.diag(a.T, k))


@pytest.mark.parametrize("dtype", DTYPES)
def test_allclose_and_array_equal_against_numpy(dtype, storage):
    a = make_array((13, 17), dtype, seed=6)
    m = to_pycauset(a, storage)
    assert pycauset.allclose(m, a) is True and pycauset.array_equal(m, a) is True
    assert np.allclose(m, a) and np.array_equal(m, a)  # routed here
    b = a.copy()
    b[12, 16] = (not b[12, 16]) if dtype == "bool" else b[12, 16] + 1
    assert pycauset.allclose(m, b) == np.allclose(a, b)
    assert pycauset.array_equal(m, b) is False
    assert pycauset.array_equal(m, a[:, :16]) is False  # shapes differ: False, no broadcasting
    assert pycauset.allclose(m, a[0]) == np.allclose(a, a[0])  # broadcasting
    assert pycauset.allclose(m.T, a.T)


def test_allclose_tolerances_infinities_and_nans():
    a = np.array([1.0, np.inf, -np.inf, np.nan, 1e-9])
    for b in (a, a + 1e-6, np.array([1.0, np.inf, np.inf, np.nan, 0.0])):
        for equal_nan in (False, True):
            assert pycauset.allclose(pycauset.vector(a), b, equal_nan=equal_nan) == np.allclose(a, b, equal_nan=equal_nan)
            assert pycauset.array_equal(pycauset.vector(a), b, equal_nan=equal_nan) == \
                np.array_equal(a, b, equal_nan=equal_nan)
    assert pycauset.allclose(pycauset.vector([1.0]), [1.1], rtol=0.2) is True
    assert pycauset.allclose(pycauset.vector([1.0]), [1.1], atol=0.05) is False
    u = np.array([0, 5], dtype=np.uint8)
    assert pycauset.allclose(pycauset.vector(u), np.array([1, 5], dtype=np.uint8), atol=1.0)  # no unsigned wrap


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint16", "uint64"])
def test_random_integers_range_dtype_and_reproducibility(dtype):
    a = pycauset.random.integers(3, 9, (13, 17), seed=11, dtype=dtype)
    x = pycauset.to_numpy(a)
    assert x.dtype == np.dtype(dtype)
    assert x.min() >= 3 and x.max() <= 8 and len(np.unique(x)) == 6
    assert np.array_equal(x, pycauset.to_numpy(pycauset.random.integers(3, 9, (13, 17), seed=11, dtype=dtype)))
    assert not np.array_equal(x, pycauset.to_numpy(pycauset.random.integers(3, 9, (13, 17), seed=12, dtype=dtype)))
    with pytest.raises(ValueError, match="does not fit"):
        pycauset.random.integers(0, 1000, 4, dtype="int8")
    with pytest.raises(TypeError, match="integer dtype"):
        pycauset.random.integers(0, 2, 4, dtype="float64")


def test_random_bernoulli_probability_and_packing():
    a = pycauset.random.bernoulli((400, 500), p=0.3, seed=5)
    assert a.dtype == np.bool_ and a.nbytes == 400 * 500
    fraction = int(a.sum()) / a.size
    assert abs(fraction - 0.3) < 0.01  # 200000 draws: the standard error is 0.001
    assert pycauset.array_equal(a, pycauset.random.bernoulli((400, 500), p=0.3, seed=5))
    assert int(pycauset.random.bernoulli(100, p=0.0, seed=1).sum()) == 0
    assert int(pycauset.random.bernoulli(100, p=1.0, seed=1).sum()) == 100
    with pytest.raises(ValueError, match="probability"):
        pycauset.random.bernoulli(3, p=1.5)


@pytest.fixture
def threads():
    """Set the thread count for a test; restores the previous setting afterwards."""
    previous = pycauset.get_num_threads()
    yield pycauset.set_num_threads
    pycauset.set_num_threads(previous)


def test_random_streams_do_not_depend_on_threads_or_budget(budget, threads):
    threads(1)
    one = pycauset.to_numpy(pycauset.random.integers(0, 2**40, (1200, 1000), seed=3))
    threads(2)
    budget(2**20)
    spilled = pycauset.random.integers(0, 2**40, (1200, 1000), seed=3)  # 9.2 MiB: a file, several tiles
    assert spilled.storage == "file"
    assert np.array_equal(one, pycauset.to_numpy(spilled, allow_huge=True))
    bits = pycauset.random.bernoulli((2000, 1000), p=0.5, seed=3)
    budget(2**30)
    assert pycauset.array_equal(bits, pycauset.random.bernoulli((2000, 1000), p=0.5, seed=3))
