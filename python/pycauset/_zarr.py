"""convert_file's zarr path: zarr v3 arrays to and from ``.pycauset`` and ``.npy``, streamed block by block.

Every conversion is one loop: a *source* hands out blocks (NumPy arrays of one chunk-aligned region) and a
*sink* stores them, so about one block is in RAM at a time. Blocks follow the zarr side's chunk grid (a partial
chunk would be decoded or re-encoded twice) and hold whole chunk rows where they fit in the block size,
``min(16 MiB, budget / 4)`` (at most the small-export allowance) and 256 chunks, else a run of chunks within one
chunk row. The peak RAM of a conversion is therefore a few blocks, or a few chunks when a chunk is larger.

Targets are written to a temporary name in the target's directory and renamed into place at the end, so an
error or Ctrl-C leaves any previous target intact and no partial one behind.

zarr is optional (``pip install 'pycauset[zarr]'``); it is imported only when a zarr path is converted.
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import secrets
import shutil
import signal
import threading
import time

import numpy as np

from ._dtypes import SUPPORTED, _core
from ._progress import ProgressBar, bar_delay, resolve

__all__ = ["is_zarr_path", "kind", "unsupported_pair", "convert"]


class _MissingZarrError(_core.PyCausetError, ImportError):
    """zarr is needed for this conversion but not installed."""


def _zarr():
    try:
        import zarr
    except ImportError:
        raise _MissingZarrError(
            "converting zarr arrays needs the zarr package, which is not installed: "
            "install it with pip install 'pycauset[zarr]' (or pip install 'zarr>=3')") from None
    return zarr


def _holds_zarr_metadata(path: bytes) -> bool:
    return os.path.isdir(path) and any(
        os.path.exists(os.path.join(path, name)) for name in (b"zarr.json", b".zarray", b".zgroup"))


def is_zarr_path(path: bytes) -> bool:
    """A zarr store: a name ending in ``.zarr``, or an existing directory holding zarr metadata."""
    return path.rstrip(b"/").lower().endswith(b".zarr") or _holds_zarr_metadata(path)


def kind(path: bytes) -> str:
    """The format convert_file reads ``path`` as: "zarr", "npy", "pycauset" or "unknown" (by the name)."""
    if is_zarr_path(path):
        return "zarr"
    lowered = path.lower()
    for suffix in (".npy", ".pycauset"):
        if lowered.endswith(suffix.encode()):
            return suffix[1:]
    return "unknown"


def _show(path: bytes) -> str:
    return repr(os.fsdecode(path))


def unsupported_pair(src: bytes, dst: bytes):
    """The ValueError for a pair of names convert_file has no conversion for."""
    return _core.PyCausetValueError(
        f"convert_file: cannot convert {_show(src)} to {_show(dst)}: supported conversions are .npy -> .pycauset "
        "and .pycauset -> .npy, and zarr v3 arrays (a .zarr directory) to and from either (chosen by the names); "
        "zarr to zarr is a job for zarr itself")


def _check_dtype(dtype: np.dtype, what: str) -> np.dtype:
    """Return ``dtype`` in native byte order, or raise TypeError naming it and the supported list."""
    native = dtype.newbyteorder("=") if dtype.byteorder not in ("|", "=") else dtype
    if native.name not in SUPPORTED or native.fields is not None:
        raise _core.PyCausetTypeError(
            f"convert_file: {what} has dtype '{dtype}', which pycauset does not hold; supported dtypes are: "
            f"{', '.join(SUPPORTED)}. Convert it to one of them first (for example with astype).")
    return native


def _check_rank(shape: tuple, what: str) -> None:
    if len(shape) not in (1, 2):
        raise _core.PyCausetValueError(
            f"convert_file: {what} has rank {len(shape)} (shape {shape}), but pycauset holds only 1-D vectors and "
            "2-D matrices; reshape or slice it to 1 or 2 dimensions first")


# ---------------------------------------------------------------------- blocks
# A block is at most this many bytes and chunks even under a large budget: zarr already overlaps the chunks of one
# block (its own concurrency), and a short block keeps Ctrl-C prompt (it acts between blocks).
_MAX_BLOCK_BYTES = 16 << 20
_MAX_BLOCK_CHUNKS = 256


def _blocks(shape: tuple, chunks: tuple, itemsize: int):
    """Yield tuples of slices covering ``shape``, aligned to ``chunks``, about one block size each."""
    target = max(1, min(int(_core.small_export_allowance()), _MAX_BLOCK_BYTES))
    chunk_bytes = max(1, int(np.prod(chunks)) * itemsize)
    per_block = max(1, min(target // chunk_bytes, _MAX_BLOCK_CHUNKS))  # chunks per block, at least one
    if len(shape) == 1:
        (n,), (c,) = shape, chunks
        step = c * per_block
        for start in range(0, n, step):
            yield (slice(start, min(n, start + step)),)
        return
    (rows, cols), (chunk_rows, chunk_cols) = shape, chunks
    chunks_per_row = -(-cols // chunk_cols)
    if chunks_per_row <= per_block:  # whole chunk rows: contiguous bands of the row-major targets
        step = chunk_rows * (per_block // chunks_per_row)
        for start in range(0, rows, step):
            yield slice(start, min(rows, start + step)), slice(0, cols)
        return
    width = chunk_cols * per_block  # a run of chunks within one chunk row
    for start in range(0, rows, chunk_rows):
        for left in range(0, cols, width):
            yield slice(start, min(rows, start + chunk_rows)), slice(left, min(cols, left + width))


def _temporary_name(path: bytes) -> bytes:
    """A fresh hidden name beside ``path`` (same directory, so the final rename is atomic)."""
    directory, name = os.path.split(os.path.abspath(path).rstrip(b"/"))
    return os.path.join(directory, b"." + name + b"." + secrets.token_hex(6).encode() + b".tmp")


def _remove_tree(path: bytes) -> None:
    """Remove a directory tree (retrying briefly, should a late zarr write still land in it)."""
    for _ in range(50):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return
        time.sleep(0.02)


@contextlib.contextmanager
def _ctrl_c_between_blocks():
    """Hold Ctrl-C until the block in hand is read and written, then raise KeyboardInterrupt.

    zarr runs its I/O as tasks on an event loop in its own thread; a KeyboardInterrupt in this thread abandons
    the wait but not the tasks, which would go on writing chunks (and re-create the temporary store after it
    is removed). A block takes well under a second, so Ctrl-C still acts within about a second, as the compiled
    kernels poll it between tiles. Only in the main thread and only over Python's own SIGINT handler.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _settle_zarr_io(timeout: float = 30.0) -> None:
    """Wait for zarr's I/O tasks to finish (after an error or interrupt elsewhere), so none writes after cleanup.

    Uses zarr's private event-loop accessor; without it (another zarr version) the cleanup's retries remain.
    """
    try:
        from zarr.core.sync import _get_loop

        loop = _get_loop()
    except Exception:
        return

    async def others_done() -> None:
        # Until none is left: a running task may start more (zarr schedules chunk writes as others finish).
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            if not tasks:
                return
            await asyncio.wait(tasks, timeout=deadline - asyncio.get_running_loop().time())

    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(others_done(), loop).result(timeout + 1.0)


