"""Machine and settings record attached to every benchmark result (CPU, RAM, BLAS, threads, budget), and
the byte sizes the scripts take as settings ('256M')."""
from __future__ import annotations

import ctypes
import os
import platform
import sys


def parse_bytes(text: str) -> int:
    """Bytes with an optional binary suffix K/M/G/T (case-insensitive): '256M' = 256·2^20."""
    text = text.strip()
    scale = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _cpu_model() -> str:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _cpu_flags() -> list[str]:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return sorted(f for f in ("avx2", "avx512f", "fma") if f in flags)
    return []


def _meminfo_bytes(key: str) -> int | None:
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return None


def _numpy_openblas() -> dict:
    """Ask the OpenBLAS that NumPy loaded (found in /proc/self/maps) for its core and thread count.

    NumPy wheels ship scipy-openblas with a ``scipy_`` prefix and a ``64_`` suffix; we try the known
    spellings instead of depending on threadpoolctl.
    """
    import numpy  # noqa: F401  (loads the library)

    libs = sorted({line.split()[-1] for line in (_read("/proc/self/maps") or "").splitlines()
                   if "openblas" in line and line.split()[-1].startswith("/") and "numpy" in line})
    out: dict = {"library": libs[0] if libs else None}
    if not libs:
        return out
    lib = ctypes.CDLL(libs[0])
    for suffix in ("64_", "", "_64_"):
        try:
            core = getattr(lib, f"scipy_openblas_get_corename{suffix}")
            threads = getattr(lib, f"scipy_openblas_get_num_threads{suffix}")
        except AttributeError:
            continue
        core.restype = ctypes.c_char_p
        out["core"] = core().decode()
        out["threads"] = int(threads())
        break
    return out


def _cgroup_limit() -> int | None:
    """The memory limit of the cgroup this process runs in, if any (v1 or v2)."""
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and ("memory" in parts[1].split(",") or parts[1] == ""):
            for path in (f"/sys/fs/cgroup/memory{parts[2]}/memory.limit_in_bytes",
                         f"/sys/fs/cgroup{parts[2]}/memory.max"):
                text = (_read(path) or "").strip()
                if text.isdigit() and int(text) < (1 << 60):
                    return int(text)
    return None


def machine_record(pycauset_module=None) -> dict:
    """Return a JSON-able description of this machine and the thread/memory settings in force.

    Parameters
    ----------
    pycauset_module : module, optional
        The imported ``pycauset``; when given, its BLAS core, thread count and memory budget are added.
    """
    import numpy as np

    rec = {
        "cpu_model": _cpu_model(),
        "cpu_flags": _cpu_flags(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "ram_total_bytes": _meminfo_bytes("MemTotal"),
        "ram_available_bytes": _meminfo_bytes("MemAvailable"),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "numpy_blas": _numpy_openblas(),
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                               "PYCAUSET_NUM_THREADS", "PYCAUSET_MEMORY_LIMIT",
                                               "PYCAUSET_SPILL_DIR")},
        "cgroup_memory_limit_bytes": _cgroup_limit(),
        "load_average_1_5_15": os.getloadavg(),  # other work on the machine skews every timing
    }
    if pycauset_module is not None:
        pc = pycauset_module
        core = getattr(pc, "_core", None)
        rec["pycauset"] = {
            "version": getattr(pc, "__version__", None),
            "blas_core": core.blas_core_name() if core is not None and hasattr(core, "blas_core_name") else None,
            "num_threads": pc.get_num_threads() if hasattr(pc, "get_num_threads") else None,
            "memory_limit_bytes": pc.get_memory_limit() if hasattr(pc, "get_memory_limit") else None,
            "simd_level": core.simd_level() if core is not None and hasattr(core, "simd_level") else None,
        }
    return rec


def format_machine(rec: dict) -> str:
    """One or two readable lines summarising a machine record."""
    gib = 2 ** 30
    blas = rec.get("numpy_blas", {})
    line = (f"{rec['cpu_model']} ({rec['usable_cpus']} cpus, {','.join(rec['cpu_flags'])}), "
            f"RAM {rec['ram_total_bytes'] / gib:.1f} GiB, kernel {rec['kernel']}, python {rec['python']}, "
            f"numpy {rec['numpy']} (OpenBLAS {blas.get('core')}, {blas.get('threads')} threads), "
            f"load average {rec['load_average_1_5_15'][0]:.1f}")
    if "pycauset" in rec:
        p = rec["pycauset"]
        limit = p["memory_limit_bytes"]
        line += (f"\npycauset {p['version']} (OpenBLAS {p['blas_core']}, {p['num_threads']} threads, "
                 f"budget {'none' if limit is None else f'{limit / 2**20:.0f} MiB'}, "
                 f"elementwise loops {p.get('simd_level')})")
    return line


def write_record(path, record: dict) -> None:
    """Write a benchmark's JSON record (machine record included by the caller) and say where."""
    import json
    from pathlib import Path

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, default=str))
    print(f"wrote {out}")
