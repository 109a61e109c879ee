"""A small text progress bar (percent, rate, ETA) on stderr for long kernels (``progress=True``)."""
from __future__ import annotations

import sys
import time

__all__ = ["ProgressBar"]

_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def _scaled(value: float) -> str:
    for factor, prefix in _PREFIXES:
        if value >= factor:
            return f"{value / factor:.1f} {prefix}"
    return f"{value:.1f} "


def _clock(seconds: float) -> str:
    seconds = int(max(0.0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ProgressBar:
    """Callable ``bar(done, total)`` drawing ``label [#####.....] 42% 98.1 GFLOP/s ETA 00:12``.

    Parameters
    ----------
    label : str
        Text before the bar (e.g. ``"matmul 8192x8192x8192"``).
    unit : str
        Unit of the rate (e.g. ``"FLOP"``); the rate is ``done * scale`` per second.
    scale : float
        Units of work per counted step (matmul counts multiply-adds, 2 FLOP each).
    stream : file-like, optional
        Where to draw; ``sys.stderr`` by default.
    interval : float, optional
        Minimum seconds between redraws (the final state is always drawn). Default: 0.2 s on a terminal; on
        anything else (a log file, a pipe, a notebook's captured stream) 10 s, one whole line per report, so
        that a long operation writes a few lines, not thousands of carriage returns.

    Notes
    -----
    The kernel calls the bar from its own thread while holding the GIL only for the call, so
    drawing is throttled to keep the cost negligible. Use it as a context manager so the line is
    finished with a newline even when the operation fails.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with ProgressBar("demo", unit="op", stream=out) as bar:
    ...     bar(5, 10); bar(10, 10)
    >>> "100%" in out.getvalue()
    True
    """

    def __init__(self, label: str, *, unit: str = "", scale: float = 1.0, stream=None, interval: float | None = None,
                 width: int = 30):
        self._label = label
        self._unit = unit
        self._scale = scale
        self._stream = sys.stderr if stream is None else stream
        isatty = getattr(self._stream, "isatty", None)
        self._terminal = bool(isatty()) if callable(isatty) else False
        self._interval = interval if interval is not None else (0.2 if self._terminal else 10.0)
        self._width = width
        self._start = time.perf_counter()
        self._last_draw = -float("inf")
        self._drawn = False
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        final = total > 0 and done >= total
        if not final and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        elapsed = max(now - self._start, 1e-9)
        fraction = done / total if total > 0 else 1.0
        filled = int(round(self._width * fraction))
        bar = "#" * filled + "." * (self._width - filled)
        rate = done * self._scale / elapsed
        if final:
            tail = f"in {_clock(elapsed)}"
        elif done > 0:
            tail = f"ETA {_clock(elapsed * (total - done) / done)}"
        else:
            tail = "ETA --:--"
        line = f"{self._label} [{bar}] {fraction * 100:5.1f}% {_scaled(rate)}{self._unit}/s {tail}"
        if self._terminal:
            self._stream.write("\r" + line)  # redrawn in place
            self._drawn = True
        else:
            self._stream.write(line + "\n")  # one complete line per report
        self._stream.flush()
        self._finished = final

    def close(self) -> None:
        """End the bar's line (call once the operation is over)."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