def _check_directory(path: bytes) -> None:
    """Raise OSError (ENOENT) naming ``path`` if the directory it would be written in does not exist."""
    if not os.path.isdir(os.path.dirname(os.path.abspath(path).rstrip(b"/"))):
        raise _core.PyCausetOSError(
            errno.ENOENT, f"convert_file: cannot write {_show(path)}: its directory does not exist; create it first")


# ---------------------------------------------------------------------- sources
class _ZarrSource:
    def __init__(self, path: bytes):
        zarr = _zarr()
        if not os.path.isdir(path):
            raise _core.PyCausetOSError(
                errno.ENOENT, f"convert_file: no zarr array at {_show(path)} (not a directory)")
        if not os.path.exists(os.path.join(path, b"zarr.json")):
            raise _core.PyCausetValueError(
                f"convert_file: {_show(path)} is a zarr v2 store, but pycauset reads zarr v3 arrays (a zarr.json "
                "file); rewrite it as v3 with zarr, e.g. zarr.create_array(new_path, data=zarr.open_array(old)[:], "
                "zarr_format=3), or in chunks for large arrays")
        try:
            self.array = zarr.open_array(os.fsdecode(path), mode="r", zarr_format=3)
        except Exception as error:  # a group, corrupt metadata: zarr's own exceptions vary between versions
            raise _core.PyCausetValueError(
                f"convert_file: {_show(path)} is not a readable zarr v3 array ({type(error).__name__}: {error}); "
                "pass the path of an array, not of a group") from error
        self.shape = tuple(self.array.shape)
        _check_rank(self.shape, f"the zarr array {_show(path)}")
        self.dtype = _check_dtype(np.dtype(self.array.dtype), f"the zarr array {_show(path)}")
        self.chunks = tuple(self.array.chunks)

    def read(self, where) -> np.ndarray:
        return np.asarray(self.array[where], dtype=self.dtype)


