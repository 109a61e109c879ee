"""pycauset.save / load / convert_file: round trips, read-only mapping, corrupt files, atomicity, .npy."""
from __future__ import annotations

import errno
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pycauset

from conftest import DTYPES, ODD_SHAPES, make_array

HEADER = 4096  # payload offset of every .pycauset file
VECTOR_LENGTHS = [1, 2, 37]


def _make(a):
    return pycauset.matrix(a) if a.ndim == 2 else pycauset.vector(a)


def _numpy(obj):
    return pycauset.to_numpy(obj, allow_huge=True)


def _assert_exact(obj, expected):
    """Saving must be lossless: same dtype, shape and bits as NumPy."""
    got = _numpy(obj)
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    np.testing.assert_array_equal(got, expected)


def _leftovers(directory, keep):
    """Files in `directory` other than `keep` (temp files of a failed save would show up here)."""
    return sorted(set(os.listdir(directory)) - set(keep))


# ---------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("shape", ODD_SHAPES, ids=str)
def test_round_trip_matrix(tmp_path, dtype, shape):
    a = make_array(shape, dtype, seed=1)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    loaded = pycauset.load(path, verify=True)
    assert isinstance(loaded, pycauset.Matrix)
    _assert_exact(loaded, a)


@pytest.mark.parametrize("n", VECTOR_LENGTHS)
def test_round_trip_vector(tmp_path, dtype, n):
    a = make_array((n,), dtype, seed=2)
    path = tmp_path / "v.pycauset"
    pycauset.save(pycauset.vector(a), path)
    loaded = pycauset.load(path, verify=True)
    assert isinstance(loaded, pycauset.Vector)
    _assert_exact(loaded, a)


@pytest.mark.parametrize(
    "view",
    [
        ("T", lambda m: m.T, lambda a: a.T),
        ("strided", lambda m: m[1:12:3, ::-2], lambda a: a[1:12:3, ::-2]),
        ("T-slice", lambda m: m.T[2:9, 1:], lambda a: a.T[2:9, 1:]),
        ("column", lambda m: m[:, 3], lambda a: a[:, 3]),
        ("row", lambda m: m[5], lambda a: a[5]),
        ("reversed-row", lambda m: m[4, ::-1], lambda a: a[4, ::-1]),
    ],
    ids=lambda v: v[0],
)
def test_round_trip_views(tmp_path, dtype, view):
    _, of_pycauset, of_numpy = view
    a = make_array((13, 11), dtype, seed=3)
    path = tmp_path / "view.pycauset"
    pycauset.save(of_pycauset(pycauset.matrix(a)), path)
    _assert_exact(pycauset.load(path, verify=True), np.ascontiguousarray(of_numpy(a)))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0,)], ids=str)
def test_round_trip_empty(tmp_path, shape):
    a = np.zeros(shape)
    path = tmp_path / "e.pycauset"
    pycauset.save(_make(a), path)
    _assert_exact(pycauset.load(path, verify=True), a)
    assert os.path.getsize(path) == HEADER


def test_save_accepts_numpy_and_pathlike(tmp_path):
    a = np.arange(10, dtype=np.int32)
    pycauset.save(a, str(tmp_path / "a.pycauset"))
    pycauset.save(a, os.fsencode(tmp_path / "b.pycauset"))
    _assert_exact(pycauset.load(tmp_path / "a.pycauset"), a)
    _assert_exact(pycauset.load(str(tmp_path / "b.pycauset")), a)


def test_payload_is_row_major_after_page_aligned_header(tmp_path):
    a = make_array((5, 9), "float64", seed=4)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a).T, path)
    raw = path.read_bytes()
    assert raw[:16] == b"\x89PYCAUSET\r\n\x1a\n\0\0\0"
    assert struct.unpack_from("<I", raw, 16)[0] == 1  # format version
    assert raw[24:31] == b"float64"
    assert struct.unpack_from("<QQQQ", raw, 48) == (9, 5, HEADER, a.nbytes)
    assert len(raw) == HEADER + a.nbytes
    np.testing.assert_array_equal(np.frombuffer(raw, "<f8", offset=HEADER).reshape(9, 5), a.T)


def test_bool_payload_is_packbits(tmp_path):
    b = make_array((7, 13), "bool", seed=5)  # 91 bits: the last byte is partial
    path = tmp_path / "b.pycauset"
    pycauset.save(pycauset.matrix(b)[::-1], path)
    payload = path.read_bytes()[HEADER:]
    assert payload == np.packbits(b[::-1].ravel()).tobytes()  # padding bits are zero


