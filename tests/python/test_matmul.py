"""pycauset.matmul / ``@``: every dtype, views, vectors and the out-of-core path against NumPy."""
from __future__ import annotations

import io

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, assert_eq, make_array, to_pycauset

# (m, k, n): 1x1, single rows/columns, primes, non-square.
PRODUCT_SHAPES = [(1, 1, 1), (1, 7, 1), (1, 5, 9), (9, 5, 1), (7, 1, 3), (13, 17, 11), (31, 5, 2)]


def _ids(shapes):
    return ["x".join(map(str, s)) for s in shapes]


@pytest.mark.parametrize("mkn", PRODUCT_SHAPES, ids=_ids(PRODUCT_SHAPES))
def test_every_dtype_matches_numpy(dtype, mkn, storage):
    m, k, n = mkn
    a, b = make_array((m, k), dtype, seed=1), make_array((k, n), dtype, seed=2)
    assert_eq(to_pycauset(a, storage) @ to_pycauset(b, storage), a @ b)


@pytest.mark.parametrize(
    "left, right",
    [("int8", "float32"), ("uint64", "int64"), ("bool", "int32"), ("float32", "complex128"), ("int16", "uint8"),
     ("float32", "float64"), ("uint8", "bool"), ("complex64", "float64"), ("int64", "float32")],
)
def test_mixed_dtypes_promote_like_numpy(left, right, storage):
    a, b = make_array((6, 5), left, seed=3), make_array((5, 4), right, seed=4)
    result = to_pycauset(a, storage) @ to_pycauset(b, "ram")
    assert result.dtype == np.promote_types(a.dtype, b.dtype)
    assert_eq(result, a @ b)


@pytest.mark.parametrize("dtype_name", ["float64", "float32", "complex64", "complex128", "int32", "bool"])
def test_transposed_views(dtype_name, storage):
    a, b = make_array((11, 7), dtype_name, seed=5), make_array((13, 7), dtype_name, seed=6)
    pa, pb = to_pycauset(a, storage), to_pycauset(b, storage)
    assert_eq(pa @ pb.T, a @ b.T)
    assert_eq(pa.T @ pa, a.T @ a)
    assert_eq(pb.T.T @ pa.T, b @ a.T)
    assert_eq(pa.T.T @ pb.T, a @ b.T)


@pytest.mark.parametrize("dtype_name", ["float64", "complex128", "int64", "uint8", "bool"])
def test_strided_and_reversed_slices(dtype_name, storage):
    a, b = make_array((17, 19), dtype_name, seed=7), make_array((19, 23), dtype_name, seed=8)
    pa, pb = to_pycauset(a, storage), to_pycauset(b, storage)
    assert_eq(pa[1:16:3, ::2] @ pb[::2, 4:], a[1:16:3, ::2] @ b[::2, 4:])
    assert_eq(pa[::-1, 2:] @ pb[2:, ::-2], a[::-1, 2:] @ b[2:, ::-2])
    assert_eq(pa[:, 3:9].T @ pa[:, 1:7], a[:, 3:9].T @ a[:, 1:7])


@pytest.mark.parametrize("dtype_name", ["float64", "float32", "complex64", "int16", "bool"])
def test_vectors_follow_numpy(dtype_name, storage):
    m = make_array((6, 5), dtype_name, seed=9)
    v5, v6 = make_array((5,), dtype_name, seed=10), make_array((6,), dtype_name, seed=11)
    pm, pv5, pv6 = to_pycauset(m, storage), to_pycauset(v5, storage), to_pycauset(v6, storage)
    assert isinstance(pm @ pv5, pycauset.Vector)
    assert_eq(pm @ pv5, m @ v5)
    assert_eq(pv6 @ pm, v6 @ m)
    assert_eq(pm.T @ pv6, m.T @ v6)
    assert_eq(pv5 @ pm.T, v5 @ m.T)
    inner = pv5 @ pv5
    expected = v5 @ v5
    assert type(inner) is type(expected)
    assert inner == expected


