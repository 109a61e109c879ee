"""Files: save and load pycauset objects as ``.pycauset`` containers, and convert ``.npy`` and zarr v3 arrays.

See ``documentation/user_guide/files.md`` for the format, atomicity and error behaviour.
"""
from __future__ import annotations

import os
import sys

from . import _array, _expr
from ._dtypes import _core
from ._progress import bar_for, resolve

__all__ = ["save", "load", "convert_file"]


def _path(path) -> bytes:
    """Return ``path`` (str, bytes or os.PathLike) as the bytes the OS sees, as ``open`` would accept it.

    Bytes, not str: a file name need not be UTF-8 (``os.fsencode`` restores undecodable bytes), and
    a NUL byte would silently cut the name short in C, so it raises ``ValueError`` as ``open`` does.
    """
    raw = os.fsencode(os.fspath(path))
    if b"\0" in raw:
        raise _core.PyCausetValueError(f"path {path!r} contains a NUL byte (embedded null byte); remove it")
    return raw


def save(obj, path, *, progress=None) -> None:
    """Write a matrix or vector to a ``.pycauset`` file, atomically.

    The file holds a 4096-byte header (magic, format version, dtype, shape, checksums) followed by
    the elements in row-major order (``bool`` bit-packed). The data is streamed in tiles, so objects
    larger than the memory budget (file-backed, transposed or sliced views, lazy expressions) are
    saved without loading them whole.

    Parameters
    ----------
    obj : Matrix, Vector, expression, array_like or causet.CausalSet
        What to save. Expressions are evaluated first; NumPy arrays and nested lists are imported
        as by :func:`pycauset.matrix` / :func:`pycauset.vector`. A CausalSet is saved as a directory
        of containers (causal matrix, coordinates, order) and a JSON description, swapped in atomically
        (see ``documentation/user_guide/causal_sets.md``).
    path : str, bytes or os.PathLike
        Target file. The extension is not changed; ``.pycauset`` is the convention.
    progress : bool, optional
        Draw a progress bar (percent, MB/s, ETA) on stderr while writing (and while evaluating an expression
        first). Default ``None``: the process-wide setting (:func:`pycauset.set_progress`), whose bar appears
        only once the save has run for a second. A CausalSet's directory is saved without a bar.

    Raises
    ------
    OSError
        If the file cannot be written (full disk, file-size limit, permissions, missing directory).
        The previous contents of ``path``, if any, are left intact and no temporary file remains.

    Notes
    -----
    The data is written to a temporary file in the same directory, flushed to disk, and renamed over
    ``path``; a crash at any point leaves either the old file or the new one. Saving an object onto
    the file it was loaded from works: the loaded object keeps reading the old data.

    Examples
    --------
    >>> import os, tempfile, numpy as np, pycauset
    >>> path = os.path.join(tempfile.mkdtemp(), "a.pycauset")
    >>> pycauset.save(pycauset.matrix(np.eye(3)), path)
    >>> pycauset.load(path).shape
    (3, 3)
    """
    target = _path(path)
    resolve(progress)  # checked before anything is written, whatever obj is
    # A CausalSet can only exist once pycauset.causet is imported: only then is its file module loaded
    # (saving a matrix imports nothing more, so it also works where new imports cannot, e.g. after setuid).
    causet_package = sys.modules.get(f"{__package__}.causet")
    if causet_package is not None and isinstance(obj, causet_package.CausalSet):
        from .causet import _files as causet_files

        causet_files.save_causal_set(obj, target)
        return
    if isinstance(obj, _expr.Expression):
        obj = obj.eval(progress=progress)  # its own bar: an out-of-core expression is a long pass of its own
    array = _array.asarray_like(obj)
    with bar_for(progress, f"save {'x'.join(map(str, array.shape))} {array.dtype_name}") as bar:
        _core._save(array, target, progress=bar)


