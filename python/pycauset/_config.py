"""Process-wide settings: memory budget, threads, export limit, and what the BLAS is."""
from __future__ import annotations


from ._dtypes import _core, as_int
from ._loader import blas_uses_avx512

__all__ = [
    "set_memory_limit", "get_memory_limit", "memory_info", "set_num_threads", "get_num_threads",
    "set_export_max_bytes", "get_export_max_bytes", "blas_info",
]


def set_memory_limit(limit):
    """Set the memory budget in bytes (int, or a string with a binary suffix such as ``"64M"``).

    ``None`` restores the default: half of the available memory (MemAvailable and any cgroup limit).
    RAM-resident objects beyond the new budget are spilled to files, least recently used first.

    Raises
    ------
    ValueError
        If the budget is below the 1 MiB minimum, or the string cannot be parsed.
    """
    if limit is None:
        _core.set_memory_limit(None)
        return
    if isinstance(limit, str):
        limit = _core.parse_byte_count(limit)
    limit = as_int(limit, "set_memory_limit: the limit (bytes, a string such as '64M', or None)")
    if limit < 2**20:
        raise _core.PyCausetValueError(
            f"memory limit of {limit} bytes is below the minimum budget of 1 MiB (1048576 bytes)")
    _core.set_memory_limit(limit)


def get_memory_limit() -> int:
    """Return the memory budget in bytes."""
    return _core.get_memory_limit()


def memory_info() -> dict:
    """Return the governor's accounting.

    Keys: ``budget``, ``ram_bytes`` and ``file_bytes`` (payload bytes of live objects as stored, bool
    packed), ``spills`` (spill events so far), ``scratch_bytes`` (tile buffers held), ``ram_objects``,
    ``file_objects``, ``default_budget`` and ``spill_dir``.
    """
    return dict(_core.memory_info())


def set_num_threads(n: int) -> None:
    """Set the threads used by pycauset's loops and by the BLAS it calls (one setting for both).

    Raises
    ------
    ValueError
        If ``n`` is below 1.
    """
    _core.set_num_threads(as_int(n, "set_num_threads: n"))


def get_num_threads() -> int:
    """Return the thread setting.

    The default comes from ``PYCAUSET_NUM_THREADS``, else ``OMP_NUM_THREADS``, else ``OPENBLAS_NUM_THREADS``,
    else the usable cores (affinity mask). A variable that is set but not a positive whole number raises
    ``ValueError`` naming it, at import.
    """
    return _core.get_num_threads()


def set_export_max_bytes(n) -> None:
    """Limit exports to NumPy (``np.asarray``, ``np.array``, ``to_numpy``) to ``n`` bytes; ``None`` removes it."""
    _core.set_export_max_bytes(None if n is None else as_int(n, "set_export_max_bytes: n"))


def get_export_max_bytes():
    """Return the export limit in bytes, or ``None``."""
    return _core.get_export_max_bytes()


def blas_info() -> dict:
    """Describe the BLAS pycauset calls (its own OpenBLAS, separate from the one NumPy loaded).

    Returns
    -------
    dict
        ``core``: the OpenBLAS kernel set in use (e.g. ``"SkylakeX"``); ``avx512``: whether it is an AVX-512
        one; ``config``: OpenBLAS's build string; ``threads``: pycauset's thread setting
        (:func:`get_num_threads`); ``blas_threads``: the threads the BLAS uses right now, which is lower
        inside a ``threadpoolctl.threadpool_limits`` block (pycauset respects such a limit).

    Examples
    --------
    >>> import pycauset
    >>> sorted(pycauset.blas_info())
    ['avx512', 'blas_threads', 'config', 'core', 'threads']
    """
    core = _core.blas_core_name()
    return {"core": core, "avx512": blas_uses_avx512(core), "config": _core.blas_config(),
            "threads": get_num_threads(), "blas_threads": _core.blas_num_threads()}
