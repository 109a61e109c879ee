"""NumPy's everyday array functions: *_like, arange, linspace, where, concatenate, stack, diag, allclose, ...

Every function accepts pycauset objects, lazy expressions, NumPy arrays and nested lists, and returns a
pycauset object (or a Python bool). Results are allocated by the memory budget, so a result larger than the
budget lands in a spill file; inputs are copied into it by slice assignment (C++, streaming) or, where NumPy
computes the values, one block of rows at a time (about 8 MiB per block), never as one large temporary.
"""
from __future__ import annotations

import math

import numpy as np

from ._array import _is_pycauset, asarray_like, concrete
from ._creation import empty
from ._dtypes import _core, as_int, normalize_dtype

__all__ = [
    "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace", "where", "concatenate",
    "stack", "vstack", "hstack", "diag", "allclose", "array_equal",
]

_BLOCK_BYTES = 8 * 2**20  # bytes of one block of rows computed by NumPy


def _is_array(x) -> bool:
    return _is_pycauset(x) or getattr(x, "_is_pycauset_expression", False)


def _shape_and_dtype(a):
    """Shape and dtype of any operand, without importing or evaluating it."""
    if _is_array(a):
        return tuple(a.shape), a.dtype
    array = np.asarray(a)
    return array.shape, array.dtype


# ---------------------------------------------------------------------- *_like
def _like(a, dtype, shape):
    a_shape, a_dtype = _shape_and_dtype(a)
    return empty(a_shape if shape is None else shape, dtype=a_dtype if dtype is None else dtype)


def empty_like(a, dtype=None, shape=None):
    """Return a new array with the shape and dtype of ``a`` (zero-filled: fresh pages are zero anyway).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.empty_like(pycauset.eye(2, dtype="int8")).dtype
    dtype('int8')
    """
    return _like(a, dtype, shape)


def zeros_like(a, dtype=None, shape=None):
    """Return zeros with the shape and dtype of ``a`` (``dtype`` and ``shape`` override them), as NumPy.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.zeros_like([[1, 2, 3]]).tolist()
    [[0, 0, 0]]
    """
    return _like(a, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    """Return ones with the shape and dtype of ``a``; see :func:`zeros_like`."""
    return full_like(a, 1, dtype=dtype, shape=shape)


def full_like(a, fill_value, dtype=None, shape=None):
    """Return an array with the shape and dtype of ``a`` filled with ``fill_value`` (cast as NumPy).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.full_like(pycauset.zeros(2, dtype="int32"), 7.9).tolist()
    [7, 7]
    """
    out = _like(a, dtype, shape)
    out.fill(fill_value)
    return out


# ---------------------------------------------------------------------- ranges
def _fill_by_blocks(out, values):
    """Write ``values(i0, i1)`` (a NumPy array of the elements i0..i1-1) into the Vector ``out`` in blocks."""
    step = max(1, _BLOCK_BYTES // max(1, out.dtype.itemsize))
    for i0 in range(0, out.size, step):
        i1 = min(out.size, i0 + step)
        out[i0:i1] = values(i0, i1)
    return out


def arange(start, stop=None, step=1, dtype=None):
    """Return evenly spaced values in ``[start, stop)`` as a Vector, as ``numpy.arange``.

    ``arange(n)`` counts from 0. The dtype is NumPy's (integers for integer arguments). Long ranges are
    written in blocks straight into the result, which the budget may place in a spill file.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.arange(2, 11, 3).tolist()
    [2, 5, 8]
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise _core.PyCausetValueError("arange: step must not be zero (got step=0); pass a positive or negative step")
    dtype = np.arange(start, start + step, step, dtype=dtype).dtype if dtype is None else np.dtype(dtype)
    length = max(0, math.ceil((stop - start) / step))
    if length * dtype.itemsize <= _BLOCK_BYTES:
        return asarray_like(np.arange(start, stop, step, dtype=dtype))
    # NumPy fills start + i * delta with delta = (start + step) - start computed in the dtype.
    first = np.array(start, dtype=dtype)
    delta = np.array(start + step, dtype=dtype) - first
    out = empty(length, dtype=dtype)
    return _fill_by_blocks(out, lambda i0, i1: (first + np.arange(i0, i1) * delta).astype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None):
    """Return ``num`` evenly spaced values from ``start`` to ``stop`` as a Vector, as ``numpy.linspace``.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    num = as_int(num, "linspace: num")
    if num < 0:
        raise _core.PyCausetValueError(f"linspace: num must be non-negative, got {num}")
    values, step = np.linspace(start, stop, min(num, 2), endpoint=endpoint, retstep=True, dtype=dtype)
    result_dtype = values.dtype
    if num * result_dtype.itemsize <= _BLOCK_BYTES:
        out = asarray_like(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype))
        step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True)[1]
    else:
        divisions = num - 1 if endpoint else num
        step = (stop - start) / divisions
        out = empty(num, dtype=result_dtype)
        _fill_by_blocks(out, lambda i0, i1: (np.arange(i0, i1) * step + start).astype(result_dtype))
        if endpoint:
            out[num - 1] = stop
    return (out, step) if retstep else out


