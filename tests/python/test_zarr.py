"""pycauset.convert_file with zarr v3 arrays: both directions, every dtype, streaming under a small budget,
atomic targets, Ctrl-C, progress, and a clear error for everything that is not a 1-D or 2-D zarr v3 array."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings

import numpy as np
import pytest

import pycauset

from conftest import DTYPES, make_array

zarr = pytest.importorskip("zarr", minversion="3")

SHAPES = [(13, 17), (1, 1), (40, 3)]


def _numpy(obj):
    return pycauset.to_numpy(obj, allow_huge=True)


def _write_zarr(path, data, chunks="auto", zarr_format=3):
    with warnings.catch_warnings():  # zarr warns that str and datetime dtypes have no stable v3 spec yet
        warnings.simplefilter("ignore")
        zarr.create_array(str(path), data=data, chunks=chunks, zarr_format=zarr_format)


def _read_zarr(path):
    array = zarr.open_array(str(path), mode="r")
    assert array.metadata.zarr_format == 3
    return array[...]


def _assert_exact(got, expected):
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    np.testing.assert_array_equal(got, expected)


def _leftovers(directory, keep):
    """Entries of `directory` other than `keep` (a temporary target left behind would show up here)."""
    return sorted(set(os.listdir(directory)) - set(keep))


# ---------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_zarr_to_pycauset_and_back(tmp_path, dtype, shape):
    a = make_array(shape, dtype)
    _write_zarr(tmp_path / "a.zarr", a, chunks=(5, 4))
    pycauset.convert_file(tmp_path / "a.zarr", tmp_path / "a.pycauset")
    loaded = pycauset.load(tmp_path / "a.pycauset")
    assert loaded.storage == "file"
    _assert_exact(_numpy(loaded), a)
    pycauset.convert_file(tmp_path / "a.pycauset", tmp_path / "b.zarr")
    _assert_exact(_read_zarr(tmp_path / "b.zarr"), a)


@pytest.mark.parametrize("n", [1, 37, 1000])
def test_vectors_both_ways(tmp_path, dtype, n):
    a = make_array((n,), dtype)
    pycauset.save(pycauset.vector(a), tmp_path / "v.pycauset")
    pycauset.convert_file(tmp_path / "v.pycauset", tmp_path / "v.zarr", chunks=(16,))
    assert zarr.open_array(str(tmp_path / "v.zarr")).chunks == (16,)
    _assert_exact(_read_zarr(tmp_path / "v.zarr"), a)
    pycauset.convert_file(tmp_path / "v.zarr", tmp_path / "w.pycauset")
    w = pycauset.load(tmp_path / "w.pycauset")
    assert isinstance(w, pycauset.Vector)
    _assert_exact(_numpy(w), a)


@pytest.mark.parametrize("dtype_name", ["float64", "int16", "complex64", "bool"])
def test_npy_both_ways(tmp_path, dtype_name):
    a = make_array((21, 9), dtype_name)
    np.save(tmp_path / "a.npy", np.asfortranarray(a).astype(a.dtype.newbyteorder(">")))  # any layout and order
    pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.zarr", chunks=(4, 4))
    _assert_exact(_read_zarr(tmp_path / "a.zarr"), a)
    pycauset.convert_file(tmp_path / "a.zarr", tmp_path / "b.npy")
    b = np.load(tmp_path / "b.npy")
    _assert_exact(b, a)
    assert b.dtype.byteorder in "=|<" and b.flags.c_contiguous


def test_npy_bool_bytes_other_than_0_and_1_read_as_true(tmp_path):
    raw = np.resize(np.array([0, 1, 2, 255, 128, 0], np.uint8), (7, 5))
    np.save(tmp_path / "a.npy", raw.view(bool))
    pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.zarr")
    _assert_exact(_read_zarr(tmp_path / "a.zarr"), raw != 0)


def test_empty_arrays(tmp_path):
    pycauset.save(pycauset.zeros((0, 4)), tmp_path / "e.pycauset")
    pycauset.convert_file(tmp_path / "e.pycauset", tmp_path / "e.zarr")
    assert _read_zarr(tmp_path / "e.zarr").shape == (0, 4)
    pycauset.convert_file(tmp_path / "e.zarr", tmp_path / "f.pycauset")
    assert pycauset.load(tmp_path / "f.pycauset").shape == (0, 4)


def test_zarr_directory_without_the_suffix_is_recognised(tmp_path):
    a = np.arange(12.0).reshape(3, 4)
    _write_zarr(tmp_path / "store", a)
    pycauset.convert_file(tmp_path / "store", tmp_path / "a.pycauset")
    _assert_exact(_numpy(pycauset.load(tmp_path / "a.pycauset")), a)


# ---------------------------------------------------------------------------------------- streaming
@pytest.mark.parametrize("chunks", [(16, 128), (64, 128), (64, 1024)],
                         ids=["whole-chunk-rows", "within-a-chunk-row", "chunk-above-block-size"])
def test_larger_than_the_budget_streams_both_ways(tmp_path, budget, chunks):
    """An 8 MiB array under a 1 MiB budget: about one block of at most a quarter of the budget (256 KiB), or one
    chunk where a chunk is larger, is in RAM at a time, never the whole array.

    Float64 chunks of (16, 128) make a chunk row of 128 KiB, so a block is two whole chunk rows; (64, 128) make a
    chunk row of 512 KiB, so a block is four chunks of one row; a (64, 1024) chunk is 512 KiB, so a block is it.
    """
    a = np.random.default_rng(1).random((1024, 1024))
    _write_zarr(tmp_path / "a.zarr", a, chunks=chunks)
    budget(2**20)
    tracemalloc.start()  # NumPy's and zarr's buffers are traced; pycauset's spill file is not RAM
    try:
        pycauset.convert_file(tmp_path / "a.zarr", tmp_path / "a.pycauset")
        _, peak_in = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        pycauset.convert_file(tmp_path / "a.pycauset", tmp_path / "b.zarr", chunks=chunks)
        _, peak_out = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A block is read, decoded (zarr's buffers) and written: a few copies of at most 512 KiB, not 8 MiB.
    assert peak_in < 3 * 2**20, f"zarr -> pycauset traced {peak_in} bytes"
    assert peak_out < 3 * 2**20, f"pycauset -> zarr traced {peak_out} bytes"
    loaded = pycauset.load(tmp_path / "a.pycauset")
    assert loaded[1023, 1023] == a[1023, 1023]
    pycauset.set_memory_limit(None)
    _assert_exact(_numpy(loaded), a)
    _assert_exact(_read_zarr(tmp_path / "b.zarr"), a)
    assert zarr.open_array(str(tmp_path / "b.zarr")).chunks == chunks


# ---------------------------------------------------------------------------------------- atomic targets
def test_replaces_an_existing_zarr_target(tmp_path):
    _write_zarr(tmp_path / "t.zarr", np.zeros((50, 50)))
    pycauset.save(pycauset.matrix(np.ones((3, 2), np.int32)), tmp_path / "s.pycauset")
    pycauset.convert_file(tmp_path / "s.pycauset", tmp_path / "t.zarr")
    _assert_exact(_read_zarr(tmp_path / "t.zarr"), np.ones((3, 2), np.int32))
    assert _leftovers(tmp_path, ["t.zarr", "s.pycauset"]) == []


def test_refuses_to_replace_a_directory_that_is_not_a_zarr_store(tmp_path):
    (tmp_path / "data.zarr").mkdir()
    (tmp_path / "data.zarr" / "precious.txt").write_text("keep me")
    pycauset.save(pycauset.zeros((2, 2)), tmp_path / "s.pycauset")
    with pytest.raises(OSError, match="not a zarr store") as info:
        pycauset.convert_file(tmp_path / "s.pycauset", tmp_path / "data.zarr")
    assert isinstance(info.value, pycauset.PyCausetError)
    assert (tmp_path / "data.zarr" / "precious.txt").read_text() == "keep me"
    assert _leftovers(tmp_path, ["data.zarr", "s.pycauset"]) == []


def _interrupt_after(seconds):
    """Deliver a KeyboardInterrupt to this thread after `seconds`, as Ctrl-C does (via SIGALRM)."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return previous