def test_file_backed_source_larger_than_budget(tmp_path, budget):
    budget(2**20)
    a = make_array((700, 300), "float64", seed=6)  # 1.6 MiB: lives in a spill file
    m = pycauset.matrix(a)
    assert m.storage == "file"
    pycauset.save(m, tmp_path / "m.pycauset")
    pycauset.save(m.T[::3], tmp_path / "t.pycauset")
    _assert_exact(pycauset.load(tmp_path / "m.pycauset", verify=True), a)
    _assert_exact(pycauset.load(tmp_path / "t.pycauset", verify=True), a.T[::3])


# ---------------------------------------------------------------------------------------- load: mapping
def test_load_maps_read_only(tmp_path):
    a = make_array((20, 30), "float32", seed=7)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    loaded = pycauset.load(path)
    assert loaded.storage == "file"
    assert loaded.path == str(path)
    assert loaded._read_only_file
    assert loaded.T.storage == "file" and loaded[2:5].path == str(path)


def test_mutation_after_load_copies_on_write(tmp_path, dtype):
    a = make_array((4, 6), dtype, seed=8)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    before = path.read_bytes()
    loaded = pycauset.load(path)
    new_value = not a[0, 0] if dtype == "bool" else a[0, 0] + 1
    loaded[0, 0] = new_value
    assert loaded[0, 0] == new_value
    assert not loaded._read_only_file
    assert path.read_bytes() == before
    expected = a.copy()
    expected[0, 0] = new_value
    _assert_exact(loaded, expected)
    _assert_exact(pycauset.load(path), a)


def test_save_onto_the_file_it_was_loaded_from(tmp_path):
    a = make_array((50, 40), "int64", seed=9)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    loaded = pycauset.load(path)
    pycauset.save(loaded.T, path)  # reads the old mapping while writing the new file
    _assert_exact(loaded, a)  # the old inode stays mapped
    _assert_exact(pycauset.load(path, verify=True), a.T)
    pycauset.save(loaded, path)
    _assert_exact(pycauset.load(path, verify=True), a)
    assert _leftovers(tmp_path, ["m.pycauset"]) == []


# ---------------------------------------------------------------------------------------- load: bad files
@pytest.fixture
def saved(tmp_path):
    a = make_array((64, 64), "float64", seed=10)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    return path


def _patch(path, offset, data):
    raw = bytearray(path.read_bytes())
    raw[offset:offset + len(data)] = data
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("offset", [24, 40, 50, 72, 100, 4000], ids=lambda o: f"byte{o}")
def test_corrupt_header_byte(saved, offset):
    raw = saved.read_bytes()
    _patch(saved, offset, bytes([raw[offset] ^ 0x10]))
    with pytest.raises(ValueError, match="corrupt.*header checksum") as info:
        pycauset.load(saved)
    assert str(saved) in str(info.value)