# ---------------------------------------------------------------------- where: blocks of rows through NumPy
def _block(operand, shape, rows: slice):
    """The part of ``operand`` (broadcast to ``shape``) in ``rows`` of the result, as NumPy data.

    Rows of a matrix result; elements of a vector result. Operands that broadcast along the sliced axis
    (scalars, rows, single-row matrices) are taken whole.
    """
    from ._interop import to_numpy

    if not _is_array(operand) and np.ndim(operand) == 0:
        return operand
    op_shape, _ = _shape_and_dtype(operand)
    if len(op_shape) < len(shape) or op_shape[0] == 1 and shape[0] != 1:
        part = operand
    else:
        part = operand[rows]
    return to_numpy(part, allow_huge=True) if _is_array(part) else np.asarray(part)


def _result_type(*operands):
    """NumPy's result dtype, with Python scalars weak (NEP 50) and pycauset operands by their dtype."""
    return np.result_type(*[_shape_and_dtype(operand)[1] if _is_array(operand) or isinstance(operand, np.ndarray)
                            or np.ndim(operand) != 0 else operand for operand in operands])


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` is true, else of ``y``, as ``numpy.where`` (broadcasting).

    The one-argument form ``where(condition)`` returns the indices of the true elements, as
    ``numpy.nonzero`` (a tuple of NumPy int64 arrays).

    Notes
    -----
    The result is allocated by the memory budget and computed one block of rows at a time (about
    8 MiB): expressions among the operands are evaluated only for those rows.

    Examples
    --------
    >>> import pycauset
    >>> v = pycauset.vector([1, -2, 3])
    >>> pycauset.where(v > 0, v, 0).tolist()
    [1, 0, 3]
    """
    if x is None and y is None:
        return _nonzero(condition)
    if x is None or y is None:
        raise _core.PyCausetValueError("either both or neither of x and y should be given")
    operands = (condition, x, y)
    shape = np.broadcast_shapes(*[_shape_and_dtype(o)[0] for o in operands])
    if len(shape) not in (1, 2):
        raise _core.PyCausetValueError(
            f"where: pycauset supports rank 1 and 2 results only; the operands broadcast to rank {len(shape)}")
    dtype = _result_type(x, y)
    out = empty(shape, dtype=dtype)
    row_bytes = max(1, (shape[1] if len(shape) == 2 else 1) * dtype.itemsize)
    step = max(1, _BLOCK_BYTES // row_bytes)
    for r0 in range(0, shape[0], step):
        rows = slice(r0, min(shape[0], r0 + step))
        block = np.where(*[_block(o, shape, rows) for o in operands])
        out[rows] = np.broadcast_to(block, (rows.stop - rows.start,) + tuple(shape[1:]))
    return out


def _nonzero(condition):
    from ._reductions import _as_truth

    bits = _as_truth(condition)
    found = [[] for _ in range(bits.ndim)]
    shape = bits.shape
    step = max(1, _BLOCK_BYTES // max(1, shape[-1] if bits.ndim == 2 else 1))
    for r0 in range(0, shape[0], step):
        rows = slice(r0, min(shape[0], r0 + step))
        for axis, index in enumerate(np.nonzero(_block(bits, shape, rows))):
            found[axis].append(index + r0 if axis == 0 else index)
    return tuple(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64) for parts in found)


# ---------------------------------------------------------------------- joining
def _as_operand(a):
    """Pycauset objects (expressions evaluated) as they are; other data as a NumPy array."""
    a = concrete(a)
    if _is_pycauset(a):
        return a
    array = np.asarray(a)
    if array.ndim not in (1, 2):
        raise _core.PyCausetValueError(
            f"pycauset supports rank 1 (Vector) and rank 2 (Matrix) data only; got rank {array.ndim}")
    return array


def concatenate(arrays, axis=0, dtype=None):
    """Join arrays along an existing axis, as ``numpy.concatenate`` (``axis=None`` flattens first).

    Each input is copied into its place in the result by slice assignment in the C++ core: inputs and
    result may be file-backed and larger than the budget (the result then is a spill file).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.concatenate([pycauset.eye(2), pycauset.zeros((1, 2))]).shape
    (3, 2)
    """
    parts = [_as_operand(a) for a in arrays]
    if not parts:
        raise _core.PyCausetValueError("need at least one array to concatenate")
    if axis is None:
        parts = [p.ravel() for p in parts]
        axis = 0
    ndim = parts[0].ndim
    if any(p.ndim != ndim for p in parts):
        dims = [p.ndim for p in parts]
        raise _core.PyCausetValueError(
            f"all the input arrays must have same number of dimensions, got dimensions {dims}")
    axis = as_int(axis, "concatenate: axis")
    if not -ndim <= axis < ndim:
        raise _core.PyCausetIndexError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    axis %= ndim
    for p in parts:
        for other in range(ndim):
            if other != axis and p.shape[other] != parts[0].shape[other]:
                raise _core.PyCausetValueError(
                    "all the input array dimensions except for the concatenation axis must match exactly, but along "
                    f"dimension {other}, the arrays have sizes {[q.shape[other] for q in parts]}")
    shape = list(parts[0].shape)
    shape[axis] = sum(p.shape[axis] for p in parts)
    out = empty(tuple(shape), dtype=np.result_type(*[p.dtype for p in parts]) if dtype is None else dtype)
    start = 0
    for p in parts:
        stop = start + p.shape[axis]
        if stop > start:
            out[(slice(None),) * axis + (slice(start, stop),)] = p
        start = stop
    return out


def stack(arrays, axis=0):
    """Join vectors along a new axis into a matrix, as ``numpy.stack`` (``axis`` 0: rows, 1: columns).

    Stacking matrices would make a rank-3 array, which pycauset does not have (``ValueError``).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.stack([pycauset.vector([1, 2]), pycauset.vector([3, 4])], axis=1).tolist()
    [[1, 3], [2, 4]]
    """
    parts = [_as_operand(a) for a in arrays]
    if not parts:
        raise _core.PyCausetValueError("need at least one array to stack")
    if any(p.ndim != 1 for p in parts):
        raise _core.PyCausetValueError("stack of matrices would give a rank-3 array; pycauset supports rank 1 and 2 only. "
                           "Use concatenate, vstack or hstack to join matrices")
    if len({p.shape for p in parts}) != 1:
        raise _core.PyCausetValueError(f"all input arrays must have the same shape, got {[p.shape for p in parts]}")
    axis = as_int(axis, "stack: axis")
    if not -2 <= axis < 2:
        raise _core.PyCausetIndexError(f"axis {axis} is out of bounds for array of dimension 2")
    rows = [p.reshape(1, -1) for p in parts]
    joined = concatenate(rows, axis=0)
    return joined if axis % 2 == 0 else joined.T.copy()


def vstack(arrays):
    """Stack rows: vectors become rows of a matrix, matrices are joined along axis 0 (``numpy.vstack``)."""
    return concatenate([p.reshape(1, -1) if p.ndim == 1 else p for p in map(_as_operand, arrays)], axis=0)


def hstack(arrays):
    """Join along the columns (``numpy.hstack``): vectors end to end, matrices side by side."""
    parts = [_as_operand(a) for a in arrays]
    return concatenate(parts, axis=0 if parts and parts[0].ndim == 1 else 1)


def diag(v, k=0):
    """The ``k``-th diagonal of a matrix (a Vector view), or a square matrix with vector ``v`` on it (``numpy.diag``).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.diag(pycauset.vector([1, 2]), k=1).tolist()
    [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    v = _as_operand(v)
    k = as_int(k, "diag: k")
    if v.ndim == 2:
        return asarray_like(v).diagonal(k)
    n = v.shape[0] + abs(k)
    out = empty((n, n), dtype=v.dtype)
    out.diagonal(k)[:] = v
    return out


# ---------------------------------------------------------------------- comparisons: fused reductions
def _float_view(a, dtype):
    """``a`` as a lazy expression cast to ``dtype`` (no copy is made)."""
    from ._expr import Expression
    from ._reductions import _node

    return Expression(_core.expr_cast(_node(a), normalize_dtype(dtype)))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``|a - b| <= atol + rtol * |b|`` everywhere, as ``numpy.allclose`` (broadcasting).

    Infinities compare equal to themselves; NaNs only with ``equal_nan=True``. One fused pass over both
    operands (an expression and a popcount of its bool result), whatever their size or placement.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.allclose(pycauset.vector([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    True
    """
    from ._reductions import all as reduce_all

    dtype = np.result_type(_shape_and_dtype(a)[1], _shape_and_dtype(b)[1], 1.0)
    x, y = _float_view(_array_operand(a), dtype), _float_view(_array_operand(b), dtype)
    # Where y is infinite the tolerance is infinite too: only exact equality counts there, as in NumPy.
    close = ((abs(x - y) <= atol + rtol * abs(y)) & np.isfinite(y)) | (x == y)
    if equal_nan:
        close = close | (np.isnan(x) & np.isnan(y))
    return bool(reduce_all(close))


def _array_operand(a):
    return a if _is_array(a) else asarray_like(a)


def array_equal(a1, a2, equal_nan=False):
    """Whether two arrays have the same shape and elements, as ``numpy.array_equal`` (a fused pass).

    Examples
    --------
    >>> import pycauset
    >>> pycauset.array_equal(pycauset.eye(2), [[1, 0], [0, 1]])
    True
    """
    from ._reductions import all as reduce_all

    if _shape_and_dtype(a1)[0] != _shape_and_dtype(a2)[0]:
        return False
    x, y = _array_operand(a1), _array_operand(a2)
    same = x == y
    if equal_nan and all(np.dtype(o.dtype).kind in "fc" for o in (x, y)):
        same = same | (np.isnan(x) & np.isnan(y))
    if x.size == 0:
        return True
    return bool(reduce_all(same))
