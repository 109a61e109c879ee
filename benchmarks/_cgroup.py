"""Run a command inside a fresh cgroup v1 memory group (a real memory cap) and record its peak usage.

A cgroup v1 memory group charges both anonymous memory and the page cache a process brings in, so a
capped benchmark cannot lean on cached file pages beyond the cap. Creating one needs root and a mounted
v1 memory controller; otherwise :func:`run_capped` runs the command uncapped and says why in ``note``.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

_ROOT = "/sys/fs/cgroup/memory"


@dataclass
class CappedRun:
    """Outcome of :func:`run_capped`."""

    returncode: int
    stdout: str
    stderr: str
    capped: bool                 #: True when the command really ran inside a limited memory group
    limit_bytes: int | None      #: the cap in force (None when uncapped)
    peak_bytes: int | None       #: memory.max_usage_in_bytes: anonymous + page cache, peak
    failcnt: int | None          #: how often the group hit its limit (reclaim events)
    note: str                    #: why it ran uncapped, or "" when capped


def cgroup_available() -> tuple[bool, str]:
    """Return (usable, reason) for creating a v1 memory group here."""
    if os.geteuid() != 0:
        return False, "not root: cannot create a cgroup memory group (ran uncapped)"
    if not os.path.isfile(os.path.join(_ROOT, "memory.limit_in_bytes")):
        return False, f"no cgroup v1 memory controller at {_ROOT} (ran uncapped)"
    return True, ""


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def run_capped(cmd: list[str], limit_bytes: int | None, env: dict | None = None, timeout: float | None = None) -> CappedRun:
    """Run ``cmd`` with its memory (anonymous + page cache) capped at ``limit_bytes``.

    Parameters
    ----------
    cmd : list of str
        The command line; its stdout and stderr are captured.
    limit_bytes : int or None
        The cap. ``None`` runs uncapped on purpose.
    env : dict, optional
        Environment for the child.
    timeout : float, optional
        Seconds before the child is killed (``subprocess.TimeoutExpired`` propagates).
    """
    ok, why = cgroup_available()
    if limit_bytes is None or not ok:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        return CappedRun(proc.returncode, proc.stdout, proc.stderr, False, None, None, None,
                         "cap disabled by request (ran uncapped)" if limit_bytes is None else why)
    group = os.path.join(_ROOT, f"pycauset_bench_{os.getpid()}_{time.monotonic_ns()}")
    os.mkdir(group)
    try:
        _write(os.path.join(group, "memory.limit_in_bytes"), str(limit_bytes))
        memsw = os.path.join(group, "memory.memsw.limit_in_bytes")
        if os.path.exists(memsw):
            try:
                _write(memsw, str(limit_bytes))  # no swapping around the cap either
            except OSError:
                pass
        procs = os.path.join(group, "cgroup.procs")

        def _enter_group() -> None:  # runs in the child between fork and exec
            _write(procs, str(os.getpid()))

        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, preexec_fn=_enter_group)
        peak = _read_int(os.path.join(group, "memory.max_usage_in_bytes"))
        failcnt = _read_int(os.path.join(group, "memory.failcnt"))
        return CappedRun(proc.returncode, proc.stdout, proc.stderr, True, limit_bytes, peak, failcnt, "")
    finally:
        try:
            _write(os.path.join(group, "memory.force_empty"), "0")
        except OSError:
            pass
        for _ in range(50):
            try:
                os.rmdir(group)
                break
            except OSError:
                time.sleep(0.1)


def evict_from_page_cache(paths: list[str]) -> None:
    """Write back and drop the cached pages of ``paths`` so a timed run starts cold.

    Pages cached by an earlier process are charged to that process's group; a capped child could read
    them for free, so each side of a benchmark starts from disk.
    """
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