def load(path, *, verify: bool = False, progress=None):
    """Open a ``.pycauset`` file as a file-backed Matrix or Vector, in constant time.

    The payload is mapped read-only, not read: loading is O(1) for any size, and pages are read when
    used. The first modification of the result (``M[0, 0] = x``, slice assignment, in-place
    operators) copies it first (copy-on-write); the file itself is never changed.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        A file written by :func:`save` or :func:`convert_file`.
    verify : bool, default False
        Also recompute the payload checksum (reads the whole file, O(n)) and fail on a mismatch.
    progress : bool, optional
        With ``verify=True``, draw a progress bar (percent, MB/s, ETA) on stderr during the checksum pass
        (without it, loading is O(1) and draws nothing). Default ``None``: the process-wide setting
        (:func:`pycauset.set_progress`), whose bar appears only once the pass has run for a second.

    Returns
    -------
    Matrix, Vector or causet.CausalSet
        With ``storage == "file"`` and ``path`` set to the file; a directory saved from a CausalSet
        loads as a CausalSet whose matrices are mapped the same way.

    Raises
    ------
    ValueError
        If the file is not a pycauset file, was written by a newer format version, is corrupt
        (header checksum, impossible dtype or shape, or with ``verify=True`` the payload checksum)
        or truncated. The message names the problem and the path.
    OSError
        If the file cannot be opened or mapped.

    Examples
    --------
    >>> import os, tempfile, numpy as np, pycauset
    >>> path = os.path.join(tempfile.mkdtemp(), "v.pycauset")
    >>> pycauset.save(pycauset.vector(np.arange(4)), path)
    >>> v = pycauset.load(path, verify=True)
    >>> v.storage, v[3]
    ('file', np.int64(3))
    """
    target = _path(path)
    verify = bool(verify)
    resolve(progress)  # checked also when there is no checksum pass to report
    if os.path.isdir(target):  # a saved CausalSet (see pycauset.causet)
        from .causet._files import load_causal_set

        return load_causal_set(target, verify)
    # Only the checksum pass takes time: without it, loading maps the file in O(1) and draws nothing.
    with bar_for(progress if verify else False, f"load(verify=True) {os.path.basename(os.fsdecode(target))}") as bar:
        return _array._wrap(_core._load(target, verify, progress=bar))


def convert_file(src, dst, *, chunks=None, progress=None) -> None:
    """Convert an array file between ``.pycauset``, NumPy ``.npy`` and zarr v3, streaming.

    The formats are chosen by the names: ``.npy``, ``.pycauset``, and for zarr a name ending in ``.zarr`` or
    an existing directory holding zarr metadata (``zarr.json``). Supported pairs: ``.npy`` <-> ``.pycauset``,
    zarr -> ``.pycauset`` / ``.npy`` and ``.pycauset`` / ``.npy`` -> zarr. The source is read and the target
    written block by block, so files larger than the memory budget convert without loading them; the
    target is written under a temporary name and renamed into place, as by :func:`save`.

    ``.npy`` files may be C- or Fortran-ordered and of either byte order; ``.npy`` output is C-ordered,
    little-endian, format version 1.0 (2.0 if needed), readable by ``numpy.load`` (also with ``mmap_mode``).
    zarr needs the optional ``zarr`` package (``pip install 'pycauset[zarr]'``); the blocks follow the zarr
    array's chunk grid, so peak RAM is a few blocks of ``min(16 MiB, budget / 4)``, or a few chunks if larger.

    Parameters
    ----------
    src : str, bytes or os.PathLike
        The file (or zarr store directory) to read.
    dst : str, bytes or os.PathLike
        The file (or zarr store directory) to write; an existing one is replaced (an existing directory only
        if it is a zarr store).
    chunks : tuple of int, optional
        The chunk shape of a zarr target (one entry per dimension); default: zarr's automatic choice.
    progress : bool, optional
        Draw a progress bar (percent, MB/s, ETA) on stderr while converting. Default ``None``: the process-wide
        setting (:func:`pycauset.set_progress`), whose bar appears only once the conversion has run for a second.

    Raises
    ------
    ValueError
        If the names are not one of the supported pairs, the array has rank 0 or more than 2, the source is
        malformed, corrupt or truncated, or is a zarr v2 store or a zarr group.
    TypeError
        If the source dtype is not supported (object, str, float16, structured, ...).
    ImportError
        If a zarr path is given and zarr is not installed (the message names ``pip install 'pycauset[zarr]'``).
    OSError
        If a file cannot be read or written; a previous ``dst`` is left intact.
    KeyboardInterrupt
        On Ctrl-C, between blocks; no partial target remains and a previous ``dst`` is left intact.

    Examples
    --------
    >>> import os, tempfile, numpy as np, pycauset
    >>> d = tempfile.mkdtemp()
    >>> np.save(os.path.join(d, "a.npy"), np.arange(6.0).reshape(2, 3))
    >>> pycauset.convert_file(os.path.join(d, "a.npy"), os.path.join(d, "a.pycauset"))
    >>> pycauset.load(os.path.join(d, "a.pycauset")).shape
    (2, 3)
    >>> pycauset.convert_file(os.path.join(d, "a.pycauset"), os.path.join(d, "a.zarr"))  # doctest: +SKIP
    """
    source, target = _path(src), _path(dst)
    from . import _zarr  # small, and imports zarr itself only for a zarr path

    pair = (_zarr.kind(source), _zarr.kind(target))
    if "zarr" in pair:
        _zarr.convert(source, target, chunks, progress)
        return
    if pair not in (("npy", "pycauset"), ("pycauset", "npy")):
        raise _zarr.unsupported_pair(source, target)
    if chunks is not None:
        raise _core.PyCausetValueError(
            "convert_file: chunks= sets the chunk shape of a zarr target, but neither file is a zarr store; "
            "leave chunks=None")
    names = " -> ".join(os.path.basename(os.fsdecode(name)) for name in (source, target))
    with bar_for(progress, f"convert_file {names}") as bar:
        _core._convert_file(source, target, progress=bar)


def __dir__():
    return sorted(__all__)
