"""Fuzzing the file readers: mutated .pycauset and .npy files, each read in a child process.

Every mutated file must give correct data or a clean ValueError / TypeError / OSError; a crash, a hang or
any other exception fails the test. ``PYCAUSET_FUZZ_CASES`` sets the number of cases per reader (default a
few hundred, enough for every kind of mutation and dtype); ``PYCAUSET_FUZZ_SEED`` reproduces a run.
"""
from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pycauset

from conftest import DTYPES, make_array

HEADER = 4096
CASES = int(os.environ.get("PYCAUSET_FUZZ_CASES", "300"))
SEED = int(os.environ.get("PYCAUSET_FUZZ_SEED", "20261207"))
# Container header fields (offset, size), see storage/container.hpp; truncations hit each boundary.
FIELDS = [(16, 4), (20, 4), (24, 16), (40, 4), (44, 4), (48, 8), (56, 8), (64, 8), (72, 8), (80, 8), (88, 4)]
INTERESTING_U64 = [0, 1, 7, 8, 63, 4096, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**61, 2**62, 2**63 - 1, 2**63,
                   2**64 - 1]


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def _reseal(raw: bytearray) -> None:
    """Recompute the header checksum, as a buggy or hostile writer would, to reach the checks behind it."""
    if len(raw) >= HEADER:
        raw[HEADER - 8:HEADER] = struct.pack("<Q", _crc32c(bytes(raw[:HEADER - 8])))


def _mutate_container(raw: bytes, rng: random.Random) -> tuple[str, bytes]:
    data = bytearray(raw)
    kind = rng.choice(["flip-header", "flip-header-sealed", "forge-field", "truncate", "flip-payload", "magic",
                       "version", "append"])
    if kind.startswith("flip-header"):
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(HEADER - 8)] ^= 1 << rng.randrange(8)
        if kind.endswith("sealed"):
            _reseal(data)
    elif kind == "forge-field":
        offset, size = rng.choice(FIELDS)
        value = rng.choice(INTERESTING_U64) if rng.random() < 0.7 else rng.getrandbits(64)
        data[offset:offset + size] = (value % (1 << (8 * size))).to_bytes(size, "little")
        if rng.random() < 0.5 and offset in (48, 56):  # a consistent-looking payload size for the forged shape
            data[72:80] = struct.pack("<Q", rng.choice(INTERESTING_U64))
        _reseal(data)
    elif kind == "truncate":
        cut = rng.choice([0, 8, 15, 16, 19, 20, 24, 40, 48, 64, 80, 92, HEADER - 8, HEADER - 1, HEADER, HEADER + 1,
                          len(data) - 1])
        del data[min(cut, len(data)):]
    elif kind == "flip-payload" and len(data) > HEADER:
        data[rng.randrange(HEADER, len(data))] ^= 1 << rng.randrange(8)
    elif kind == "magic":
        data[rng.randrange(16)] ^= 0xFF
    elif kind == "version":
        data[16:20] = struct.pack("<I", rng.choice([0, 2, 3, 255, 2**32 - 1]))
        _reseal(data)
    else:
        data += bytes(rng.randrange(1, 9000))
    return kind, bytes(data)


NPY_DESCRS = ["<f8", "<f8garbage", "<f99999999999999999999", "<q", "|?", "<U3", "|O", "<M8[ns]", "<c32", "", "<",
              "<i0", ">f4", "|b1", "<f2", "[('a', '<f8')]", "<V8"]


def _npy(dict_text: str, payload: bytes, version=(1, 0)) -> bytes:
    header = dict_text.encode("latin-1") + b" " * ((-(10 + len(dict_text) + 1)) % 64) + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(header) % 65536) + header + payload


def _mutate_npy(array: np.ndarray, rng: random.Random) -> tuple[str, bytes]:
    descr = array.dtype.str
    shape = str(array.shape)
    order = "False"
    payload = array.tobytes()
    kind = rng.choice(["descr", "shape", "order", "junk", "version", "truncate", "flip", "length"])
    version = (1, 0)
    if kind == "descr":
        descr = rng.choice(NPY_DESCRS)
    elif kind == "shape":
        shape = rng.choice(["(2**64,)", "(18446744073709551615, 2)", "(4611686018427387904, 4)", "()", "(3, 4, 5)",
                            "(-1,)", "(1,", "(99999999999999999999999,)", f"({array.size * 2},)", "(0,)",
                            f"({rng.getrandbits(40)}, {rng.getrandbits(40)})"])
    elif kind == "order":
        order = rng.choice(["True", "Maybe", "1", "'False'"])
    elif kind == "version":
        version = rng.choice([(1, 1), (2, 1), (0, 0), (4, 0), (255, 255)])
    text = f"{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}"
    if kind == "junk":
        text += rng.choice([" junk", "}", "{}", "\0", " 1"])
    data = bytearray(_npy(text, payload, version))
    if kind == "truncate":
        del data[rng.randrange(len(data)):]
    elif kind == "flip":
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(min(len(data), 128))] ^= 1 << rng.randrange(8)
    elif kind == "length":
        data[8:10] = struct.pack("<H", rng.choice([0, 1, 65535, len(data)]))
    return kind, bytes(data)