def test_column_and_row_views_as_vectors(storage):
    m = make_array((8, 8), "float64", seed=12)
    pm = to_pycauset(m, storage)
    assert_eq(pm[:, 3] @ pm, m[:, 3] @ m)
    assert_eq(pm @ pm[2], m @ m[2])
    assert pm[:, 3] @ pm[:, 5] == pytest.approx(m[:, 3] @ m[:, 5])


def test_numpy_and_list_operands_share_the_code_path():
    m = make_array((4, 3), "float64", seed=13)
    pm = pycauset.matrix(m)
    assert_eq(pycauset.matmul(m, pm.T), m @ m.T)
    assert_eq(pycauset.matmul(pm, [1.0, 2.0, 3.0]), m @ np.array([1.0, 2.0, 3.0]))
    assert_eq([[1, 2, 3, 4]] @ pm, np.array([[1, 2, 3, 4]]) @ m)
    assert pycauset.matmul([1, 2, 3], [4, 5, 6]) == 32
    assert isinstance(pycauset.matmul([1, 2, 3], [4, 5, 6]), np.int64)


def test_integer_products_wrap_around_like_numpy():
    a = np.full((3, 40), 100, dtype=np.int8)
    b = np.full((40, 2), 77, dtype=np.int8)
    assert_eq(pycauset.matrix(a) @ pycauset.matrix(b), a @ b)
    a64 = np.array([[2**62, 2**62]], dtype=np.int64)
    b64 = np.array([[3], [5]], dtype=np.int64)
    with np.errstate(over="ignore"):
        expected = a64 @ b64
    assert_eq(pycauset.matrix(a64) @ pycauset.matrix(b64), expected)
    u = np.array([[65535, 65535]], dtype=np.uint16)
    assert_eq(pycauset.matrix(u) @ pycauset.matrix(u.T.copy()), u @ u.T)


def test_bool_product_is_logical():
    a = np.array([[True, False, True], [False, False, False]])
    b = np.array([[False, True], [False, True], [True, False]])
    result = pycauset.matrix(a) @ pycauset.matrix(b)
    assert result.dtype == np.bool_
    assert_eq(result, a @ b)


def test_empty_dimensions():
    assert_eq(pycauset.zeros((3, 0)) @ pycauset.zeros((0, 4)), np.zeros((3, 0)) @ np.zeros((0, 4)))
    assert_eq(pycauset.zeros((0, 3)) @ pycauset.ones((3, 4)), np.zeros((0, 3)) @ np.ones((3, 4)))
    assert_eq(pycauset.ones((2, 3), dtype="int32") @ pycauset.ones((3, 0), dtype="int32"),
              np.ones((2, 3), dtype=np.int32) @ np.ones((3, 0), dtype=np.int32))


def test_shape_mismatch_is_a_numpy_like_value_error():
    with pytest.raises(ValueError, match=r"mismatch in its core dimension 0.*\(size 5 is different from 4\)"):
        pycauset.zeros((3, 4)) @ pycauset.zeros((5, 2))
    with pytest.raises(ValueError, match=r"size 3 is different from 2"):
        pycauset.zeros((2,)) @ pycauset.zeros((3,))
    with pytest.raises(ValueError, match=r"size 4 is different from 3"):
        pycauset.matmul(pycauset.zeros((2, 3)), np.zeros(4))


def test_rank_errors_are_clear():
    with pytest.raises(ValueError, match="Input operand 0 does not have enough dimensions"):
        pycauset.matmul(2.0, pycauset.zeros((2, 2)))
    with pytest.raises(ValueError, match="Input operand 1 does not have enough dimensions"):
        pycauset.matmul(pycauset.zeros((2, 2)), np.float64(3))
    with pytest.raises(ValueError, match="rank"):
        pycauset.matmul(np.zeros((2, 2, 2)), pycauset.zeros((2, 2)))


def test_operands_are_left_untouched():
    a, b = make_array((5, 4), "float64", seed=14), make_array((4, 6), "float64", seed=15)
    pa, pb = pycauset.matrix(a), pycauset.matrix(b)
    pa @ pb
    assert_eq(pa, a)
    assert_eq(pb, b)


