"""Process-level measurements for benchmarks: I/O byte counters and a peak anonymous-memory sampler."""
from __future__ import annotations

import threading
import time


def io_counters() -> dict:
    """Return this process's /proc/self/io counters (read_bytes/write_bytes hit the block layer;
    rchar/wchar count every read/write syscall, page-cache hits included; mmap faults count in neither
    rchar nor wchar)."""
    out = {}
    try:
        with open("/proc/self/io") as f:
            for line in f:
                key, value = line.split(":")
                out[key.strip()] = int(value)
    except OSError:
        pass
    return out


def io_delta(before: dict, after: dict) -> dict:
    """Counter differences for the keys that matter to a benchmark."""
    keys = ("read_bytes", "write_bytes", "rchar", "wchar", "cancelled_write_bytes")
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def major_faults() -> int:
    """Major page faults of this process so far (field 12 of /proc/self/stat)."""
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[9])


class AnonPeakSampler:
    """Sample RssAnon of this process every ``interval`` seconds in a background thread.

    Use as a context manager; ``peak_bytes`` is the largest sample seen and ``baseline_bytes`` the value
    at entry (interpreter, NumPy and pycauset themselves), so ``peak_bytes - baseline_bytes`` is what the
    measured operation added.
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.baseline_bytes = 0
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _status_kib("RssAnon") * 1024)
            time.sleep(self.interval)

    def __enter__(self) -> "AnonPeakSampler":
        self.baseline_bytes = _status_kib("RssAnon") * 1024
        self.peak_bytes = self.baseline_bytes
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, _status_kib("RssAnon") * 1024)