class _PycausetSource:
    def __init__(self, path: bytes):
        from .io import load

        self.matrix = load(path)
        self.shape = tuple(self.matrix.shape)
        self.dtype = np.dtype(self.matrix.dtype)

    def read(self, where) -> np.ndarray:
        from ._interop import to_numpy

        # One block, sized above from the small-export allowance: allowed whatever the placement.
        return to_numpy(self.matrix[where], allow_huge=True)


class _NpySource:
    def __init__(self, path: bytes):
        try:
            with open(path, "rb") as f:
                version = np.lib.format.read_magic(f)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(f)
        except OSError as error:
            raise _core.PyCausetOSError(error.errno, f"convert_file: cannot read {_show(path)}: {error.strerror}") \
                from None
        except ValueError as error:
            raise _core.PyCausetValueError(
                f"convert_file: {_show(path)} is not a valid .npy file ({error})") from None
        _check_rank(tuple(shape), f"the .npy array {_show(path)}")
        self.dtype = _check_dtype(dtype, f"the .npy array {_show(path)}")
        try:
            self.array = np.load(path, mmap_mode="r")  # mapped: only the blocks read are paged in
        except ValueError as error:  # e.g. truncated: the payload is shorter than the header says
            raise _core.PyCausetValueError(
                f"convert_file: {_show(path)} is truncated or malformed ({error})") from None
        self.shape = tuple(self.array.shape)

    def read(self, where) -> np.ndarray:
        block = self.array[where]
        if self.dtype == np.bool_:  # a .npy bool byte other than 0 reads as True, as convert_file's .npy path
            return block.view(np.uint8) != 0
        return np.ascontiguousarray(block, dtype=self.dtype)


# ---------------------------------------------------------------------- sinks
class _ZarrSink:
    def __init__(self, path: bytes, shape: tuple, dtype: np.dtype, chunks):
        zarr = _zarr()
        if os.path.lexists(path) and not _holds_zarr_metadata(path):
            raise _core.PyCausetOSError(
                errno.EEXIST, f"convert_file: {_show(path)} exists and is not a zarr store; pycauset replaces only an "
                "existing zarr store, so remove it or choose another target")
        _check_directory(path)  # zarr would create missing parents; save and numpy.save do not
        self.path = path
        self.temporary = _temporary_name(path)
        try:
            self.array = zarr.create_array(os.fsdecode(self.temporary), shape=shape, dtype=dtype,
                                           chunks="auto" if chunks is None else chunks, zarr_format=3)
        except BaseException as error:  # nothing of the new store may remain, whatever went wrong
            self.abort()
            if isinstance(error, OSError):
                raise _core.PyCausetOSError(
                    error.errno, f"convert_file: cannot create {_show(path)}: {error}") from None
            if isinstance(error, (TypeError, ValueError)):
                raise _core.PyCausetValueError(
                    f"convert_file: chunks={chunks!r} is not a valid zarr chunk shape for shape {shape} ({error}); "
                    "pass a tuple of positive integers, one per dimension, or None for zarr's choice") from None
            raise
        self.chunks = tuple(self.array.chunks)

    def write(self, where, block: np.ndarray) -> None:
        self.array[where] = block

    def commit(self) -> None:
        # A directory cannot be renamed over a non-empty one: move the old store aside first, then drop it.
        old = None
        if os.path.lexists(self.path):
            old = _temporary_name(self.path)
            os.rename(self.path, old)
        os.rename(self.temporary, self.path)
        if old is not None:
            _remove_tree(old)

    def abort(self) -> None:
        _settle_zarr_io()
        _remove_tree(self.temporary)