def test_progress_bar_draws_to_stderr(capsys):
    a = pycauset.matrix(make_array((20, 30), "float64"))
    result = pycauset.matmul(a, a.T, progress=True)
    err = capsys.readouterr().err
    assert "matmul 20x30 @ 30x20" in err and "100.0%" in err and "FLOP/s" in err
    assert_eq(result, make_array((20, 30), "float64") @ make_array((20, 30), "float64").T)


def test_progress_bar_reports_rate_and_eta():
    from pycauset._progress import ProgressBar

    out = io.StringIO()
    with ProgressBar("job", unit="B", stream=out, interval=0.0) as bar:
        bar(1, 4)
        assert "ETA" in out.getvalue() and "25.0%" in out.getvalue()
        bar(4, 4)
    text = out.getvalue()
    assert "100.0%" in text and "B/s" in text and text.endswith("\n")


# ---------------------------------------------------------------- out of core (tiny budget, spill files)

def _file(array):
    return to_pycauset(array, "file")


def test_out_of_core_float64_several_times_the_budget(budget):
    rng = np.random.default_rng(20)
    a, b = rng.random((700, 500)), rng.random((500, 900))
    pa, pb = _file(a), _file(b)
    budget(2 << 20)  # 2 MiB: A is 2.8 MB, B 3.6 MB, C 5.0 MB
    before = pycauset._core.tile_io_stats()
    result = pa @ pb
    after = pycauset._core.tile_io_stats()
    assert result.storage == "file"
    assert after["bytes_read"] > before["bytes_read"] and after["bytes_written"] >= result.nbytes
    assert_eq(result, a @ b)


def test_out_of_core_transposed_file_operands(budget):
    rng = np.random.default_rng(21)
    a, b = rng.random((500, 700)), rng.random((900, 500))
    pa, pb = _file(a), _file(b)
    budget(1 << 20)  # the minimum budget: tiles shrink
    result = pa.T @ pb.T
    assert result.storage == "file"
    assert_eq(result, a.T @ b.T)


def test_out_of_core_mixed_ram_and_file_operands_and_slices(budget):
    rng = np.random.default_rng(22)
    a, b = rng.random((301, 257)), rng.random((257, 403))
    pa, pb = to_pycauset(a, "ram"), _file(b)
    budget(1 << 20)
    assert_eq(pa @ pb, a @ b)
    assert_eq(pb[:, ::2].T @ pa[::-1].T, b[:, ::2].T @ a[::-1].T)


@pytest.mark.parametrize("dtype_name", ["float32", "complex128", "int32", "bool"])
def test_out_of_core_other_dtypes(dtype_name, budget):
    a, b = make_array((600, 190), dtype_name, seed=23), make_array((190, 500), dtype_name, seed=24)
    pa, pb = _file(a), _file(b)
    budget(1 << 20)
    result = pa @ pb
    # Every result but the bit-packed bool one (37 KB) exceeds the 1 MiB budget.
    assert result.storage == ("ram" if dtype_name == "bool" else "file")
    assert_eq(result, a @ b)


def test_out_of_core_matrix_vector(budget):
    rng = np.random.default_rng(25)
    m, v = rng.random((1100, 300)), rng.random(1100)
    pm, pv = _file(m), _file(v)
    budget(1 << 20)
    assert_eq(pv @ pm, v @ m)
    assert_eq(pm.T @ pv, m.T @ v)
    assert pv @ pv == pytest.approx(v @ v)


def test_out_of_core_progress(budget, capsys):
    rng = np.random.default_rng(26)
    a = rng.random((400, 400))
    pa = _file(a)
    budget(1 << 20)
    result = pycauset.matmul(pa, pa, progress=True)
    assert "100.0%" in capsys.readouterr().err
    assert_eq(result, a @ a)