def _crc32c(data: bytes) -> int:
    """Bitwise CRC-32C (Castagnoli), to re-seal edited headers and reach the checks behind the checksum."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def _patch_sealed(path, offset, data):
    """Edit header bytes and recompute the header checksum, as a buggy or hostile writer would."""
    _patch(path, offset, data)
    raw = bytearray(path.read_bytes())
    raw[HEADER - 8:HEADER] = struct.pack("<Q", _crc32c(bytes(raw[:HEADER - 8])))
    path.write_bytes(bytes(raw))


def test_header_checksum_is_crc32c_of_the_page(saved):
    raw = saved.read_bytes()
    assert struct.unpack_from("<Q", raw, HEADER - 8)[0] == _crc32c(raw[:HEADER - 8])


@pytest.mark.parametrize(
    "edit, words",
    [
        ((24, b"float16\0"), "dtype 'float16'.*supported: bool"),
        ((40, struct.pack("<I", 3)), "corrupt: rank 3"),
        ((48, struct.pack("<Q", 65)), "corrupt: the payload size .* does not match"),
        ((48, struct.pack("<QQ", 2**40, 2**40)), "corrupt: impossible shape"),
        ((44, struct.pack("<I", 1)), "corrupt: the bit-packing flag"),
        ((44, struct.pack("<I", 6)), "corrupt: unknown flags"),
        ((64, struct.pack("<Q", 100)), "corrupt: payload offset"),
        ((72, struct.pack("<Q", 2**63)), "truncated"),
        ((24, b"float64\0x"), "corrupt: bytes after the dtype name 'float64' are not zero"),
    ],
    ids=["dtype", "rank", "size", "overflow", "packed-flag", "flags", "offset", "huge", "dtype-junk"],
)
def test_sealed_but_inconsistent_header(saved, edit, words):
    _patch_sealed(saved, *edit)
    with pytest.raises(ValueError, match=words) as info:
        pycauset.load(saved)
    assert str(saved) in str(info.value)


def test_truncated_payload(saved):
    raw = saved.read_bytes()
    saved.write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="truncated") as info:
        pycauset.load(saved)
    assert str(saved) in str(info.value)


def test_truncated_header(saved):
    saved.write_bytes(saved.read_bytes()[:100])
    with pytest.raises(ValueError, match="truncated"):
        pycauset.load(saved)


def test_trailing_bytes_are_corruption(saved):
    with open(saved, "ab") as f:
        f.write(b"\0" * 8)
    with pytest.raises(ValueError, match="corrupt.*after the payload"):
        pycauset.load(saved)


@pytest.mark.parametrize("content", [b"", b"hello", bytes(np.random.default_rng(0).integers(0, 256, 9000, np.uint8))],
                         ids=["empty", "text", "random"])
def test_foreign_file(tmp_path, content):
    path = tmp_path / "x.pycauset"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a pycauset file") as info:
        pycauset.load(path)
    assert str(path) in str(info.value)


def test_npy_passed_to_load(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.arange(5.0))
    with pytest.raises(ValueError, match=r"not a pycauset file.*\.npy.*convert_file"):
        pycauset.load(path)


def test_future_version(saved):
    _patch(saved, 16, struct.pack("<I", 7))
    with pytest.raises(ValueError, match="format version 7.*reads format version 1.*upgrade"):
        pycauset.load(saved)


def test_missing_file_is_oserror(tmp_path):
    with pytest.raises(OSError) as info:
        pycauset.load(tmp_path / "nope.pycauset")
    assert info.value.errno == errno.ENOENT


def test_verify_catches_flipped_payload_byte(saved):
    raw = saved.read_bytes()
    offset = HEADER + 12345
    _patch(saved, offset, bytes([raw[offset] ^ 0x01]))
    loaded = pycauset.load(saved)  # O(1) load does not read the payload
    assert loaded.shape == (64, 64)
    with pytest.raises(ValueError, match="corrupt.*payload checksum") as info:
        pycauset.load(saved, verify=True)
    assert str(saved) in str(info.value)


# ---------------------------------------------------------------------------------------- failed saves
def _save_in_child(setup: str, path) -> dict:
    """Run ``setup`` (which defines the matrix ``m`` and restricts the process) then ``pycauset.save(m, path)``
    in a child process; return {"errno", "message"} of the OSError it raised (errno None if it saved)."""
    script = textwrap.dedent(
        """
        import json, os, resource, sys
        import numpy as np, pycauset
        """
    ) + textwrap.dedent(setup) + textwrap.dedent(
        """
        try:
            pycauset.save(m, sys.argv[1])
        except OSError as e:
            print(json.dumps({"errno": e.errno, "message": str(e)}))
        else:
            print(json.dumps({"errno": None}))
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_save_over_file_size_limit_keeps_previous_file(tmp_path):
    path = tmp_path / "m.pycauset"
    previous = make_array((10, 10), "float64", seed=11)
    pycauset.save(pycauset.matrix(previous), path)
    before = path.read_bytes()
    result = _save_in_child(
        """
        m = pycauset.matrix(np.ones((256, 256)))  # 512 KiB payload, over the limit set next
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        """, path)
    assert result["errno"] == errno.EFBIG
    assert "file-size limit" in result["message"] and str(path) in result["message"]
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, ["m.pycauset"]) == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs (needs root and a working `mount`)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_save_on_full_disk(tiny_disk):
    path = tiny_disk / "m.pycauset"
    previous = make_array((8, 8), "int32", seed=12)
    pycauset.save(pycauset.matrix(previous), path)
    before = path.read_bytes()
    with pytest.raises(OSError, match="disk is full") as info:
        pycauset.save(pycauset.zeros((512, 512)), path)  # 2 MiB on a 1 MiB disk
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert _leftovers(tiny_disk, ["m.pycauset"]) == []
    _assert_exact(pycauset.load(path, verify=True), previous)


def test_save_into_missing_directory(tmp_path):
    with pytest.raises(OSError) as info:
        pycauset.save(pycauset.zeros((2, 2)), tmp_path / "missing" / "m.pycauset")
    assert info.value.errno == errno.ENOENT
    assert "missing" in str(info.value)


def test_save_onto_a_directory(tmp_path):
    with pytest.raises(OSError) as info:
        pycauset.save(pycauset.zeros((2, 2)), tmp_path)
    assert info.value.errno == errno.EISDIR


