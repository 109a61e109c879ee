"""Build the C++ unit tests (tests/cpp) with AddressSanitizer + UBSan and run each executable via ctest.

One pytest test per C++ test executable. The build needs a C++ compiler, CMake, Ninja, OpenBLAS headers
(scipy-openblas32) and TBB headers (tbb-devel): the ``test`` extra installs all but the compiler. The
build directory is kept between runs (``build/cpp-tests`` in the checkout, which git ignores) so a rerun
rebuilds only what changed; set ``PYCAUSET_CPP_BUILD_DIR`` to choose another place.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CPP_TESTS = sorted(REPO.glob("tests/cpp/*/test_*.cpp"))

pytestmark = pytest.mark.slow


def _executable_name(source: Path) -> str:
    """The CMake target for a test source: <layer>_<file stem> (see PYCAUSET_BUILD_TESTS in CMakeLists.txt)."""
    return f"{source.parent.name}_{source.stem}"


def _find_tool(name: str, module: str) -> str | None:
    """Locate ``cmake``/``ninja``: next to this Python (a venv's bin), on PATH, or in the pip package."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    try:
        package = __import__(module)
    except ImportError:
        return None
    bin_dir = getattr(package, "CMAKE_BIN_DIR", None) or getattr(package, "BIN_DIR", None)
    candidate = Path(bin_dir or "") / name
    return str(candidate) if candidate.exists() else None


def _find_compiler() -> str | None:
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.splitlines()[-lines:])


class _Build:
    """Outcome of configuring and building the C++ tests once per pytest session."""

    def __init__(self, directory: Path, ok: bool, log: str):
        self.directory = directory
        self.ok = ok
        self.log = log


@pytest.fixture(scope="session")
def cpp_build() -> _Build:
    compiler = _find_compiler()
    if compiler is None:
        pytest.skip("no C++ compiler found (set CXX or install g++/clang++): C++ unit tests not built")
    cmake = _find_tool("cmake", "cmake")
    ninja = _find_tool("ninja", "ninja")
    missing = [tool for tool, path in (("cmake", cmake), ("ninja", ninja)) if path is None]
    assert not missing, f"{', '.join(missing)} not found: install the test extra (pip install '.[test]')"

    # Inside the checkout's ignored build/ folder: a rerun rebuilds only what changed, and nothing is left
    # behind in the system temp dir (the sanitizer build is several hundred MiB).
    default = REPO / "build" / "cpp-tests"
    directory = Path(os.environ.get("PYCAUSET_CPP_BUILD_DIR", default))
    env = _clean_env()
    configure = [
        cmake, "-S", str(REPO), "-B", str(directory), "-G", "Ninja",
        f"-DCMAKE_MAKE_PROGRAM={ninja}", f"-DCMAKE_CXX_COMPILER={compiler}",
        "-DPYCAUSET_BUILD_TESTS=ON", "-DPYCAUSET_BUILD_MODULE=OFF", "-DPYCAUSET_SANITIZE=ON",
        "-DCMAKE_BUILD_TYPE=Debug", f"-DPython_EXECUTABLE={sys.executable}",
    ]
    log = []
    for command in (configure, [cmake, "--build", str(directory), "-j", "2"]):
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
        log.append(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}")
        if result.returncode != 0:
            return _Build(directory, False, "\n".join(log))
    return _Build(directory, True, "\n".join(log))


def _clean_env() -> dict:
    """Environment for building and running: sanitizers strict, nothing preloaded ahead of ASan."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env["ASAN_OPTIONS"] = "detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    # Keep the tests' own thread pools small: two cores are shared with everything else.
    env.setdefault("OMP_NUM_THREADS", "2")
    env.setdefault("OPENBLAS_NUM_THREADS", "2")
    return env


def test_every_cpp_test_source_is_collected():
    assert CPP_TESTS, f"no C++ tests under {REPO / 'tests/cpp'}"


@pytest.mark.parametrize("source", CPP_TESTS, ids=[_executable_name(s) for s in CPP_TESTS])
def test_cpp_unit(cpp_build: _Build, source: Path):
    assert cpp_build.ok, "building the C++ unit tests failed:\n" + _tail(cpp_build.log, 120)
    name = _executable_name(source)
    ctest = Path(_find_tool("cmake", "cmake")).with_name("ctest")
    ctest_cmd = str(ctest) if ctest.exists() else (shutil.which("ctest") or "ctest")
    result = subprocess.run(
        [ctest_cmd, "-R", f"^{name}$", "--output-on-failure", "--timeout", "300"],
        cwd=cpp_build.directory, env=_clean_env(), capture_output=True, text=True, timeout=600,
    )
    output = result.stdout + result.stderr
    assert "No tests were found" not in output, f"ctest does not know {name}; rerun to reconfigure:\n{output}"
    assert result.returncode == 0, f"C++ unit test {name} failed:\n{_tail(output, 150)}"