def test_out_of_core_result_saves_and_reloads(budget, tmp_path):
    if not hasattr(pycauset, "save"):
        pytest.skip("pycauset.save is not available in this build")
    rng = np.random.default_rng(27)
    a, b = rng.random((400, 350)), rng.random((350, 420))
    pa, pb = _file(a), _file(b)
    budget(1 << 20)
    result = pa @ pb
    assert result.storage == "file"
    path = tmp_path / "product.pycauset"
    pycauset.save(result, path)
    loaded = pycauset.load(path)
    np.testing.assert_array_equal(pycauset.to_numpy(loaded, allow_huge=True),
                                  pycauset.to_numpy(result, allow_huge=True))
    assert_eq(loaded, a @ b)


def test_ram_operands_with_a_result_larger_than_the_budget(budget):
    rng = np.random.default_rng(28)
    a, b = rng.random((300, 100)), rng.random((2000, 100))
    budget(4 << 20)
    pa, pb = pycauset.matrix(a), pycauset.matrix(b)  # 0.24 MB + 1.6 MB: RAM, used in place
    assert pa.storage == "ram" and pb.storage == "ram"
    result = pa @ pb.T  # 4.8 MB: a spill file, written back tile by tile
    assert result.storage == "file"
    assert_eq(result, a @ b.T)