class _PycausetSink:
    def __init__(self, path: bytes, shape: tuple, dtype: np.dtype, chunks):
        from ._creation import empty

        self.path = path
        self.chunks = chunks
        self.target = empty(shape, dtype=dtype)  # placed by the budget: a spill file when large

    def write(self, where, block: np.ndarray) -> None:
        self.target[where] = block

    def commit(self) -> None:
        from .io import save

        save(self.target, self.path)  # atomic, as every save

    def abort(self) -> None:
        self.target = None  # the spill file goes with it


class _NpySink:
    def __init__(self, path: bytes, shape: tuple, dtype: np.dtype, chunks):
        _check_directory(path)
        self.path = path
        self.chunks = chunks
        self.temporary = _temporary_name(path)
        # Created exclusively with the usual permissions (0666 minus the umask), like a file from save.
        fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        try:
            self.array = np.lib.format.open_memmap(self.temporary, mode="w+", dtype=dtype, shape=shape)
        except BaseException:
            self.abort()
            raise

    def write(self, where, block: np.ndarray) -> None:
        self.array[where] = block

    def commit(self) -> None:
        self.array.flush()
        self.array = None
        with open(self.temporary, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(self.temporary, self.path)

    def abort(self) -> None:
        self.array = None
        try:
            os.unlink(self.temporary)
        except FileNotFoundError:
            pass


_SOURCES = {"zarr": _ZarrSource, "pycauset": _PycausetSource, "npy": _NpySource}
_SINKS = {"zarr": _ZarrSink, "pycauset": _PycausetSink, "npy": _NpySink}


def convert(src: bytes, dst: bytes, chunks, progress) -> None:
    """Convert between a zarr v3 array and ``.pycauset`` / ``.npy`` (one side must be zarr)."""
    pair = (kind(src), kind(dst))
    if pair.count("zarr") != 1 or "unknown" in pair:
        raise unsupported_pair(src, dst)
    if chunks is not None and pair[1] != "zarr":
        raise _core.PyCausetValueError(
            "convert_file: chunks= sets the chunk shape of a zarr target, but the target is a "
            f".{pair[1]} file; leave chunks=None")
    try:
        sink = None
        try:
            with _ctrl_c_between_blocks():  # opening and creating run zarr tasks in its thread too
                source = _SOURCES[pair[0]](src)
                sink = _SINKS[pair[1]](dst, source.shape, source.dtype, chunks)
        except BaseException:
            if sink is not None:  # a Ctrl-C held during the setup is raised after it: drop the new target
                sink.abort()
            raise
        _stream(source, sink, pair, progress)
    except OSError as error:
        if isinstance(error, _core.PyCausetError):
            raise
        # A plain OSError from the file system (full disk, permissions, missing directory): the taxonomy's own.
        where = f" ({os.fsdecode(error.filename)!r})" if error.filename is not None else ""
        raise _core.PyCausetOSError(
            error.errno, f"convert_file: converting {_show(src)} to {_show(dst)} failed: "
            f"{error.strerror or error}{where}") from error


def _stream(source, sink, pair, progress) -> None:
    """Copy ``source`` into ``sink`` block by block, then commit; on any error or Ctrl-C, abort the sink."""
    # Blocks follow the zarr side's chunk grid: the source's when reading zarr, the new array's when writing.
    grid = source.chunks if pair[0] == "zarr" else sink.chunks
    total = int(np.prod(source.shape))
    bar = None
    try:
        if resolve(progress) and total > 0:
            shape = "x".join(map(str, source.shape))
            bar = ProgressBar(f"convert_file {shape} {pair[0]} -> {pair[1]}", unit="B",
                              scale=source.dtype.itemsize, delay=bar_delay(progress))
        done = 0
        for where in _blocks(source.shape, grid, source.dtype.itemsize):
            with _ctrl_c_between_blocks():
                block = source.read(where)
                sink.write(where, block)
            done += block.size
            if bar is not None:
                bar(done, total)
        if bar is not None:
            bar.close()
        sink.commit()
    except BaseException:  # Ctrl-C included: no partial target, the previous one untouched
        if bar is not None:
            bar.close()
        sink.abort()
        raise
