"""NumPy interop: import from any layout, export with NumPy 2 semantics, buffers, the export guard."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, ODD_SHAPES, assert_eq, make_array, to_pycauset


@pytest.mark.parametrize("shape", ODD_SHAPES, ids=str)
def test_round_trip_every_dtype_and_storage(dtype, shape, storage):
    a = make_array(shape, dtype)
    assert_eq(to_pycauset(a, storage), a)


@pytest.mark.parametrize("n", [1, 8, 9, 1000])
def test_vector_round_trip(dtype, n, storage):
    a = make_array((n,), dtype)
    v = to_pycauset(a, storage)
    assert isinstance(v, pycauset.Vector)
    assert_eq(v, a)


@pytest.mark.parametrize("view", ["transposed", "strided", "reversed", "byteswapped", "fortran"])
def test_import_any_layout(dtype, view):
    base = make_array((23, 19), dtype)
    source = {
        "transposed": base.T,
        "strided": base[::2, 1::3],
        "reversed": base[::-1, ::-2],
        "byteswapped": base.astype(base.dtype.newbyteorder(">")) if base.dtype.itemsize > 1 else base,
        "fortran": np.asfortranarray(base),
    }[view]
    m = pycauset.matrix(source)
    assert m.dtype == base.dtype.newbyteorder("=")
    assert_eq(m, np.ascontiguousarray(source).astype(base.dtype))


@pytest.mark.parametrize("storage_kind", ["ram", "file"])
def test_export_views_have_logical_values(dtype, storage_kind):
    a = make_array((11, 13), dtype)
    m = to_pycauset(a, storage_kind)
    assert_eq(m.T, a.T)
    assert_eq(m[1:9:3, ::-2], a[1:9:3, ::-2])
    assert_eq(m[4], a[4])
    assert_eq(m[:, 5], a[:, 5])
    assert_eq(m.T[2:7, 3], a.T[2:7, 3])


def test_nested_lists_and_rank_checks():
    assert pycauset.matrix([[1, 2], [3, 4]]).dtype == np.int64
    assert pycauset.matrix([[1.0, 2]]).dtype == np.float64
    assert pycauset.vector([True, False]).dtype == np.bool_
    assert pycauset.vector([1j, 2]).dtype == np.complex128
    with pytest.raises(ValueError, match="rank 0"):
        pycauset.matrix(np.float64(3))
    with pytest.raises(ValueError, match="rank 3"):
        pycauset.matrix(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="rank 1"):
        pycauset.matrix(np.zeros(3))
    with pytest.raises(ValueError, match="rank 2"):
        pycauset.vector(np.zeros((3, 3)))


@pytest.mark.parametrize("bad", [np.zeros(3, np.float16), np.array(["a", "b"]), np.array([object(), 1], dtype=object),
                                 np.zeros(3, "datetime64[s]")])
def test_unsupported_dtypes_raise_type_error_naming_them(bad):
    with pytest.raises(TypeError, match="supported dtypes are: bool, int8"):
        pycauset.vector(bad)


def test_explicit_dtype_converts_unsupported_source():
    v = pycauset.vector(np.array([1.5, 2.5], np.float16), dtype=np.float32)
    assert_eq(v, np.array([1.5, 2.5], np.float32))


def test_asarray_is_zero_copy_and_read_only_for_ram():
    m = pycauset.matrix(np.arange(12.0).reshape(3, 4))
    view = np.asarray(m)
    assert not view.flags.writeable
    m[0, 0] = 42.0
    assert view[0, 0] == 42.0  # shares memory
    with pytest.raises(ValueError):
        view[0, 0] = 1.0


def test_buffer_protocol_strides_follow_views():
    m = pycauset.matrix(np.zeros((3, 5)))
    assert memoryview(m).strides == (40, 8)
    assert memoryview(m.T).strides == (8, 40)
    assert memoryview(m).readonly
    with pytest.raises(BufferError):
        memoryview(pycauset.vector([True, False]))  # bit-packed: no raw buffer


def test_exports_pin_the_buffer_until_released():
    m = pycauset.matrix(np.ones((4, 4)))
    view = np.asarray(m)
    assert m._exports == 1
    del view
    assert m._exports == 0


def test_array_copy_semantics_numpy2():
    m = pycauset.matrix(np.ones((2, 2)))
    copied = np.array(m)
    assert copied.flags.writeable and copied.flags.owndata
    b = pycauset.vector([True, False, True])
    assert_eq(np.asarray(b), np.array([True, False, True]))
    with pytest.raises(ValueError, match="avoid copy"):
        np.array(b, copy=False)
    assert np.asarray(m, dtype=np.float32).dtype == np.float32


def test_to_numpy_copy_false_warns_when_it_must_copy():
    b = pycauset.vector([True, False])
    with pytest.warns(UserWarning, match="bit-packed"):
        out = pycauset.to_numpy(b, copy=False)
    assert_eq(out, np.array([True, False]))
    m = pycauset.matrix(np.ones((2, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shared = pycauset.to_numpy(m, copy=False)
    assert not shared.flags.writeable


# The export guard is sized, not placed: at a 1 MiB budget the small-export allowance is 256 KiB.
ALLOWANCE_AT_1_MIB = 2**18


def test_small_file_backed_objects_export_freely(budget):
    budget(2**20)
    data = np.arange(6.0).reshape(2, 3)
    m = to_pycauset(data, "file")
    for export in (np.asarray, np.array, pycauset.to_numpy):
        assert_eq(export(m), data)
    big_data = np.arange(512 * 512.0).reshape(512, 512)  # 2 MiB, eight times the allowance
    big = to_pycauset(big_data, "file")
    assert_eq(np.asarray(big[7]), big_data[7])            # a row
    assert_eq(np.asarray(big[:, 5]), big_data[:, 5])      # a column
    assert_eq(np.array(big[-3:, -3:]), big_data[-3:, -3:])  # a corner
    assert_eq(pycauset.to_numpy(big[100:228:2, ::2]), big_data[100:228:2, ::2])  # 128 KiB strided block


def test_file_backed_copies_above_the_allowance_need_allow_huge(budget):
    budget(2**20)
    at_allowance = to_pycauset(np.ones((512, 64)), "file")  # exactly 256 KiB
    assert at_allowance.nbytes == ALLOWANCE_AT_1_MIB
    assert_eq(np.asarray(at_allowance), np.ones((512, 64)))
    above = to_pycauset(np.ones((513, 64)), "file")  # one row more
    assert issubclass(pycauset.ExportGuardError, MemoryError)
    assert issubclass(pycauset.ExportGuardError, pycauset.PyCausetError)
    message = r"262656 bytes.*allowance of 256.0 KiB \(262144 bytes\).*allow_huge=True"
    for export in (np.asarray, np.array, pycauset.to_numpy):
        with pytest.raises(pycauset.ExportGuardError, match=message):
            export(above)
    with pytest.raises(pycauset.ExportGuardError, match=message):  # the spill file cannot be shared: a copy
        with pytest.warns(UserWarning, match="spill file"):
            pycauset.to_numpy(above, copy=False)
    assert_eq(pycauset.to_numpy(above, allow_huge=True), np.ones((513, 64)))
    # The same bytes in RAM are no surprise materialisation: they export freely.
    assert_eq(np.asarray(to_pycauset(np.ones((513, 64)), "ram")), np.ones((513, 64)))


def test_the_allowance_is_at_most_64_mib(budget):
    budget(2**30)  # a quarter is 256 MiB; the allowance stays 64 MiB
    rows = 64 * 2**20 // (8 * 1024)
    big = to_pycauset(np.zeros((rows + 1, 1024)), "file")
    with pytest.raises(pycauset.ExportGuardError, match=r"allowance of 64.0 MiB \(67108864 bytes\)"):
        np.asarray(big)
    assert_eq(np.asarray(big[:rows]), np.zeros((rows, 1024)))


def test_asarray_of_a_large_loaded_file_raises_even_where_a_view_is_possible(budget, tmp_path):
    budget(2**20)
    data = np.arange(600 * 64.0).reshape(600, 64)  # 300 KiB, above the allowance
    pycauset.save(pycauset.matrix(data), tmp_path / "big.pycauset")
    loaded = pycauset.load(tmp_path / "big.pycauset")
    assert loaded.storage == "file"
    for export in (np.asarray, np.array, pycauset.to_numpy):
        with pytest.raises(pycauset.ExportGuardError, match=r"307200 bytes.*to_numpy\(obj, copy=False\)"):
            export(loaded)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = pycauset.to_numpy(loaded, copy=False)  # the explicit zero-copy route
    assert not view.flags.writeable and not view.flags.owndata
    np.testing.assert_array_equal(view, data)
    pycauset.save(pycauset.matrix(data[:8]), tmp_path / "small.pycauset")
    small = np.asarray(pycauset.load(tmp_path / "small.pycauset"))  # small: a view, no opt-in
    assert not small.flags.writeable and not small.flags.owndata
    np.testing.assert_array_equal(small, data[:8])


def test_export_max_bytes_caps_views_of_loaded_files_and_small_files(tmp_path):
    data = np.arange(20.0)  # 160 bytes
    pycauset.save(pycauset.vector(data), tmp_path / "v.pycauset")
    loaded = pycauset.load(tmp_path / "v.pycauset")
    spilled = to_pycauset(data, "file")
    pycauset.set_export_max_bytes(100)
    try:
        for obj in (loaded, spilled):
            for export in (np.asarray, np.array, pycauset.to_numpy):
                with pytest.raises(pycauset.ExportGuardError, match=r"160 bytes.*export limit of 100 bytes.*allow_huge"):
                    export(obj)
        with pytest.raises(pycauset.ExportGuardError, match="export limit"):
            pycauset.to_numpy(loaded, copy=False)
        np.testing.assert_array_equal(pycauset.to_numpy(loaded, copy=False, allow_huge=True), data)
        np.testing.assert_array_equal(pycauset.to_numpy(spilled, allow_huge=True), data)
    finally:
        pycauset.set_export_max_bytes(None)


def test_small_results_are_placed_in_ram_and_export(budget):
    rng = np.random.default_rng(3)
    a = rng.random((512, 512)) + 512 * np.eye(512)  # 2 MiB, well conditioned
    b = rng.random(512)
    budget(2**20)
    x = pycauset.linalg.solve(to_pycauset(a, "file"), b)  # out of core: the factor streams from a file
    assert x.storage == "ram"
    np.testing.assert_allclose(np.asarray(x), np.linalg.solve(a, b), rtol=1e-10)


def test_export_max_bytes_applies_to_ram_objects_too():
    m = pycauset.matrix(np.zeros((10, 10)))
    pycauset.set_export_max_bytes(100)
    try:
        assert pycauset.get_export_max_bytes() == 100
        with pytest.raises(pycauset.ExportGuardError, match=r"800 bytes.*export limit of 100 bytes.*allow_huge"):
            np.asarray(m)
        with pytest.raises(pycauset.ExportGuardError):
            pycauset.to_numpy(m)
        with pytest.raises(pycauset.ExportGuardError):
            pycauset.to_numpy(m, copy=False)
        with pytest.raises(BufferError, match="800 bytes exceeds the export limit of 100 bytes"):
            memoryview(m)
        assert pycauset.to_numpy(m, allow_huge=True).shape == (10, 10)
        assert pycauset.to_numpy(m, copy=False, allow_huge=True).shape == (10, 10)
        small = pycauset.vector(np.zeros(5))
        assert np.asarray(small).shape == (5,)
    finally:
        pycauset.set_export_max_bytes(None)
    assert pycauset.get_export_max_bytes() is None


@pytest.mark.parametrize("n", [1, 7, 8, 9, 64, 1001])
def test_packbits_matches_numpy(n, storage):
    bits = make_array((n,), "bool", seed=n)
    v = to_pycauset(bits, storage)
    packed = np.asarray(v.packbits())
    np.testing.assert_array_equal(packed, np.packbits(bits))
    m = to_pycauset(make_array((5, 13), "bool"), storage)
    np.testing.assert_array_equal(np.asarray(m.packbits()), np.packbits(pycauset.to_numpy(m, allow_huge=True)))
    view = m[1:4, 2:11:2]  # not contiguous: packed from a copy
    np.testing.assert_array_equal(np.asarray(view.packbits()), np.packbits(pycauset.to_numpy(view, allow_huge=True)))
    with pytest.raises(TypeError, match="bool"):
        pycauset.vector([1, 2]).packbits()


def test_packbits_is_zero_copy_for_contiguous_bits():
    v = pycauset.vector(np.ones(64, bool))
    packed = v.packbits()
    view = np.asarray(packed)
    assert v._exports == 1 and not view.flags.writeable
    del view
    assert v._exports == 0


def test_memmap_larger_than_budget_streams_to_a_spill_file(tmp_path, budget):
    path = tmp_path / "big.dat"
    rows, cols = 1024, 512  # 4 MiB of float64
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=(rows, cols))
    mm[:] = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
    mm.flush()
    budget(2**20)
    before = pycauset.memory_info()["ram_bytes"]
    m = pycauset.matrix(np.memmap(path, dtype=np.float64, mode="r", shape=(rows, cols)))
    assert m.storage == "file"
    assert pycauset.memory_info()["ram_bytes"] == before
    assert m[rows - 1, cols - 1] == rows * cols - 1
    np.testing.assert_array_equal(pycauset.to_numpy(m[::97, ::31], allow_huge=True), mm[::97, ::31])


@pytest.mark.parametrize("n", [(1 << 20) + 5, 3_000_003])
def test_large_bit_vectors_round_trip_through_the_parallel_paths(n):
    bits = np.random.default_rng(n).random(n) < 0.3
    v = pycauset.vector(bits)
    np.testing.assert_array_equal(np.asarray(v.packbits()), np.packbits(bits))
    np.testing.assert_array_equal(pycauset.to_numpy(v), bits)
    np.testing.assert_array_equal(pycauset.to_numpy(v[7:]), bits[7:])  # unaligned start: the chunked path


def test_large_contiguous_copies_use_the_flat_path_correctly():
    a = np.random.default_rng(1).random((1500, 1001))  # 12 MB: above the flat-copy threshold
    m = pycauset.matrix(a)
    np.testing.assert_array_equal(pycauset.to_numpy(m), a)
    np.testing.assert_array_equal(pycauset.to_numpy(m.copy()), a)


def test_to_numpy_copies_are_writable_independent_and_outlive_their_source(dtype):
    a = make_array((300, 70), dtype)
    m = pycauset.matrix(a)
    for source, expected in ((m, a), (m.T, a.T), (m[::3, 5:], a[::3, 5:])):
        out = pycauset.to_numpy(source)
        assert out.flags.writeable and out.flags.c_contiguous
        np.testing.assert_array_equal(out, expected)
        out[0, 0] = out[1, 1]
    assert_eq(m, a)  # the source never changed
    out = pycauset.to_numpy(m)
    del m
    np.testing.assert_array_equal(out, a)
    assert pycauset.memory_info()["ram_bytes"] >= 0


# NumPy reads any non-zero byte of a bool array as True; such bytes come from .view(bool), frombuffer, C code.
@pytest.mark.parametrize("n", [4, 20, 4099], ids=lambda n: f"n{n}")
@pytest.mark.parametrize("storage", ["ram", "file"])
def test_bool_bytes_other_than_0_and_1_import_as_true(n, storage):
    raw = np.resize(np.array([0, 1, 2, 255, 128, 0, 7, 64], np.uint8), n)
    source = raw.view(bool)
    expected = raw != 0
    assert_eq(to_pycauset(source, storage), expected)
    assert_eq(pycauset.matrix(source.reshape(1, -1)[:, ::-1]), expected[::-1].reshape(1, -1))  # strided source
    assert_eq(pycauset.vector(source, dtype="int8"), expected.astype(np.int8))  # NumPy's bool -> int is 0/1
    target = pycauset.zeros(n, dtype="bool")
    target[:] = source
    assert_eq(target, expected)
