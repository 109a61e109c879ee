"""Progress bars for long kernels: the process-wide setting and a small text bar (percent, rate, ETA) on stderr.

Every long operation takes ``progress=None``, meaning "use the process-wide setting": off unless the
environment variable ``PYCAUSET_PROGRESS`` turns it on, or :func:`set_progress` / the :func:`progress` context
manager changes it. ``progress=True`` or ``False`` on a call overrides the setting for that call.

A bar asked for on the call is drawn at once; one that comes from the process-wide setting appears only once the
operation has run for :data:`GLOBAL_DELAY` seconds, so that turning bars on for a whole script reports its long
operations without a line for every small product.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time

import numpy as np

from ._dtypes import _core

__all__ = ["ProgressBar", "set_progress", "get_progress", "progress", "resolve", "bar_for"]

_ENVIRONMENT = "PYCAUSET_PROGRESS"
GLOBAL_DELAY = 1.0  # seconds before a bar from the process-wide setting appears
_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off", "")


def _from_environment() -> bool:
    """The default: ``PYCAUSET_PROGRESS`` read as a boolean; a value that is not one raises, naming it."""
    value = os.environ.get(_ENVIRONMENT)
    if value is None:
        return False
    word = value.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise _core.PyCausetValueError(
        f"environment variable {_ENVIRONMENT}={value!r} is not understood: expected 1, true, yes or on (progress "
        "bars on), or 0, false, no, off or empty (off); fix or unset it")


_enabled = _from_environment()  # read at import, so an invalid value fails early, as PYCAUSET_MEMORY_LIMIT does


def _as_flag(enabled, what: str) -> bool:
    # Only booleans (NumPy's too) and the integers 0 and 1: a string such as "False" would be truthy.
    if isinstance(enabled, (bool, int, np.bool_, np.integer)) and enabled in (0, 1):
        return bool(enabled)
    raise _core.PyCausetTypeError(f"{what} must be True, False or None, got {type(enabled).__name__} {enabled!r}")


def set_progress(enabled) -> None:
    """Turn progress bars on or off for every long operation that is not given ``progress=`` explicitly.

    Parameters
    ----------
    enabled : bool or None
        ``True`` draws a bar on stderr for each long operation (matmul, inverse, solve, convert_file,
        the causal-set kernels, ...), ``False`` draws none; ``None`` restores the default, which comes from the
        environment variable ``PYCAUSET_PROGRESS`` (``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``).

    Raises
    ------
    TypeError
        If ``enabled`` is not a boolean or None (a string such as ``"False"`` included).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.set_progress(True)
    >>> pycauset.get_progress()
    True
    >>> pycauset.set_progress(None)   # back to the PYCAUSET_PROGRESS default
    """
    global _enabled
    _enabled = _from_environment() if enabled is None else _as_flag(enabled, "set_progress: enabled")


def get_progress() -> bool:
    """Return whether long operations draw a progress bar when not given ``progress=`` (see :func:`set_progress`)."""
    return _enabled


@contextlib.contextmanager
def progress(enabled: bool = True):
    """Context manager: progress bars on (or off) for the operations inside the ``with`` block.

    Like ``numpy.printoptions``, it changes the process-wide setting and restores the previous one on exit,
    also when the block raises.

    Examples
    --------
    >>> import pycauset
    >>> with pycauset.progress():
    ...     pycauset.get_progress()
    True
    """
    global _enabled
    previous = _enabled
    _enabled = _as_flag(enabled, "progress: enabled")
    try:
        yield
    finally:
        _enabled = previous


def resolve(progress) -> bool:
    """A long operation's ``progress=`` argument as a flag: ``None`` means the process-wide setting."""
    return _enabled if progress is None else _as_flag(progress, "progress")


def bar_delay(progress) -> float:
    """The ``delay`` of the bar for a ``progress=`` argument: none when asked for on the call, else GLOBAL_DELAY."""
    return GLOBAL_DELAY if progress is None else 0.0


@contextlib.contextmanager
def bar_for(progress, label: str, unit: str = "B"):
    """Yield the ``callback(done, total)`` to pass into a kernel for a ``progress=`` argument, or None when off.

    The argument is validated either way. The bar, if any, is a :class:`ProgressBar` counting ``unit`` (bytes by
    default: the file and expression paths report bytes), delayed as :func:`bar_delay` says, and its line is
    finished when the block ends, also when the kernel raises.
    """
    if not resolve(progress):
        yield None
        return
    with ProgressBar(label, unit=unit, delay=bar_delay(progress)) as bar:
        yield bar

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
    delay : float, optional
        Seconds before anything is drawn (default 0); an operation that ends sooner draws nothing at all.
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
                 width: int = 30, delay: float = 0.0):
        self._label = label
        self._unit = unit
        self._scale = scale
        self._stream = sys.stderr if stream is None else stream
        isatty = getattr(self._stream, "isatty", None)
        self._terminal = bool(isatty()) if callable(isatty) else False
        self._interval = interval if interval is not None else (0.2 if self._terminal else 10.0)
        self._width = width
        self._delay = delay
        self._start = time.perf_counter()
        self._last_draw = -float("inf")
        self._drawn = False
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._start < self._delay:
            return  # a quick operation draws nothing, not even its final state
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
