"""Process-wide settings: memory budget, threads, BLAS kernel, memory_info."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import pycauset


def _run(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_memory_limit_round_trip_and_suffixes(budget):
    budget(64 * 2**20)
    assert pycauset.get_memory_limit() == 64 * 2**20
    budget("3G")
    assert pycauset.get_memory_limit() == 3 * 2**30
    budget("2m")
    assert pycauset.get_memory_limit() == 2 * 2**20


def test_budget_below_minimum_names_it(budget):
    with pytest.raises(ValueError, match="minimum budget of 1 MiB"):
        pycauset.set_memory_limit(2**20 - 1)
    with pytest.raises(ValueError, match="minimum budget of 1 MiB"):
        pycauset.set_memory_limit("512K")
    with pytest.raises(ValueError, match="cannot parse"):
        pycauset.set_memory_limit("lots")


def test_default_budget_comes_from_available_memory(budget):
    budget(None)
    info = pycauset.memory_info()
    with open("/proc/meminfo") as meminfo:
        available = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable"))
    assert 2**20 <= info["budget"] <= available
    assert info["budget"] == info["default_budget"]


def test_environment_variable_sets_the_budget():
    result = _run("import pycauset; print(pycauset.get_memory_limit())", PYCAUSET_MEMORY_LIMIT="64M")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 64 * 2**20
    bad = _run("import pycauset", PYCAUSET_MEMORY_LIMIT="64 apples")
    assert bad.returncode != 0 and "cannot parse PYCAUSET_MEMORY_LIMIT '64 apples'" in bad.stderr


def test_threads_setting_and_environment():
    before = pycauset.get_num_threads()
    try:
        pycauset.set_num_threads(1)
        assert pycauset.get_num_threads() == 1
        with pytest.raises(ValueError, match="at least 1"):
            pycauset.set_num_threads(0)
    finally:
        pycauset.set_num_threads(before)
    result = _run("import pycauset; print(pycauset.get_num_threads())", PYCAUSET_NUM_THREADS="3")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 3


def test_blas_runs_avx512_kernels_when_the_cpu_has_them():
    info = pycauset.blas_info()
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line for line in cpuinfo if line.startswith("flags")), "")
    if "avx512f" not in flags.split():
        pytest.skip("this CPU has no AVX-512")
    assert info["avx512"], f"OpenBLAS chose core {info['core']!r} on an AVX-512 CPU"
    # The loader's choice is for OpenBLAS only; it does not leak into the environment of child processes.
    if "OPENBLAS_CORETYPE" not in os.environ:
        assert _run("import pycauset, os; print(os.environ.get('OPENBLAS_CORETYPE'))").stdout.strip() == "None"


def test_memory_info_accounts_payload_bytes(budget):
    budget(8 * 2**20)
    base = pycauset.memory_info()
    keys = {"budget", "ram_bytes", "file_bytes", "spills"}
    assert keys <= set(base)
    ram = pycauset.zeros((100, 100))  # 80,000 bytes in RAM
    bits = pycauset.zeros((100, 100), dtype=bool)  # 1,250 bytes packed
    big = pycauset.zeros((1200, 1200))  # 11.5 MB > budget: file
    info = pycauset.memory_info()
    assert info["ram_bytes"] - base["ram_bytes"] == 80_000 + 1_250
    assert info["file_bytes"] - base["file_bytes"] == 1200 * 1200 * 8
    assert big.storage == "file" and ram.storage == "ram" and bits.storage == "ram"
    del ram, bits, big
    after = pycauset.memory_info()
    assert (after["ram_bytes"], after["file_bytes"]) == (base["ram_bytes"], base["file_bytes"])


def test_least_recently_used_objects_spill_and_keep_their_values(budget):
    budget(4 * 2**20)
    first = pycauset.random.uniform((600, 600), seed=1)  # 2.9 MB: fits
    expected = pycauset.to_numpy(first)
    assert first.storage == "ram"
    spills = pycauset.memory_info()["spills"]
    second = pycauset.random.uniform((600, 600), seed=2)  # needs room: the older one spills
    assert second.storage == "ram" and first.storage == "file"
    assert pycauset.memory_info()["spills"] == spills + 1
    np.testing.assert_array_equal(pycauset.to_numpy(first, allow_huge=True), expected)


def test_exported_objects_are_not_spilled(budget):
    budget(4 * 2**20)
    first = pycauset.random.uniform((600, 600), seed=1)
    pinned = np.asarray(first)  # a zero-copy NumPy view pins the RAM buffer
    second = pycauset.random.uniform((600, 600), seed=2)
    assert first.storage == "ram" and second.storage == "file"
    assert pinned[0, 0] == first[0, 0]


def test_recycled_ram_is_zeroed_for_zeros_and_stays_within_the_budget(budget):
    budget(64 * 2**20)
    noise = pycauset.random.uniform((1000, 1000), seed=3)  # 8 MB of nonzero values
    del noise  # its mapping is kept for reuse
    assert pycauset.memory_info()["recycled_bytes"] >= 8_000_000
    fresh = pycauset.zeros((1000, 1000))
    assert not pycauset.to_numpy(fresh).any()
    bits = pycauset.vector(np.ones(8_000_003, dtype=bool))
    del bits
    packed = pycauset.vector(np.ones(9, dtype=bool)).packbits()
    np.testing.assert_array_equal(np.asarray(packed), np.packbits(np.ones(9, dtype=bool)))
    budget(2**20)  # lowering the budget drops recycled mappings that no longer fit
    info = pycauset.memory_info()
    assert info["ram_bytes"] + info["scratch_bytes"] + info["recycled_bytes"] <= info["budget"]


@pytest.mark.parametrize("value", ["four", "0", "4x", "-2", "1e3"])
def test_invalid_num_threads_variable_raises_naming_it(value):
    # atoi() took "4x" as 4 and the rest as "not set": a typo silently ran on every core.
    result = _run("""
try:
    import pycauset   # raises at import
    pycauset.get_num_threads()
except ValueError as error:
    assert type(error).__name__ == "PyCausetValueError"
    print("ValueError:", error)
""", PYCAUSET_NUM_THREADS=value)
    assert result.returncode == 0, result.stderr
    assert f"ValueError: PYCAUSET_NUM_THREADS='{value}' is not a positive whole number" in result.stdout
