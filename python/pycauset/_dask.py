"""The hand-off to dask: ``to_dask`` (chunks read tiles of a pycauset object) and ``from_dask`` (a dask array
streamed into a pycauset object, chunk by chunk, never held whole in RAM).

dask is optional (``pip install 'pycauset[dask]'``); these functions import it when called.
"""
from __future__ import annotations

import numpy as np

from ._array import _is_pycauset, asarray_like
from ._dtypes import _core

__all__ = ["to_dask", "from_dask"]


class _MissingDaskError(_core.PyCausetError, ImportError):
    """dask is needed for this hand-off but not installed (an ImportError, as zarr's missing-package error)."""


def _dask_array():
    try:
        import dask.array as da
    except ImportError:
        raise _MissingDaskError(
            "dask is not installed: install it with pip install 'pycauset[dask]' (or pip install dask)") from None
    return da


class _ChunkSource:
    """What ``dask.array.from_array`` reads: slicing returns a NumPy copy of just that block (a tile read of
    the file for file-backed objects). Pickles with its matrix, so a saved, loaded matrix travels to process
    and distributed workers by reference (see pycauset's pickling rules)."""

    def __init__(self, matrix):
        self.matrix = matrix
        self.shape = tuple(matrix.shape)
        self.dtype = np.dtype(matrix.dtype)
        self.ndim = matrix.ndim

    def __getitem__(self, key):
        from ._interop import to_numpy

        block = self.matrix[key]
        if _is_pycauset(block):
            return to_numpy(block, allow_huge=True)  # one chunk: dask sized it, the caller asked for it
        return np.asarray(block)


def to_dask(matrix, chunks="auto"):
    """A ``dask.array.Array`` over a pycauset Matrix or Vector, without copying it.

    Parameters
    ----------
    matrix : Matrix or Vector
        RAM- or file-backed. With dask's process or distributed schedulers the matrix is pickled to the
        workers: use one loaded from a saved file (``pycauset.load``), which travels by reference.
    chunks : as ``dask.array.from_array``
        ``"auto"`` lets dask choose (about 128 MiB per chunk).

    Returns
    -------
    dask.array.Array
        Each chunk, when computed, reads just its block of ``matrix`` into a NumPy array.

    Raises
    ------
    ImportError
        If dask is not installed (the message names ``pip install 'pycauset[dask]'``).

    Examples
    --------
    >>> import pycauset
    >>> x = pycauset.ones((1000, 1000)).to_dask(chunks=250)   # doctest: +SKIP
    >>> float(x.sum().compute())                              # doctest: +SKIP
    1000000.0
    """
    da = _dask_array()
    matrix = asarray_like(matrix)
    return da.from_array(_ChunkSource(matrix), chunks=chunks, asarray=False, lock=False,
                         meta=np.empty((0,) * matrix.ndim, dtype=matrix.dtype))


def from_dask(x, path=None):
    """Stream a dask array into a new pycauset object, chunk by chunk (never all of it in RAM).

    Parameters
    ----------
    x : dask.array.Array
        1-D or 2-D, any dtype pycauset supports.
    path : str or os.PathLike, optional
        Also save the result there (``pycauset.save``), and return it loaded from that file.

    Returns
    -------
    Matrix or Vector
        Placed by the memory budget (a spill file when large).

    Raises
    ------
    ImportError
        If dask is not installed (the message names ``pip install 'pycauset[dask]'``).

    Notes
    -----
    The chunks are computed a few at a time with dask's current scheduler (threads, processes or a
    distributed cluster) and each is assigned, in this process, to its slice of
    ``target = pycauset.empty(x.shape, x.dtype)`` (slice assignment streams into file-backed objects). At most
    a batch of chunks (twice the thread count) is in RAM at once. With the threaded scheduler,
    ``dask.array.store(x, target)`` does the same.
    """
    _dask_array()
    import itertools

    import dask

    from ._config import get_num_threads
    from ._creation import empty

    if x.ndim not in (1, 2):
        raise _core.PyCausetValueError(f"from_dask: pycauset holds 1-D and 2-D arrays, got a {x.ndim}-D dask array")
    target = empty(x.shape if x.ndim == 2 else x.shape[0], dtype=x.dtype)
    blocks = x.to_delayed()
    starts = [np.concatenate([[0], np.cumsum(c)]) for c in x.chunks]
    indices = list(itertools.product(*(range(len(c)) for c in x.chunks)))
    batch = max(2, 2 * get_num_threads())
    for first in range(0, len(indices), batch):
        chosen = indices[first:first + batch]
        values = dask.compute(*[blocks[index] for index in chosen])
        for index, value in zip(chosen, values):
            where = tuple(slice(int(s[i]), int(s[i + 1])) for s, i in zip(starts, index))
            target[where] = value
    if path is None:
        return target
    from .io import load, save

    save(target, path)
    return load(path)