def _interrupted_conversion_case(tmp_path, direction, rows):
    """A source of `rows` x 2048 random float64 in 64 x 64 chunks and a small previous target that an
    interrupted conversion must leave intact: (src, dst, chunks for convert_file)."""
    a = np.random.default_rng(0).random((rows, 2048))
    if direction == "to-zarr":
        pycauset.save(pycauset.matrix(a), tmp_path / "s.pycauset")
        _write_zarr(tmp_path / "t.zarr", np.full((2, 2), 7.0))
        return tmp_path / "s.pycauset", tmp_path / "t.zarr", (64, 64)
    _write_zarr(tmp_path / "s.zarr", a, chunks=(64, 64))
    pycauset.save(pycauset.matrix(np.full((2, 2), 7.0)), tmp_path / "t.pycauset")
    return tmp_path / "s.zarr", tmp_path / "t.pycauset", None


@pytest.mark.parametrize("direction", ["to-zarr", "from-zarr"])
def test_ctrl_c_leaves_the_previous_target_and_no_temporary(tmp_path, direction):
    # 32 MiB of random float64 in 1024 chunks of 32 KiB: about a second of work, interrupted after 0.05 s.
    src, dst, chunks = _interrupted_conversion_case(tmp_path, direction, rows=2048)
    before = sorted(os.listdir(tmp_path))
    previous = _interrupt_after(0.05)
    started = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            pycauset.convert_file(src, dst, chunks=chunks)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - started < 0.05 + 3.0, "the interrupt took effect late"  # room for busy machines
    assert sorted(os.listdir(tmp_path)) == before
    kept = _read_zarr(dst) if direction == "to-zarr" else _numpy(pycauset.load(dst))
    _assert_exact(kept, np.full((2, 2), 7.0))


