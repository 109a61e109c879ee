"""NumPy's everyday array methods: tolist, fill, item, itemsize, diagonal, reshape, ravel, real, imag, conj.

Each against NumPy on odd shapes, every dtype, transposed and sliced views, RAM and file-backed objects.
"""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, ODD_SHAPES, assert_eq, make_array, to_pycauset


def _views(a, storage):
    """Pairs (pycauset object, the same thing in NumPy): whole, transposed, strided slice, reversed rows."""
    m = to_pycauset(a, storage)
    yield m, a
    yield m.T, a.T
    yield m[::2, 1::3], a[::2, 1::3]
    yield m[::-1], a[::-1]


@pytest.mark.parametrize("shape", ODD_SHAPES)
def test_tolist_item_itemsize_every_dtype(shape, dtype, storage):
    a = make_array(shape, dtype, seed=1)
    for m, expected in _views(a, storage):
        if expected.size == 0:
            continue
        assert m.tolist() == expected.tolist()
        assert m.itemsize == expected.itemsize
        assert m.item(expected.size - 1) == expected.item(expected.size - 1)
        assert m.item(0, expected.shape[1] - 1) == expected.item(0, expected.shape[1] - 1)
        assert type(m.item(0)) is type(expected.item(0))
    assert pycauset.vector(a[0]).tolist() == a[0].tolist()


def test_item_needs_one_element_or_an_index():
    assert pycauset.matrix([[2.5]]).item() == 2.5
    with pytest.raises(ValueError, match="size 1"):
        pycauset.vector([1, 2]).item()
    with pytest.raises(IndexError, match="out of bounds"):
        pycauset.vector([1, 2]).item(2)


@pytest.mark.parametrize("shape", ODD_SHAPES)
def test_fill_every_dtype_and_views(shape, dtype, storage):
    a = make_array(shape, dtype, seed=2)
    m = to_pycauset(a, storage)
    value = np.array(3, dtype=dtype) if dtype != "bool" else True
    view, expected = m[::2, ::-1], a.copy()
    view.fill(value)
    expected[::2, ::-1].fill(value)
    assert_eq(m, expected)
    m.T.fill(7.9 if np.dtype(dtype).kind in "fc" else 1)
    expected.T.fill(7.9 if np.dtype(dtype).kind in "fc" else 1)
    assert_eq(m, expected)


@pytest.mark.parametrize("shape", ODD_SHAPES)
@pytest.mark.parametrize("offset", [0, 1, -1, 5, -20])
def test_diagonal_is_a_view_against_numpy(shape, offset, dtype, storage):
    a = make_array(shape, dtype, seed=3)
    for m, expected in _views(a, storage):
        d = m.diagonal(offset)
        assert_eq(d, expected.diagonal(offset))
        assert isinstance(d, pycauset.Vector)
    m = to_pycauset(a, storage)
    if np.diagonal(a, offset).size:
        m.diagonal(offset)[:] = a.diagonal(offset)[::-1]  # writable, unlike NumPy's
        expected = a.copy()
        rows, cols = np.nonzero(np.eye(*shape, k=offset, dtype=bool))
        expected[rows, cols] = a.diagonal(offset)[::-1]
        assert_eq(m, expected)
    with pytest.raises(ValueError, match="2-D"):
        pycauset.vector([1, 2]).diagonal()


@pytest.mark.parametrize("shape", [(1, 1), (1, 12), (12, 1), (6, 4)])
@pytest.mark.parametrize("new_shape", [(-1,), (1, -1), (-1, 1), (2, -1), (-1, 3), (3, 4)])
def test_reshape_and_ravel_against_numpy(shape, new_shape, dtype, storage):
    a = make_array(shape, dtype, seed=4)
    dims = [d for d in new_shape if d != -1]
    if a.size % max(1, int(np.prod(dims))):
        return
    for m, expected in _views(a, storage):
        if expected.size % max(1, int(np.prod(dims))) or (new_shape == (3, 4) and expected.size != 12):
            continue
        assert_eq(m.reshape(new_shape), expected.reshape(new_shape))
        assert_eq(m.reshape(*new_shape), expected.reshape(new_shape))
        assert_eq(m.ravel(), expected.ravel())
        flat = m.flatten()
        assert_eq(flat, expected.flatten())
        assert not flat._same_buffer(m)


def test_reshape_is_a_view_where_the_layout_allows():
    m = pycauset.matrix(np.arange(12.0).reshape(3, 4))
    r = m.reshape(2, 6)
    r[0, 0] = -1.0  # contiguous: a view, the write shows through
    assert m[0, 0] == -1.0
    t = m.T.reshape(-1)
    t[0] = 99.0  # a transpose has no single step: a copy
    assert m[0, 0] == -1.0
    column = m[:, 1]
    column.reshape(1, -1)[0, 2] = 55.0  # a strided vector: still a view
    assert m[2, 1] == 55.0


def test_reshape_errors_name_the_problem():
    v = pycauset.vector(np.arange(6))
    with pytest.raises(ValueError, match="rank 3"):
        v.reshape(1, 2, 3)
    with pytest.raises(ValueError, match="size 6 into shape"):
        v.reshape(4, -1)
    with pytest.raises(ValueError, match="one unknown dimension"):
        v.reshape(-1, -1)


def test_reshape_of_a_file_backed_view_streams_into_a_file(budget):
    a = make_array((64, 48), "float64", seed=5)
    m = to_pycauset(a, "file")
    r = m.T.reshape(-1)  # needs a copy: made by the core, placed in a file like its source
    assert_eq(r, a.T.reshape(-1))
    assert m.reshape(48, 64).storage == "file"  # a view of the file


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_real_imag_conj_of_complex_are_views_and_exact(dtype, storage):
    a = make_array((13, 17), dtype, seed=6)
    a[0, 0] = complex(1.5, 0.0)
    for m, expected in _views(a, storage):
        assert_eq(m.real, expected.real)
        assert_eq(m.imag, expected.imag)
        conj = m.conj()
        assert_eq(conj, expected.conj())
        assert np.array_equal(np.signbit(pycauset.to_numpy(conj.imag)), np.signbit(expected.conj().imag))
    m = to_pycauset(a, storage)
    m.real[:] = 0  # views write through, as NumPy's
    m.imag[1] = -1
    expected = a.copy()
    expected.real[:] = 0
    expected.imag[1] = -1
    assert_eq(m, expected)
    assert_eq(m, expected)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if not d.startswith("complex")])
def test_real_imag_conj_of_real_dtypes(dtype):
    a = make_array((5, 3), dtype, seed=7)
    m = pycauset.matrix(a)
    assert m.real is m
    assert_eq(m.imag, np.imag(a))
    assert_eq(m.conj(), a.conj())
    assert_eq(m.conjugate(), a.conjugate())


def test_tolist_of_a_large_file_backed_matrix_goes_through_the_export_guard(budget):
    budget(2**20)
    m = pycauset.zeros((2048, 2048))  # 32 MiB under a 1 MiB budget: a spill file
    assert m.storage == "file"
    with pytest.raises(pycauset.ExportGuardError):
        m.tolist()
    assert m[:2, :2].tolist() == [[0.0, 0.0], [0.0, 0.0]]
