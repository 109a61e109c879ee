"""Load the compiled core: choose OpenBLAS's fast kernel, preload OpenBLAS and TBB, import ``_core``."""
from __future__ import annotations

import ctypes
import glob
import os

# OpenBLAS names whose DGEMM uses AVX-512 kernels.
_AVX512_CORES = ("skylakex", "cooperlake", "sapphirerapids")


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _avx512_usable() -> bool:
    # The kernel lists avx512* only when it saves the ZMM state, so the flags imply OS support too.
    return {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= _cpu_flags()


def _preload_shared_libraries() -> None:
    """Load OpenBLAS and TBB by absolute path so the module finds them in any install layout."""
    try:
        import scipy_openblas32

        for lib in glob.glob(os.path.join(scipy_openblas32.get_lib_dir(), "libscipy_openblas*.so")):
            ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    except ImportError:
        pass  # the RPATH of _core still points at the install-time location
    try:
        from importlib import metadata

        for file in metadata.distribution("tbb").files or ():
            if str(file).endswith("libtbb.so.12"):
                ctypes.CDLL(str(file.locate()), mode=ctypes.RTLD_GLOBAL)
                break
    except Exception:  # noqa: BLE001 - metadata lookups vary by installer; RPATH is the fallback
        pass


def load_core():
    """Import and return ``pycauset._core``.

    OpenBLAS picks its kernels when it loads. Some virtual machines hide CPU details and it then falls
    back to a slow generic core ('Prescott'); when the CPU reports AVX-512 and the user has not chosen a
    core, ``OPENBLAS_CORETYPE=SkylakeX`` is set for the load only (and removed again so that child
    processes and other libraries see the environment unchanged).
    """
    chose_core = "OPENBLAS_CORETYPE" not in os.environ and _avx512_usable()
    if chose_core:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    try:
        _preload_shared_libraries()
        from . import _core
    except ImportError as error:
        raise ImportError(
            f"pycauset's compiled core could not be loaded ({error}). Build and install it from the source "
            "tree with `pip install .` (needs a C++17 compiler; OpenBLAS and TBB come from PyPI)."
        ) from error
    finally:
        if chose_core:
            del os.environ["OPENBLAS_CORETYPE"]
    return _core


def blas_uses_avx512(core_name: str) -> bool:
    """Return whether an OpenBLAS core name is one of the AVX-512 families."""
    return core_name.lower() in _AVX512_CORES