@pytest.mark.parametrize("direction", ["to-zarr", "from-zarr"])
def test_real_ctrl_c_in_a_subprocess(tmp_path, direction):
    """SIGINT, as a terminal's Ctrl-C sends it: KeyboardInterrupt within about a second, no temporary store left
    (zarr's I/O thread must not go on writing into it), the previous target intact, and a quiet exit."""
    # 64 MiB: a few seconds of conversion, so that the signal always lands inside it, even on a fast machine.
    src, dst, chunks = _interrupted_conversion_case(tmp_path, direction, rows=4096)
    before = sorted(os.listdir(tmp_path))
    code = textwrap.dedent(f"""
        import signal
        import sys
        import pycauset
        # A test suite started as a background job inherits SIGINT ignored; a terminal's Ctrl-C would not be.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("converting", flush=True)
        try:
            pycauset.convert_file({str(src)!r}, {str(dst)!r}, chunks={chunks!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "converting"
    time.sleep(0.4)  # well inside the conversion
    child.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    assert child.stdout.readline().strip() == "interrupted"
    # One block of at most 16 MiB, then the cleanup: about a second; the bound leaves room for a busy machine.
    assert time.perf_counter() - sent < 4.0, "Ctrl-C took effect late"
    out, err = child.communicate(timeout=60)
    assert err == ""  # nothing abandoned in zarr's event loop ("Task was destroyed but it is pending!")
    assert sorted(os.listdir(tmp_path)) == before
    kept = _read_zarr(dst) if direction == "to-zarr" else _numpy(pycauset.load(dst))
    _assert_exact(kept, np.full((2, 2), 7.0))


# ---------------------------------------------------------------------------------------- progress
def test_progress_bar_on_a_non_terminal(tmp_path, capsys):
    pycauset.save(pycauset.matrix(np.ones((300, 200))), tmp_path / "s.pycauset")
    pycauset.convert_file(tmp_path / "s.pycauset", tmp_path / "t.zarr", chunks=(10, 200), progress=True)
    lines = capsys.readouterr().err.splitlines()
    # Not a terminal: one whole line per report, at most every 10 s, and always the final one.
    assert 1 <= len(lines) <= 2, lines
    assert lines[-1].startswith("convert_file 300x200 pycauset -> zarr [") and "100.0%" in lines[-1]
    assert "B/s" in lines[-1]
    pycauset.convert_file(tmp_path / "t.zarr", tmp_path / "u.pycauset", progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_global_progress_setting(tmp_path, capsys):
    """Under pycauset.progress() a quick conversion draws nothing and a long one (grown until it runs well past
    the global delay) draws its bar; progress=True draws at once."""
    from pycauset._progress import GLOBAL_DELAY

    _write_zarr(tmp_path / "s.zarr", np.ones((30, 20)))
    pycauset.convert_file(tmp_path / "s.zarr", tmp_path / "u.npy", progress=True)
    assert "convert_file 30x20 zarr -> npy" in capsys.readouterr().err
    n = 512
    with pycauset.progress():
        while True:
            # (the save would draw a bar of its own under the setting when it takes over a second)
            pycauset.save(pycauset.random.uniform((n, n), seed=1), tmp_path / "big.pycauset", progress=False)
            start = time.perf_counter()
            pycauset.convert_file(tmp_path / "big.pycauset", tmp_path / "big.zarr", chunks=(32, 32))
            took = time.perf_counter() - start
            lines = capsys.readouterr().err.splitlines()
            if took > 1.5 or n > 4096:
                break
            if took < GLOBAL_DELAY - 0.1:
                assert lines == [], (n, took, lines)
            n *= 2
    assert took > 1.5, f"even n = {n} converted in {took} s"
    assert 1 <= len(lines) <= 2 and all(line.startswith(f"convert_file {n}x{n} pycauset -> zarr [") for line in lines)
    assert "100.0%" in lines[-1]


# ---------------------------------------------------------------------------------------- bad input
def test_zarr_v2_store_is_refused(tmp_path):
    _write_zarr(tmp_path / "old.zarr", np.zeros((3, 3)), zarr_format=2)
    with pytest.raises(ValueError, match=r"zarr v2 store, but pycauset reads zarr v3.*zarr_format=3") as info:
        pycauset.convert_file(tmp_path / "old.zarr", tmp_path / "a.pycauset")
    assert isinstance(info.value, pycauset.PyCausetError)
    assert _leftovers(tmp_path, ["old.zarr"]) == []


@pytest.mark.parametrize("shape", [(2, 3, 4), ()], ids=["3-D", "0-D"])
def test_rank_other_than_1_or_2_is_refused(tmp_path, shape):
    _write_zarr(tmp_path / "a.zarr", np.zeros(shape))
    with pytest.raises(ValueError, match=rf"has rank {len(shape)} .*only 1-D vectors and 2-D matrices") as info:
        pycauset.convert_file(tmp_path / "a.zarr", tmp_path / "a.npy")
    assert isinstance(info.value, pycauset.PyCausetError)
    assert _leftovers(tmp_path, ["a.zarr"]) == []


@pytest.mark.parametrize("bad", ["float16", "U3", "datetime64[s]"])
def test_unsupported_dtype_is_refused(tmp_path, bad):
    _write_zarr(tmp_path / "a.zarr", np.zeros((2, 2), dtype=bad))
    with pytest.raises(TypeError, match="which pycauset does not hold; supported dtypes are: bool, int8") as info:
        pycauset.convert_file(tmp_path / "a.zarr", tmp_path / "a.pycauset")
    assert isinstance(info.value, pycauset.PyCausetError)


def test_unsupported_npy_dtype_to_zarr_is_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((2, 2), np.float16))
    with pytest.raises(TypeError, match="dtype 'float16'"):
        pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.zarr")
    assert _leftovers(tmp_path, ["a.npy"]) == []


def test_a_group_is_not_an_array(tmp_path):
    zarr.open_group(str(tmp_path / "g.zarr"), mode="w").create_array("x", shape=(2,), dtype="f8")
    with pytest.raises(ValueError, match="not a readable zarr v3 array.*not of a group"):
        pycauset.convert_file(tmp_path / "g.zarr", tmp_path / "a.pycauset")


@pytest.mark.parametrize("pair", [("a.zarr", "b.zarr"), ("a.zarr", "b.txt"), ("a.txt", "b.zarr")],
                         ids=lambda p: "->".join(p))
def test_unsupported_pairs(tmp_path, pair):
    _write_zarr(tmp_path / "a.zarr", np.zeros(3))
    with pytest.raises(ValueError, match="supported conversions are .* zarr v3 arrays"):
        pycauset.convert_file(tmp_path / pair[0], tmp_path / pair[1])
    assert _leftovers(tmp_path, ["a.zarr"]) == []


def test_missing_source_is_oserror(tmp_path):
    with pytest.raises(OSError, match="no zarr array") as info:
        pycauset.convert_file(tmp_path / "missing.zarr", tmp_path / "a.pycauset")
    assert info.value.errno == errno.ENOENT and isinstance(info.value, pycauset.PyCausetError)
    with pytest.raises(OSError, match="cannot read") as info:
        pycauset.convert_file(tmp_path / "missing.npy", tmp_path / "a.zarr")
    assert info.value.errno == errno.ENOENT and isinstance(info.value, pycauset.PyCausetError)
    assert _leftovers(tmp_path, []) == []


def test_chunks_only_for_a_zarr_target(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="chunks= sets the chunk shape of a zarr target"):
        pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset", chunks=(1, 1))
    with pytest.raises(ValueError, match="not a valid zarr chunk shape"):
        pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.zarr", chunks=(0, -1))
    assert _leftovers(tmp_path, ["a.npy"]) == []


def test_without_zarr_installed_the_error_names_the_extra(tmp_path):
    """Run where `import zarr` fails (as when it is not installed): an ImportError naming the extra."""
    np.save(tmp_path / "a.npy", np.zeros(3))
    code = textwrap.dedent(f"""
        import sys
        sys.modules["zarr"] = None  # what a missing package looks like to import
        import pycauset
        try:
            pycauset.convert_file({str(tmp_path / "a.npy")!r}, {str(tmp_path / "a.zarr")!r})
        except ImportError as error:
            assert isinstance(error, pycauset.PyCausetError)
            print(error)
        # Without zarr, the .npy <-> .pycauset path still works.
        pycauset.convert_file({str(tmp_path / "a.npy")!r}, {str(tmp_path / "a.pycauset")!r})
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "pip install 'pycauset[zarr]'" in out.stdout
    assert _leftovers(tmp_path, ["a.npy", "a.pycauset"]) == []


def test_target_in_a_missing_directory_is_oserror(tmp_path):
    _write_zarr(tmp_path / "a.zarr", np.zeros((2, 2)))
    for target in ("no/such/dir/a.npy", "no/such/dir/a.pycauset"):
        with pytest.raises(OSError, match="cannot write|failed: No such file") as info:
            pycauset.convert_file(tmp_path / "a.zarr", tmp_path / target)
        assert isinstance(info.value, pycauset.PyCausetError) and info.value.errno == errno.ENOENT
    np.save(tmp_path / "b.npy", np.zeros(3))
    with pytest.raises(OSError) as info:
        pycauset.convert_file(tmp_path / "b.npy", tmp_path / "no" / "b.zarr")
    assert isinstance(info.value, pycauset.PyCausetError)
    assert _leftovers(tmp_path, ["a.zarr", "b.npy"]) == []