def test_out_of_core_cancellation_leaves_a_usable_state(budget):
    rng = np.random.default_rng(29)
    a = rng.random((400, 400))
    pa = _file(a)
    budget(1 << 20)
    calls = []

    def cancel(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise RuntimeError("cancelled by the progress callback")

    with pytest.raises(RuntimeError, match="cancelled"):
        pycauset._core.matmul(pa, pa, cancel)
    assert len(calls) == 3
    assert_eq(pa @ pa, a @ a)  # leases released, tile buffers returned, operands untouched


# ---------------------------------------------------------------- out of core, streamed by whole-row bands

def _streamed_bytes():
    return pycauset._core.tile_io_stats()["bytes_streamed"]


# 3000 x 1200 @ 1200 x 611 float64: A 28.8 MB, B 5.9 MB, C 14.7 MB. Bands of a few hundred rows fit the
# budgets below, so there are several bands each way and B is re-read in snake order; rows of 9600 and
# 4888 bytes put the bands at every offset within a 4096-byte page.
STREAM_SHAPE = (3000, 1200, 611)


@pytest.mark.parametrize("sides,mib,result_storage", [
    ("file,file", 12, "file"),   # everything streams
    ("file,file", 40, "ram"),    # the result fits in RAM and is written in place
    ("ram,file", 40, "file"),    # A in place, B and C stream
    ("file,ram", 40, "ram"),     # only A streams
    ("file,ram.T", 40, "ram"),   # B a transposed RAM view, used in place with BLAS's transpose flag
], ids=["all-files", "result-in-ram", "a-in-ram", "b-in-ram", "b-transposed-in-ram"])
def test_streamed_plan_matches_numpy(sides, mib, result_storage, budget):
    m, k, n = STREAM_SHAPE
    rng = np.random.default_rng(40)
    a, b = rng.random((m, k)), rng.random((k, n))
    left, right = sides.split(",")
    pa = to_pycauset(a, left)
    pb = to_pycauset(b.T.copy(), "ram").T if right == "ram.T" else to_pycauset(b, right)
    budget(mib << 20)
    before = _streamed_bytes()
    result = pa @ pb
    moved = _streamed_bytes() - before
    assert (pa.storage, pb.storage, result.storage) == (left, right.split(".")[0], result_storage)
    # A is read once, C written once, B read at least once (once per band of A, less the snake's reuse).
    once = sum(x.nbytes for x, where in ((a, left), (b, right), (result, result_storage)) if where == "file")
    b_bands = (m + 127) // 128  # bands are at least 128 rows high
    assert once <= moved <= once + (b_bands - 1) * (b.nbytes if right == "file" else 0)
    if left == "file" and right == "file":
        assert moved > once  # B was re-read
    assert_eq(result, a @ b)


def test_small_budgets_stream_thin_bands_rather_than_short_blocks(budget):
    # 1000 x 1024 @ 1024 x 1024 float64, all files (8 MiB each), 9.5 MiB budget: B's bands of 512 or 384
    # rows leave no room for 128-row bands of A and C, bands of 256 do (about 150 rows each).
    rng = np.random.default_rng(46)
    a, b = rng.random((1000, 1024)), rng.random((1024, 1024))
    pa, pb = _file(a), _file(b)
    budget(19 << 19)
    before = _streamed_bytes()
    result = pa @ pb
    moved = _streamed_bytes() - before
    # p bands of A read B's 4 bands p times, less the p - 1 the snake order reuses: 5 to 8 bands of
    # A (thin ones; 4 would be 250 rows) read between 16 and 25 bands of B.
    b_reads = (moved - a.nbytes - result.nbytes) / (b.nbytes / 4)
    assert result.storage == "file" and 16 <= b_reads <= 25
    assert_eq(result, a @ b)


@pytest.mark.parametrize("dtype_name", ["float32", "complex128", "int32", "uint8"])
def test_streamed_plan_other_dtypes(dtype_name, budget):
    m, k, n = 900, 1500, 500
    a, b = make_array((m, k), dtype_name, seed=41), make_array((k, n), dtype_name, seed=42)
    pa, pb = _file(a), _file(b)
    item = np.dtype(dtype_name).itemsize
    # The result, two bands of 400 rows of A, two bands of B, and room for the pool's rounding.
    budget(item * (m * n + 2 * 400 * k + 2 * 512 * n) + (512 << 10))
    before = _streamed_bytes()
    result = pa @ pb
    assert _streamed_bytes() > before
    assert_eq(result, a @ b)


def test_streamed_plan_reads_loaded_files_and_writes_a_result_in_ram(budget, tmp_path):
    rng = np.random.default_rng(43)
    a, b = rng.random((1500, 1001)), rng.random((1001, 37))
    for name, value in (("a", a), ("b", b)):
        pycauset.save(pycauset.matrix(value), tmp_path / f"{name}.pycauset")
    pa, pb = pycauset.load(tmp_path / "a.pycauset"), pycauset.load(tmp_path / "b.pycauset")  # payload at 4096
    budget(6 << 20)  # A (12 MB) streams in bands of ~300 rows, B (0.3 MB) in one; the 0.44 MB result fits in RAM
    before = _streamed_bytes()
    result = pa @ pb
    assert result.storage == "ram"
    assert _streamed_bytes() - before >= a.nbytes
    assert_eq(result, a @ b)
    assert_eq(pa[3:1400] @ pb, a[3:1400] @ b)  # a band of rows starting mid-file


def test_views_that_are_not_whole_rows_fall_back_to_blocks(budget):
    m, k, n = 1100, 1200, 611
    rng = np.random.default_rng(44)
    a, b = rng.random((m, k)), rng.random((k, n))
    pa, pb = _file(a), _file(b)
    budget(14 << 20)
    before = _streamed_bytes()
    assert_eq(pa[:, 1:] @ pb[1:], a[:, 1:] @ b[1:])  # rows with gaps between them
    assert_eq(pb.T @ pa.T, b.T @ a.T)  # transposed files: bands would be columns
    assert _streamed_bytes() == before


def test_a_result_that_would_fill_the_budget_goes_to_a_file_beside_file_operands(budget):
    rng = np.random.default_rng(45)
    a, b = rng.random((1000, 600)), rng.random((600, 500))
    pa, pb = _file(a), _file(b)
    budget(5 << 20)  # the 4 MB result would fit in RAM, but leave the streaming kernel ~1 MB of tiles
    result = pa @ pb
    assert result.storage == "file"
    assert_eq(result, a @ b)
    small = pa[:100] @ pb  # 0.4 MB: RAM, with room to spare
    assert small.storage == "ram"
    assert_eq(small, a[:100] @ b)


def test_progress_on_a_non_terminal_writes_whole_lines_at_most_every_10_seconds():
    import io

    from pycauset._progress import ProgressBar

    out = io.StringIO()  # not a terminal
    with ProgressBar("job", unit="B", stream=out) as bar:
        for done in range(1, 101):
            bar(done, 100)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 2 and "100.0%" in lines[-1]  # the first report and the final one, nothing between