# The child reads every file, printing "start" before and one JSON outcome after each, so a crash
# names the file it died on.
_READER = textwrap.dedent("""
    import json, sys, numpy as np, pycauset
    pycauset.set_memory_limit("64M")
    for line in sys.stdin:
        path, mode = line.split()
        print("start", path, flush=True)
        try:
            if mode == "load":
                obj = pycauset.load(path, verify=True)
            else:
                out = path + ".pycauset"
                pycauset.convert_file(path, out)
                obj = pycauset.load(out, verify=True)
            repr(obj)
            got = pycauset.to_numpy(obj, allow_huge=True)
            outcome = {"ok": True, "shape": list(got.shape), "dtype": str(got.dtype)}
        except (ValueError, TypeError, OSError) as error:
            clean = isinstance(error, pycauset.PyCausetError)
            outcome = {"error": type(error).__name__, "clean": clean, "message": str(error)[:200]}
        except BaseException as error:  # anything else is a defect
            outcome = {"error": type(error).__name__, "clean": False, "message": str(error)[:200]}
        print(json.dumps(outcome), flush=True)
""")


def _read_all(paths: list[str], mode: str) -> dict[str, dict]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-c", _READER], input="".join(f"{p} {mode}\n" for p in paths),
                         capture_output=True, text=True, env=env, timeout=600)
    outcomes, current = {}, None
    for line in run.stdout.splitlines():
        if line.startswith("start "):
            current = line.split(" ", 1)[1]
        else:
            outcomes[current] = json.loads(line)
    if run.returncode != 0:
        pytest.fail(f"the reader died (exit {run.returncode}) on {current}: {run.stderr[-2000:]}")
    return outcomes


def _check(outcomes: dict[str, dict], kinds: dict[str, str]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for path, outcome in outcomes.items():
        key = "ok" if outcome.get("ok") else outcome["error"]
        tally[key] = tally.get(key, 0) + 1
        assert outcome.get("ok") or outcome["clean"], f"{kinds[path]} mutation of {path}: {outcome}"
    return tally


def test_mutated_containers_load_or_raise_cleanly(tmp_path):
    rng = random.Random(SEED)
    sources = []
    for dtype in DTYPES:
        for shape in [(5, 7), (9,), (1, 64)]:
            path = tmp_path / f"src-{dtype}-{len(shape)}-{shape[-1]}.pycauset"
            pycauset.save(make_array(shape, dtype, seed=3), path)
            sources.append(path.read_bytes())
    paths, kinds = [], {}
    for case in range(CASES):
        kind, data = _mutate_container(rng.choice(sources), rng)
        path = str(tmp_path / f"case-{case}.pycauset")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
        kinds[path] = kind
    outcomes = _read_all(paths, "load")
    assert len(outcomes) == CASES
    tally = _check(outcomes, kinds)
    # A flipped payload byte never passes verify=True.
    for path, outcome in outcomes.items():
        if kinds[path] == "flip-payload":
            assert not outcome.get("ok"), f"{path}: a flipped payload byte loaded with verify=True"
    assert tally.get("PyCausetValueError", 0) > CASES // 2, tally


def test_mutated_npy_files_convert_or_raise_cleanly(tmp_path):
    rng = random.Random(SEED + 1)
    arrays = [make_array((4, 6), d, seed=5) for d in DTYPES] + [make_array(10, "float64", seed=6)]
    paths, kinds = [], {}
    for case in range(CASES):
        kind, data = _mutate_npy(rng.choice(arrays), rng)
        path = str(tmp_path / f"case-{case}.npy")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
        kinds[path] = kind
    outcomes = _read_all(paths, "convert")
    assert len(outcomes) == CASES
    _check(outcomes, kinds)
    # What NumPy itself reads and pycauset accepts must be the same data.
    for path, outcome in outcomes.items():
        if not outcome.get("ok"):
            continue
        try:
            expected = np.load(path, allow_pickle=False)
        except Exception:  # noqa: BLE001 - NumPy rejecting a file pycauset reads is reported below
            pytest.fail(f"{kinds[path]} mutation of {path}: pycauset read a file NumPy rejects ({outcome})")
        got = pycauset.to_numpy(pycauset.load(path + ".pycauset"), allow_huge=True)
        np.testing.assert_array_equal(got, expected.astype(got.dtype), err_msg=path)
