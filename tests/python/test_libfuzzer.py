"""libFuzzer on the C++ readers: the .pycauset container header and the .npy header, under ASan + UBSan.

Builds ``tests/fuzz/fuzz_container.cpp`` and ``tests/fuzz/fuzz_npy.cpp`` with clang (CMake option
``PYCAUSET_BUILD_FUZZERS``), seeds each with small valid files written here, and runs both at once for a
bounded time (``PYCAUSET_LIBFUZZER_SECONDS``, default 20 s each). A crash, a sanitizer report, an uncaught
exception or a broken reader promise fails the test and leaves the input in the artifact directory named in
the message. Skipped, saying why, when clang++ with libFuzzer is not installed (Debian: ``apt-get install
clang``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pycauset

from test_cpp_units import _clean_env, _find_tool, _tail

REPO = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("PYCAUSET_LIBFUZZER_SECONDS", "20"))
READERS = ("container", "npy")

pytestmark = pytest.mark.slow


def _libfuzzer_clang(work: Path) -> str | None:
    """Return clang++ if it links a libFuzzer program here, else None."""
    clang = shutil.which(os.environ.get("PYCAUSET_FUZZ_CXX", "clang++"))
    if clang is None:
        return None
    probe = work / "probe.cpp"
    probe.write_text('#include <cstdint>\n#include <cstddef>\n'
                     'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }\n')
    result = subprocess.run([clang, "-fsanitize=fuzzer,address,undefined", str(probe), "-o", str(work / "probe")],
                            capture_output=True, text=True)
    return clang if result.returncode == 0 else None


@pytest.fixture(scope="module")
def fuzzers() -> Path:
    build = REPO / "build" / "fuzz"  # in the checkout's ignored build/ folder: nothing left in the temp dir
    build.mkdir(parents=True, exist_ok=True)
    clang = _libfuzzer_clang(build)
    if clang is None:
        pytest.skip("clang++ with libFuzzer (-fsanitize=fuzzer) is not installed: the libFuzzer harnesses of the "
                    "readers were not built (Debian: apt-get install clang)")
    cmake, ninja = _find_tool("cmake", "cmake"), _find_tool("ninja", "ninja")
    assert cmake and ninja, "cmake or ninja not found: install the test extra (pip install '.[test]')"
    clang_c = shutil.which("clang") or clang
    commands = [
        [cmake, "-S", str(REPO), "-B", str(build), "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}",
         f"-DCMAKE_CXX_COMPILER={clang}", f"-DCMAKE_C_COMPILER={clang_c}", "-DCMAKE_BUILD_TYPE=Debug",
         "-DPYCAUSET_BUILD_MODULE=OFF", "-DPYCAUSET_BUILD_FUZZERS=ON", f"-DPython_EXECUTABLE={sys.executable}"],
        [cmake, "--build", str(build), "-j", "2", "--target", *[f"fuzz_{reader}" for reader in READERS]],
    ]
    for command in commands:
        result = subprocess.run(command, cwd=REPO, env=_clean_env(), capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"building the fuzzers failed:\n$ {' '.join(command)}\n" + _tail(
            result.stdout + result.stderr, 100)
    return build


def _write_seeds(reader: str, directory: Path) -> None:
    """Small valid files of several dtypes, shapes and layouts: the fuzzer mutates from these."""
    directory.mkdir(parents=True)
    rng = np.random.default_rng(7)
    arrays = [np.arange(12.0).reshape(3, 4), rng.random(5) < 0.5, (rng.random((2, 3)) < 0.5),
              np.arange(7, dtype=np.int8), np.ones((2, 2), np.complex64), np.zeros((0, 3), np.uint16)]
    for i, array in enumerate(arrays):
        if reader == "container":
            obj = pycauset.matrix(array) if array.ndim == 2 else pycauset.vector(array)
            pycauset.save(obj, directory / f"seed{i}.pycauset")
        else:
            np.save(directory / f"seed{i}.npy", array)
    if reader == "npy":  # the other header versions and layouts
        with open(directory / "v2.npy", "wb") as f:
            np.lib.format.write_array(f, np.arange(6.0).reshape(2, 3), version=(2, 0))
        with open(directory / "v3.npy", "wb") as f:
            np.lib.format.write_array(f, np.arange(3, dtype=">i4"), version=(3, 0))
        np.save(directory / "fortran.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))


def test_readers_survive_libfuzzer(fuzzers: Path, tmp_path: Path):
    runs = {}
    for reader in READERS:
        corpus, artifacts = tmp_path / f"corpus-{reader}", tmp_path / f"crashes-{reader}"
        _write_seeds(reader, corpus)
        artifacts.mkdir()
        command = [str(fuzzers / f"fuzz_{reader}"), str(corpus), f"-max_total_time={SECONDS}", "-timeout=10",
                   "-rss_limit_mb=2048", "-print_final_stats=1", f"-artifact_prefix={artifacts}/"]
        runs[reader] = (subprocess.Popen(command, env=_clean_env(), stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True), artifacts)
    for reader, (process, artifacts) in runs.items():
        output, _ = process.communicate(timeout=SECONDS + 300)
        found = sorted(p.name for p in artifacts.iterdir())
        assert process.returncode == 0 and not found, (
            f"libFuzzer found a failing input of the {reader} reader ({found}, in {artifacts}):\n" + _tail(output, 80))
        executions = [line for line in output.splitlines() if "stat::number_of_executed_units" in line]
        assert executions, f"the {reader} fuzzer printed no statistics:\n" + _tail(output, 40)
        print(f"{reader}: {executions[0].split(':')[-1].strip()} inputs in {SECONDS} s")
