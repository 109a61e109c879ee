"""Factories: matrix, vector, zeros, ones, empty, full, eye."""
from __future__ import annotations

import operator

import numpy as np

from . import _interop
from ._array import _wrap
from ._dtypes import _core, normalize_dtype

__all__ = ["matrix", "vector", "zeros", "ones", "empty", "full", "eye"]


def _canonical_shape(shape):
    """Return (ndim, rows, cols) for an int or a 1-/2-tuple shape; raise ValueError naming the rank."""
    try:
        dims = tuple(operator.index(d) for d in shape) if isinstance(shape, (tuple, list)) else (operator.index(shape),)
    except TypeError:
        raise _core.PyCausetTypeError(f"a shape is an int or a tuple of 1 or 2 ints, got {shape!r}") from None
    if len(dims) not in (1, 2):
        raise _core.PyCausetValueError(
            f"pycauset supports rank 1 (Vector) and rank 2 (Matrix) shapes only; got rank {len(dims)}")
    if any(d < 0 for d in dims):
        raise _core.PyCausetValueError(f"negative dimensions are not allowed: {dims}")
    return (1, 1, dims[0]) if len(dims) == 1 else (2, dims[0], dims[1])


def _allocate(shape, dtype):
    ndim, rows, cols = _canonical_shape(shape)
    return _wrap(_core.zeros(normalize_dtype(dtype), ndim, rows, cols))


def matrix(data, dtype=None):
    """Create a Matrix from 2-D data (ndarray of any strides/byte order, numpy.memmap, nested list, pycauset object).

    The data are copied. A ``numpy.memmap`` larger than the memory budget streams into a spill file.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.matrix([[1, 2], [3, 4]]).dtype
    dtype('int64')
    """
    return _interop.import_data(data, dtype=dtype, ndim=2, wrap=_wrap)


def vector(data, dtype=None):
    """Create a Vector from 1-D data (see :func:`matrix`)."""
    return _interop.import_data(data, dtype=dtype, ndim=1, wrap=_wrap)


def zeros(shape, dtype=np.float64):
    """Return a zero-filled Matrix (2-tuple shape) or Vector (int or 1-tuple)."""
    return _allocate(shape, dtype)


def empty(shape, dtype=np.float64):
    """Like :func:`zeros` (fresh pages are zero anyway; nothing is gained by leaving garbage)."""
    return _allocate(shape, dtype)


def full(shape, value, dtype=np.float64):
    """Return an array of ``shape`` filled with ``value`` (cast to ``dtype`` as NumPy would)."""
    out = _allocate(shape, dtype)
    out._fill_raw(np.array(value, dtype=out.dtype).tobytes())
    return out


def ones(shape, dtype=np.float64):
    """Return an array of ``shape`` filled with ones."""
    return full(shape, 1, dtype)


def eye(n, m=None, k=0, dtype=np.float64):
    """Return an ``n x m`` Matrix with ones on the ``k``-th diagonal and zeros elsewhere, as ``numpy.eye``.

    Parameters
    ----------
    n : int
        Number of rows.
    m : int, optional
        Number of columns; default ``n``.
    k : int, default 0
        Which diagonal: 0 the main one, ``k > 0`` above it, ``k < 0`` below it. A diagonal outside the
        matrix (``k >= m`` or ``k <= -n``) leaves it all zeros, as in NumPy.
    dtype : data-type, default float64
        Any pycauset dtype (``bool`` gives ``True`` on the diagonal).

    Raises
    ------
    TypeError
        If ``n``, ``m`` or ``k`` is not an integer.
    ValueError
        If ``n`` or ``m`` is negative.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.to_numpy(pycauset.eye(2, 3, k=1, dtype="int8"))
    array([[0, 1, 0],
           [0, 0, 1]], dtype=int8)
    """
    m = n if m is None else m
    try:
        k = operator.index(k)
    except TypeError:
        raise _core.PyCausetTypeError(f"eye: k must be an integer, got {type(k).__name__} {k!r}") from None
    out = _allocate((n, m), dtype)
    n, m = out.shape
    # The k-th diagonal starts at (0, k) above the main one and at (-k, 0) below it.
    row, col = (0, k) if k >= 0 else (-k, 0)
    length = min(n - row, m - col)
    if length > 0:
        diagonal = out._view(1, 1, length, row * m + col, 0, m + 1)  # one step down and right: m + 1 elements
        diagonal._fill_raw(np.array(1, dtype=out.dtype).tobytes())
    return out