# ---------------------------------------------------------------------------------------- convert_file
def test_convert_npy_to_pycauset(tmp_path, dtype):
    a = make_array((9, 14), dtype, seed=13)
    np.save(tmp_path / "a.npy", a)
    pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset")
    _assert_exact(pycauset.load(tmp_path / "a.pycauset", verify=True), a)


def test_convert_pycauset_to_npy(tmp_path, dtype):
    a = make_array((11, 6), dtype, seed=14)
    pycauset.save(pycauset.matrix(a), tmp_path / "a.pycauset")
    pycauset.convert_file(tmp_path / "a.pycauset", tmp_path / "a.npy")
    back = np.load(tmp_path / "a.npy")
    assert back.dtype == a.dtype and back.shape == a.shape
    np.testing.assert_array_equal(back, a)
    mapped = np.load(tmp_path / "a.npy", mmap_mode="r")
    np.testing.assert_array_equal(mapped, a)
    assert mapped.offset == 4096  # page-aligned data


@pytest.mark.parametrize("n", [1, 9, 100])
def test_convert_vectors_both_ways(tmp_path, n):
    a = make_array((n,), "bool", seed=15)
    np.save(tmp_path / "a.npy", a)
    pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset")
    loaded = pycauset.load(tmp_path / "a.pycauset", verify=True)
    assert isinstance(loaded, pycauset.Vector)
    _assert_exact(loaded, a)
    pycauset.convert_file(tmp_path / "a.pycauset", tmp_path / "b.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), a)


@pytest.mark.parametrize("dtype_name", ["float64", "int16", "complex64", "uint32"])
def test_convert_fortran_order_and_big_endian(tmp_path, dtype_name):
    a = make_array((7, 12), dtype_name, seed=16)
    for name, variant in [("f", np.asfortranarray(a)), ("be", a.astype(a.dtype.newbyteorder(">"))),
                          ("fbe", np.asfortranarray(a.astype(a.dtype.newbyteorder(">"))))]:
        np.save(tmp_path / f"{name}.npy", variant)
        pycauset.convert_file(tmp_path / f"{name}.npy", tmp_path / f"{name}.pycauset")
        _assert_exact(pycauset.load(tmp_path / f"{name}.pycauset", verify=True), a)


def test_convert_npy_version_2_header(tmp_path):
    a = make_array((3, 5), "int64", seed=17)
    with open(tmp_path / "a.npy", "wb") as f:
        np.lib.format.write_array(f, a, version=(2, 0))
    pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset")
    _assert_exact(pycauset.load(tmp_path / "a.pycauset"), a)


def test_convert_larger_than_budget(tmp_path, budget):
    budget(2 * 2**20)
    src = tmp_path / "big.npy"
    big = np.lib.format.open_memmap(src, mode="w+", dtype=np.float64, shape=(1200, 700))  # 6.4 MiB
    big[:] = np.arange(big.size, dtype=np.float64).reshape(big.shape) % 1013
    big.flush()
    del big
    pycauset.convert_file(src, tmp_path / "big.pycauset")
    loaded = pycauset.load(tmp_path / "big.pycauset", verify=True)
    assert loaded.storage == "file" and loaded.shape == (1200, 700)
    pycauset.convert_file(tmp_path / "big.pycauset", tmp_path / "back.npy")
    expected = np.load(src, mmap_mode="r")
    np.testing.assert_array_equal(np.load(tmp_path / "back.npy", mmap_mode="r"), expected)
    assert loaded[1199, 699] == expected[1199, 699]


@pytest.mark.parametrize("shape", [(), (2, 3, 4)], ids=["rank0", "rank3"])
def test_convert_rejects_rank(tmp_path, shape):
    np.save(tmp_path / "a.npy", np.zeros(shape))
    with pytest.raises(ValueError, match=f"rank-{len(shape)}"):
        pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset")
    assert not (tmp_path / "a.pycauset").exists()


@pytest.mark.parametrize("bad", [np.zeros(3, np.float16), np.array(["a", "b"]), np.zeros(2, "M8[ns]")],
                         ids=["float16", "str", "datetime"])
def test_convert_rejects_dtype(tmp_path, bad):
    np.save(tmp_path / "a.npy", bad)
    with pytest.raises(TypeError, match="does not support.*supported dtypes are: bool, int8"):
        pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset")


def test_convert_rejects_object_and_structured(tmp_path):
    np.save(tmp_path / "o.npy", np.array([1, None], dtype=object), allow_pickle=True)
    with pytest.raises(TypeError, match="object"):
        pycauset.convert_file(tmp_path / "o.npy", tmp_path / "o.pycauset")
    np.save(tmp_path / "s.npy", np.zeros(2, dtype=[("x", "<f8"), ("y", "<i4")]))
    with pytest.raises(TypeError, match="structured"):
        pycauset.convert_file(tmp_path / "s.npy", tmp_path / "s.pycauset")


@pytest.mark.parametrize("pair", [("a.npy", "b.npy"), ("a.pycauset", "b.pycauset"), ("a.txt", "b.pycauset"),
                                  ("a.npy", "b.npz")], ids=lambda p: "->".join(p))
def test_convert_rejects_extension_pairs(tmp_path, pair):
    with pytest.raises(ValueError, match=r"\.npy -> \.pycauset and \.pycauset -> \.npy"):
        pycauset.convert_file(tmp_path / pair[0], tmp_path / pair[1])


def test_convert_truncated_and_foreign_npy(tmp_path):
    a = np.arange(100.0)
    np.save(tmp_path / "a.npy", a)
    raw = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(raw[:-8])
    with pytest.raises(ValueError, match="truncated"):
        pycauset.convert_file(tmp_path / "t.npy", tmp_path / "t.pycauset")
    (tmp_path / "x.npy").write_bytes(b"not numpy at all")
    with pytest.raises(ValueError, match="not a NumPy .npy file"):
        pycauset.convert_file(tmp_path / "x.npy", tmp_path / "x.pycauset")
    assert _leftovers(tmp_path, ["a.npy", "t.npy", "x.npy"]) == []


def test_convert_corrupt_container_keeps_previous_target(tmp_path):
    pycauset.save(pycauset.matrix(np.eye(4)), tmp_path / "a.pycauset")
    _patch(tmp_path / "a.pycauset", 50, b"\xff")
    np.save(tmp_path / "a.npy", np.arange(3))
    before = (tmp_path / "a.npy").read_bytes()
    with pytest.raises(ValueError, match="corrupt"):
        pycauset.convert_file(tmp_path / "a.pycauset", tmp_path / "a.npy")
    assert (tmp_path / "a.npy").read_bytes() == before


# ---------------------------------------------------------------------------------------- many tiles
def test_bool_views_over_many_tiles(tmp_path, budget):
    budget(2**20)  # tiles of a few hundred KiB: the packed payload spans several, with partial bytes
    b = make_array((3001, 1999), "bool", seed=18)
    m = pycauset.matrix(b)
    for name, view, expected in [("m", m, b), ("t", m[::-1].T, b[::-1].T), ("s", m[7:2900:3, 5:], b[7:2900:3, 5:])]:
        pycauset.save(view, tmp_path / f"{name}.pycauset")
        payload = (tmp_path / f"{name}.pycauset").read_bytes()[HEADER:]
        assert payload == np.packbits(np.ascontiguousarray(expected).ravel()).tobytes()
        pycauset.convert_file(tmp_path / f"{name}.pycauset", tmp_path / f"{name}.npy")
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.npy"), expected)
    np.save(tmp_path / "f.npy", np.asfortranarray(b))
    pycauset.convert_file(tmp_path / "f.npy", tmp_path / "f.pycauset")
    _assert_exact(pycauset.load(tmp_path / "f.pycauset", verify=True), b)


def test_long_vector_views_over_many_tiles(tmp_path, budget):
    budget(2**20)
    a = make_array((300_007,), "complex64", seed=19)  # 2.3 MiB
    v = pycauset.vector(a)
    pycauset.save(v[::-3], tmp_path / "v.pycauset")
    _assert_exact(pycauset.load(tmp_path / "v.pycauset", verify=True), a[::-3])
    m = pycauset.matrix(a[:300_000].reshape(600, 500))
    pycauset.save(m[:, 7], tmp_path / "c.pycauset")
    _assert_exact(pycauset.load(tmp_path / "c.pycauset", verify=True), a[:300_000].reshape(600, 500)[:, 7])


def test_save_evaluates_expressions(tmp_path):
    a = make_array((6, 5), "float64", seed=20)
    m = pycauset.matrix(a)
    pycauset.save(m * 2 + 1, tmp_path / "e.pycauset")
    _assert_exact(pycauset.load(tmp_path / "e.pycauset"), a * 2 + 1)


def test_save_through_a_symlink_replaces_its_target(tmp_path):
    real = tmp_path / "real.pycauset"
    link = tmp_path / "link.pycauset"
    pycauset.save(pycauset.zeros((2, 2)), real)
    link.symlink_to(real)
    a = make_array((3, 3), "int8", seed=21)
    pycauset.save(pycauset.matrix(a), link)
    assert link.is_symlink()
    _assert_exact(pycauset.load(real), a)
    assert _leftovers(tmp_path, ["real.pycauset", "link.pycauset"]) == []


def test_save_without_write_permission(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the save as another user (root itself ignores permissions)")
    directory = tmp_path / "locked"
    directory.mkdir()
    path = directory / "m.pycauset"
    pycauset.save(pycauset.vector(np.arange(6.0)), path)
    before = path.read_bytes()
    os.chmod(directory, 0o555)
    result = _save_in_child(
        """
        m = pycauset.zeros((4, 4))
        os.setgid(65534)
        os.setuid(65534)  # nobody: the directory is not writable for us
        """, path)
    assert result["errno"] == errno.EACCES
    assert "permissions" in result["message"] and str(path) in result["message"]
    assert path.read_bytes() == before
    assert _leftovers(directory, ["m.pycauset"]) == []


def test_resaving_a_loaded_file_is_byte_identical(tmp_path, dtype, budget):
    budget(2**20)  # several tiles, read from the loaded file with pread
    a = make_array((613, 401), dtype, seed=22)
    pycauset.save(pycauset.matrix(a), tmp_path / "a.pycauset")
    pycauset.save(pycauset.load(tmp_path / "a.pycauset"), tmp_path / "b.pycauset")
    assert (tmp_path / "a.pycauset").read_bytes() == (tmp_path / "b.pycauset").read_bytes()


def test_forged_shape_whose_byte_size_wraps_to_zero(saved):
    # (2**30, 2**31) float64 is 2**64 bytes, which wrapped to 0 and matched an empty payload; repr then crashed.
    saved.write_bytes(saved.read_bytes()[:HEADER])
    _patch_sealed(saved, 48, struct.pack("<QQQQQ", 2**30, 2**31, HEADER, 0, 0))
    with pytest.raises(ValueError, match=r"corrupt: impossible shape \(1073741824, 2147483648\)") as info:
        pycauset.load(saved, verify=True)
    assert str(saved) in str(info.value)


def test_convert_npy_bool_bytes_other_than_0_and_1(tmp_path):
    raw = np.resize(np.array([0, 1, 2, 255, 128, 0, 7, 64], np.uint8), (9, 33))
    np.save(tmp_path / "a.npy", raw.view(bool))
    pycauset.convert_file(tmp_path / "a.npy", tmp_path / "a.pycauset")
    np.testing.assert_array_equal(pycauset.to_numpy(pycauset.load(tmp_path / "a.pycauset"), allow_huge=True), raw != 0)


# ---------------------------------------------------------------------------------------- paths
@pytest.mark.parametrize("call", ["save", "load", "convert_src", "convert_dst"])
def test_path_with_nul_byte_raises_value_error(tmp_path, call):
    pycauset.save(np.arange(3.0), tmp_path / "a.pycauset")
    bad = str(tmp_path / "a\0b.pycauset")
    with pytest.raises(ValueError, match="NUL byte") as info:
        if call == "save":
            pycauset.save(np.arange(3.0), bad)
        elif call == "load":
            pycauset.load(bad)
        elif call == "convert_src":
            pycauset.convert_file(bad, tmp_path / "b.npy")
        else:
            pycauset.convert_file(tmp_path / "a.pycauset", bad.encode())
    assert isinstance(info.value, pycauset.PyCausetError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pycauset"]  # nothing written under a cut name


def test_non_utf8_bytes_paths_work_as_in_numpy(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.pycauset"  # Latin-1, not UTF-8: a valid POSIX file name
    a = np.arange(5, dtype=np.int16)
    pycauset.save(a, name)
    loaded = pycauset.load(name)
    _assert_exact(loaded, a)
    assert os.fsencode(loaded.path) == name
    pycauset.convert_file(name, name[:-9] + b".npy")
    np.testing.assert_array_equal(np.load(name[:-9] + b".npy"), a)
    with pytest.raises(OSError, match=r"caf\\xe9"):  # messages keep the undecodable byte visible
        pycauset.load(name + b".missing")


def test_pathlike_objects_are_accepted(tmp_path):
    class Custom:
        def __fspath__(self):
            return str(tmp_path / "c.pycauset")

    pycauset.save(np.arange(4), Custom())
    _assert_exact(pycauset.load(Custom()), np.arange(4))


def test_save_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.pycauset"
    link.symlink_to("sub/real.pycauset")  # relative, resolved from the link's directory
    (tmp_path / "sub").mkdir()
    pycauset.save(np.arange(3), link)
    assert link.is_symlink() and (tmp_path / "sub" / "real.pycauset").is_file()
    _assert_exact(pycauset.load(link), np.arange(3))


def test_save_through_a_dangling_symlink_into_a_missing_directory(tmp_path):
    link = tmp_path / "link.pycauset"
    link.symlink_to(tmp_path / "missing" / "real.pycauset")
    with pytest.raises(OSError) as info:
        pycauset.save(np.arange(3), link)
    assert info.value.errno == errno.ENOENT
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["link.pycauset"]


# ---------------------------------------------------------------------------------------- .npy strictness
def _npy_bytes(dict_text: str, payload: bytes, version=(1, 0)) -> bytes:
    """A .npy file with this header text, padded to 64 bytes as numpy.save pads (version 1.x layout)."""
    header = dict_text.encode() + b" " * ((-(10 + len(dict_text) + 1)) % 64) + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(header)) + header + payload


@pytest.mark.parametrize(
    "version, dict_text, words",
    [
        ((1, 1), "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", "version 1.1"),
        ((1, 0), "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } junk", "after the header dict"),
        ((1, 0), "{'descr': '<f8garbage', 'fortran_order': False, 'shape': (2,), }", "malformed .npy dtype descr"),
        ((1, 0), "{'descr': '<f99999999999999999999999', 'fortran_order': False, 'shape': (2,), }",
         "malformed .npy dtype descr"),
        ((1, 0), "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\v", "after the header dict"),
        ((1, 0), "{'descr': '<f8', 'fortran_order': False, 'shape': (02,), }", "leading zero"),
    ],
    ids=["version-1.1", "junk-after-dict", "descr-garbage", "itemsize-overflow", "vertical-tab", "leading-zero"],
)
def test_npy_headers_numpy_rejects_are_rejected(tmp_path, version, dict_text, words):
    src = tmp_path / "a.npy"
    src.write_bytes(_npy_bytes(dict_text, np.arange(2.0).tobytes(), version))
    with pytest.raises(ValueError, match=words) as info:
        pycauset.convert_file(src, tmp_path / "a.pycauset")
    assert str(src) in str(info.value)
    assert not (tmp_path / "a.pycauset").exists()


@pytest.mark.parametrize("alias, dtype", [("<q", "int64"), ("<d", "float64"), ("<i", "int32"), ("|?", "bool"),
                                          ("<f", "float32"), ("<D", "complex128"), ("|B", "uint8"), (">h", ">i2")])
def test_npy_descr_aliases_numpy_accepts(tmp_path, alias, dtype):
    expected = np.arange(6).reshape(2, 3).astype(dtype)
    assert np.dtype(alias) == expected.dtype  # NumPy reads the alias as this dtype
    src = tmp_path / "a.npy"
    src.write_bytes(_npy_bytes(f"{{'descr': '{alias}', 'fortran_order': False, 'shape': (2, 3), }}", expected.tobytes()))
    np.testing.assert_array_equal(np.load(src), expected)
    pycauset.convert_file(src, tmp_path / "a.pycauset")
    got = pycauset.to_numpy(pycauset.load(tmp_path / "a.pycauset"), allow_huge=True)
    assert got.dtype == expected.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, expected)


def test_next_save_sweeps_temp_files_of_killed_saves(tmp_path):
    path = tmp_path / "m.pycauset"
    dead = tmp_path / ".m.pycauset.k1lled0001.tmp"     # a killed save's leftover: nobody holds its lock
    dead.write_bytes(b"\0" * 8192)
    other = tmp_path / ".other.pycauset.k1lled0002.tmp"  # another target's: left to that target's next save
    other.write_bytes(b"\0")
    live = tmp_path / ".m.pycauset.running003.tmp"      # a save in progress elsewhere holds its lock
    live.write_bytes(b"\0")
    import fcntl
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        pycauset.save(np.arange(3), path)
    assert not dead.exists() and other.exists() and live.exists()
    assert _leftovers(tmp_path, ["m.pycauset", other.name, live.name]) == []


def test_a_killed_save_leaves_a_temp_file_the_next_save_removes(tmp_path):
    path = tmp_path / "m.pycauset"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import numpy as np, pycauset
        pycauset.save(pycauset.random.uniform((4096, 4096), seed=1), {str(path)!r})
    """)], env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    try:
        for _ in range(6000):  # until the temp file exists (at most ~60 s)
            if any(p.name.endswith(".tmp") for p in tmp_path.iterdir()) or child.poll() is not None:
                break
            import time
            time.sleep(0.01)
        child.kill()
    finally:
        child.wait()
    if path.exists():
        pytest.skip("the save finished before it could be killed")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "the killed save left no temp file"
    pycauset.save(np.arange(3), path)
    assert _leftovers(tmp_path, ["m.pycauset"]) == []


@pytest.mark.parametrize("progress", [None, True])
def test_ctrl_c_interrupts_a_long_save(tmp_path, progress):
    # A save streams tile by tile; Ctrl-C used to wait for the whole payload. Now it stops between tiles,
    # leaves no temp file and keeps the previous file. With a progress bar too: its Python code, called between
    # tiles, may be where the KeyboardInterrupt surfaces, and that unwinds the save the same way.
    script = textwrap.dedent("""
        import os, signal, sys, threading, time, pycauset
        pycauset.set_memory_limit("64M")
        m = pycauset.zeros((32768, 32768), dtype=bool)      # a 128 MiB spill file
        view = m.T[:, 1::3]                                  # gathered bit by bit: seconds of work
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (a background job)
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.monotonic()
        try:
            pycauset.save(view, sys.argv[1], progress=sys.argv[2] == "True")
            print("finished", time.monotonic() - start)
        except KeyboardInterrupt:
            print("interrupted", time.monotonic() - start)
    """)
    target = tmp_path / "m.pycauset"
    target.write_bytes(b"previous")
    out = subprocess.run([sys.executable, "-c", script, str(target), str(progress)], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path),
                                               PYCAUSET_SPILL_DIR=str(tmp_path / "spill")))
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert words[0] == "interrupted" and float(words[1]) < 0.3 + 1.0, out.stdout
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path, ["m.pycauset", "spill"]) == []
    if progress:
        assert out.stderr.startswith("save 32768x10923 bool ["), out.stderr  # the bar was being drawn


_KILLED_WRITER = textwrap.dedent("""
    import sys, numpy as np, pycauset
    mode, target = sys.argv[1], sys.argv[2]
    m = pycauset.random.uniform((2048, 2048), seed=4)                          # 32 MiB
    print("ready", flush=True)                                                # the kill comes after this
    if mode == "save":
        pycauset.save(m, target)
    else:
        pycauset.convert_file(sys.argv[3], target)
    print("done", flush=True)
""")


@pytest.mark.parametrize("mode", ["save", "convert"])
def test_sigkill_at_random_moments_leaves_old_or_complete_new_file(tmp_path, mode):
    # Crash safety: whatever moment a save or a conversion dies, the target is the old file byte for byte
    # or the complete new one, and the next save there sweeps what the dead writer left.
    import random
    import time

    target = tmp_path / "m.pycauset"
    old = make_array((16, 16), "int32", seed=30)
    pycauset.save(old, target)
    old_bytes = target.read_bytes()
    source = tmp_path / "src.npy"
    expected = np.asarray(pycauset.to_numpy(pycauset.random.uniform((2048, 2048), seed=4), allow_huge=True))
    np.save(source, expected)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYCAUSET_SPILL_DIR=str(tmp_path / "spill"))
    rng = random.Random(31)
    outcomes = {"old": 0, "new": 0}
    for _ in range(8):
        child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, mode, str(target), str(source)], env=env,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))                  # a write takes about 0.1 s here
        child.kill()
        child.communicate()
        if target.read_bytes() == old_bytes:
            outcomes["old"] += 1
        else:
            np.testing.assert_array_equal(pycauset.to_numpy(pycauset.load(target, verify=True), allow_huge=True),
                                          expected)
            outcomes["new"] += 1
            pycauset.save(old, target)                      # back to the old file for the next round
            old_bytes = target.read_bytes()
    assert outcomes["old"] + outcomes["new"] == 8, outcomes
    # Each writer's first save there removed its dead predecessors' temp files; a fresh process does too.
    done = subprocess.run([sys.executable, "-c", "import sys, pycauset; pycauset.save([1, 2], sys.argv[1])",
                           str(target)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _leftovers(tmp_path, ["m.pycauset", "src.npy", "spill"]) == []


def test_a_pending_file_of_a_dead_writer_is_swept_and_a_live_ones_kept(tmp_path):
    # A save creates `.<name>.<random>.<pid>.new`, locks it and renames it to its `.tmp` name; a kill in
    # between left the empty pending file forever (the sweep only knew `.tmp` names, and the lock cannot
    # tell a dead writer from one about to take it).
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".m.pycauset.abcdefghij.{dead_pid}.new").touch()
    (tmp_path / f".m.pycauset.klmnopqrst.{os.getpid()}.new").touch()   # a writer of this live process
    (tmp_path / f".other.pycauset.abcdefghij.{dead_pid}.new").touch()  # another target's: not this sweep's
    pycauset.save(pycauset.matrix(np.eye(2)), tmp_path / "m.pycauset")
    assert _leftovers(tmp_path, ["m.pycauset"]) == sorted(
        [f".m.pycauset.klmnopqrst.{os.getpid()}.new", f".other.pycauset.abcdefghij.{dead_pid}.new"])
