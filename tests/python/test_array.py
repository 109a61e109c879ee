"""Matrix/Vector objects: attributes, element access, views, slice assignment, copies, repr."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, assert_eq, make_array, to_pycauset


def test_attributes(dtype, storage):
    a = make_array((4, 6), dtype)
    m = to_pycauset(a, storage)
    assert (m.shape, m.ndim, m.size, m.dtype) == ((4, 6), 2, 24, a.dtype)
    assert m.nbytes == a.nbytes  # NumPy's nbytes: bool counts one byte per element
    assert m.storage == storage
    assert (m.path is None) == (storage == "ram")
    assert m.T.shape == (6, 4) and m.T.storage == storage
    v = to_pycauset(make_array((5,), dtype), storage)
    assert (v.shape, v.ndim, v.size, len(v)) == ((5,), 1, 5, 5)
    assert v.T.shape == (5,)


def test_views_of_file_backed_objects_are_file_backed():
    m = to_pycauset(np.zeros((4, 4)), "file")
    for view in (m.T, m[1:3], m[:, 2], m[::2, ::-1]):
        assert view.storage == "file" and view.path == m.path


def test_element_access_and_negative_indices(dtype, storage):
    a = make_array((5, 7), dtype)
    m = to_pycauset(a, storage)
    for i, j in [(0, 0), (4, 6), (-1, -1), (-5, 3), (2, -7)]:
        got = m[i, j]
        assert got == a[i, j] and np.asarray(got).dtype == a.dtype
    v = to_pycauset(a[1], storage)
    assert v[-2] == a[1, -2]


@pytest.mark.parametrize("key", [(5, 0), (0, 7), (-6, 0), (0, -8)])
def test_out_of_range_raises_index_error(key):
    m = pycauset.zeros((5, 7))
    with pytest.raises(IndexError, match="out of bounds"):
        m[key]
    with pytest.raises(IndexError):
        m[key] = 1.0


def test_unsupported_indices():
    m = pycauset.zeros((3, 3))
    with pytest.raises(IndexError, match="too many indices"):
        m[0, 0, 0]
    with pytest.raises(IndexError, match="fancy indexing"):
        m[[0, 1]]
    with pytest.raises(IndexError, match="fancy indexing"):
        m[0.5, 0]


def test_slices_are_views_sharing_data(storage):
    a = np.arange(30.0).reshape(5, 6)
    m = to_pycauset(a, storage)
    view = m[1:4, ::2]
    view[0, 1] = -1.0
    assert m[1, 2] == -1.0
    row = m[2]
    row[5] = -2.0
    assert m[2, 5] == -2.0
    m.T[3, 4] = -3.0
    assert m[4, 3] == -3.0


def test_slice_assignment_scalars_arrays_and_broadcasting(dtype, storage):
    a = make_array((6, 5), dtype)
    m = to_pycauset(a, storage)
    expected = a.copy()
    fill = make_array((1,), dtype, seed=3)[0]
    m[1:3, :] = fill
    expected[1:3, :] = fill
    row = make_array((5,), dtype, seed=4)
    m[3:5] = row  # a row broadcast over two rows
    expected[3:5] = row
    column = make_array((6, 1), dtype, seed=5)
    m[:, 1:2] = column
    expected[:, 1:2] = column
    block = make_array((2, 2), dtype, seed=6)
    m[::4, ::3] = pycauset.matrix(block)  # a pycauset source
    expected[::4, ::3] = block
    m[5] = pycauset.vector(make_array((5,), dtype, seed=7))
    expected[5] = make_array((5,), dtype, seed=7)
    assert_eq(m, expected)


def test_overlapping_self_assignment():
    a = np.arange(20.0).reshape(4, 5)
    m = pycauset.matrix(a)
    m[0:3] = m[1:4]
    a[0:3] = a[1:4].copy()
    assert_eq(m, a)
    m[:, :] = m.T[:5, :4].T
    assert_eq(m, a)


def test_broadcast_errors_are_clear():
    m = pycauset.zeros((3, 4))
    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(3,\) into shape \(3, 4\)"):
        m[:, :] = np.zeros(3)
    with pytest.raises(ValueError, match="broadcast"):
        m[:, :] = pycauset.zeros((2, 4))
    with pytest.raises(ValueError, match="sequence"):
        m[0, 0] = [1.0, 2.0]


def test_element_assignment_casts_like_numpy():
    m = pycauset.zeros((2, 2), dtype=np.int8)
    m[0, 0] = 2.7
    assert m[0, 0] == 2
    with pytest.raises(OverflowError):
        m[0, 1] = 300
    with pytest.raises(TypeError):
        pycauset.zeros((2, 2))[0, 0] = 1j
    b = pycauset.zeros(3, dtype=bool)
    b[1] = 5
    assert b[1] == True  # noqa: E712 - numpy.bool_


def test_copy_is_independent_and_astype_matches_numpy(storage):
    a = make_array((7, 3), "int16")
    m = to_pycauset(a, storage)
    c = m.copy()
    c[0, 0] = -5
    assert m[0, 0] == a[0, 0]
    for target in DTYPES:
        assert_eq(m.astype(target), a.astype(target))
    assert_eq(m.T.astype(np.float32), a.T.astype(np.float32))


def test_astype_from_complex_and_float_to_bool_and_int():
    a = np.array([[1.5 + 2j, -0.0, 3]], dtype=np.complex128)
    m = pycauset.matrix(a)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_eq(m.astype(np.float64), a.astype(np.float64))
            assert_eq(m.astype(bool), a.astype(bool))
            assert_eq(m.astype(np.int32), a.astype(np.int32))


def test_repr_shows_shape_dtype_storage_and_corners():
    m = pycauset.matrix(np.arange(100 * 80, dtype=np.float64).reshape(100, 80))
    text = repr(m)
    assert "shape=(100, 80)" in text and "dtype=float64" in text and "storage='ram'" in text
    # The body is what NumPy prints for the same values, though only the corners were read.
    assert text.endswith(np.array2string(np.arange(8000.0).reshape(100, 80), separator=" "))
    assert "..." in text
    small = pycauset.vector([1, 2, 3])
    assert "[1 2 3]" in repr(small)


def test_repr_of_file_backed_reads_only_corners(budget):
    budget(2**20)
    m = pycauset.random.uniform((2000, 2000), seed=1)  # 32 MB in a spill file; export guard stays on
    assert m.storage == "file"
    text = repr(m)
    assert "storage='file'" in text and "path=" in text and "..." in text


@pytest.mark.parametrize("storage", ["ram", "file"])
def test_bool_and_scalar_conversions_follow_numpy(storage):
    # bool(M) fell back to len(M): bool(zeros(3)) and bool(zeros((1, 1))) were both True.
    assert bool(to_pycauset(np.zeros((1, 1)), storage)) is False
    assert bool(to_pycauset(np.array([7], np.int32), storage)) is True
    assert bool(to_pycauset(np.array([[False]]), storage)) is False
    for shape, words in [((3,), "more than one element"), ((2, 2), "more than one element"), ((0,), "empty")]:
        with pytest.raises(ValueError, match=words) as info:
            bool(to_pycauset(np.ones(shape), storage))
        assert isinstance(info.value, pycauset.PyCausetError)
    assert float(to_pycauset(np.array([[2.5]]), storage)) == 2.5
    assert int(to_pycauset(np.array([-3], np.int64), storage)) == -3
    assert complex(to_pycauset(np.array([1 + 2j]), storage)) == 1 + 2j
    with pytest.raises(TypeError, match="size 1"):
        float(to_pycauset(np.ones(2), storage))
