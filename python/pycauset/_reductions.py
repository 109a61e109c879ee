"""Reductions: sum, mean, min, max, argmin, argmax, std, var, norm, trace, any, all.

sum, mean, min, max and norm run in the C++ core fused with lazy expressions (one pass, no temporary);
std and var are two such passes; argmin and argmax stream blocks of rows through NumPy.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from ._dtypes import _core, as_int

__all__ = ["sum", "mean", "min", "max", "argmin", "argmax", "std", "var", "norm", "trace", "any", "all"]


def _node(a):
    """Return the native expression node of ``a`` (a pycauset object, expression or array-like)."""
    from ._array import asarray_like
    from ._expr import _node as node_of

    node = node_of(a)
    return node if node is not None else _core.expr_leaf(asarray_like(a))


def _normalize_axis(axis, ndim: int):
    if axis is None:
        return None
    try:
        axis = operator.index(axis)
    except TypeError:
        raise _core.PyCausetTypeError(f"axis must be None, 0 or 1, got {axis!r}") from None
    if not -ndim <= axis < ndim:
        raise _core.PyCausetValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    axis %= ndim
    return None if ndim == 1 else axis  # a vector's only axis is all of it


def _packed_bool(a):
    """Return ``a`` as a bit-packed bool Matrix/Vector if it is one (or a bool expression, evaluated on
    packed words), else None: bool sums are popcounts, never unpacked."""
    from ._array import _is_pycauset

    if getattr(a, "_is_pycauset_expression", False) and a.dtype == np.bool_:
        a = a.eval()
    return a if _is_pycauset(a) and a.dtype_name == "bool" else None


def _bool_sum(bits, axis):
    """Counts of set bits: all of them (a popcount), or per row / column as a product with a vector of
    ones on the packed-word kernel (NumPy's int64 result)."""
    from ._matmul import matmul

    axis = _normalize_axis(axis, bits.ndim)
    if axis is None:
        return np.int64(_core.count_true(bits))
    from ._creation import ones

    if axis == 0:
        return matmul(ones(bits.shape[0], dtype="bool"), bits, dtype="int64")
    return matmul(bits, ones(bits.shape[1], dtype="bool"), dtype="int64")


def _reduce(a, name: str, axis, dtype=None, keepdims=False):
    from ._array import _wrap
    from ._dtypes import normalize_dtype

    node = a if isinstance(a, _core.Expr) else _node(a)
    ndim = node.ndim
    if dtype is not None:
        # NumPy's dtype= is the accumulator and result type: cast inside the fused pass, no temporary.
        node = _core.expr_cast(node, normalize_dtype(dtype))
    axis = _normalize_axis(axis, ndim)
    if axis is None:
        result_dtype, raw = node._reduce(name)
        result = np.frombuffer(raw, dtype=np.dtype(result_dtype))[0]
    else:
        result = _wrap(node._reduce(name, axis))
    if dtype is not None and result.dtype != np.dtype(dtype):
        # Small integers accumulate in 64 bits; wrapping the total equals NumPy's wrapping accumulator.
        result = result.astype(dtype)
    return _keep_dims(result, axis, ndim) if keepdims else result


def _keep_dims(result, axis, ndim: int):
    """Give a reduced result back the reduced axes with length one, as NumPy's ``keepdims=True``.

    ``axis`` is the normalised axis (None for all of them, or for a vector's only one).
    """
    from ._array import _is_pycauset
    from ._creation import full

    if not _is_pycauset(result):  # a scalar: every axis was reduced
        return full((1,) * ndim, result, dtype=result.dtype)
    if _is_pycauset(result) and getattr(result, "_is_pycauset_expression", False):
        result = result.eval()
    return result.reshape((1, -1) if axis == 0 else (-1, 1))


def sum(a, axis=None, dtype=None, keepdims=False):  # noqa: A001 - the public name mirrors numpy.sum
    """Sum of the elements, as ``numpy.sum``.

    Parameters
    ----------
    a : Matrix, Vector, expression or array_like
    axis : {None, 0, 1}
        None: all elements (a NumPy scalar). 0 or 1: along that axis of a matrix (a Vector).
    dtype : dtype, optional
        Accumulator and result type, as NumPy's ``dtype=`` (the cast is fused into the pass).
    keepdims : bool
        Keep the reduced axes with length one (a 1 x 1 or 1 x n Matrix, or a length-1 Vector).

    Returns
    -------
    numpy scalar, Vector or Matrix
        dtype as NumPy: bool and signed integers sum to int64, unsigned to uint64.

    Notes
    -----
    Fused with expressions: ``pycauset.sum(A * B)`` reads A and B once and never forms ``A * B``.
    Float sums accumulate in double precision, pairwise, so a float32 sum of 2**25 ones is exact.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> pycauset.sum(pycauset.matrix(np.ones((3, 4), dtype=np.float32)))
    np.float32(12.0)
    """
    bits = _packed_bool(a)
    if bits is not None:
        counts = _bool_sum(bits, axis)  # a popcount on packed words, whatever dtype= asks for
        if dtype is not None:
            counts = counts.astype(dtype)
        return _keep_dims(counts, _normalize_axis(axis, bits.ndim), bits.ndim) if keepdims else counts
    return _reduce(a, "sum", axis, dtype, keepdims)


def any(a, axis=None, keepdims=False):  # noqa: A001 - the public name mirrors numpy.any
    """Whether any element is true (non-zero), as ``numpy.any``; ``axis`` None, 0 or 1.

    Bool matrices are reduced on their packed words (a popcount); other dtypes test ``a != 0`` first.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> bool(pycauset.any(pycauset.matrix(np.eye(2, dtype=bool))))
    True
    """
    bits = _as_truth(a)
    counts = _bool_sum(bits, axis)
    result = (counts > 0).eval() if not isinstance(counts, np.integer) else np.bool_(counts > 0)
    return _keep_dims(result, _normalize_axis(axis, bits.ndim), bits.ndim) if keepdims else result


def all(a, axis=None, keepdims=False):  # noqa: A001 - the public name mirrors numpy.all
    """Whether every element is true (non-zero), as ``numpy.all``; ``axis`` None, 0 or 1.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> bool(pycauset.all(pycauset.matrix(np.eye(2, dtype=bool))))
    False
    """
    bits = _as_truth(a)
    axis = _normalize_axis(axis, bits.ndim)
    counts = _bool_sum(bits, axis)
    result = np.bool_(counts == bits.size) if axis is None else (counts == bits.shape[axis]).eval()
    return _keep_dims(result, axis, bits.ndim) if keepdims else result


def _as_truth(a):
    """``a`` as a packed bool array: itself if bool, else ``a != 0`` evaluated."""
    from ._array import asarray_like

    bits = _packed_bool(a)
    if bits is None:
        bits = (asarray_like(a) != 0).eval()
    return bits


def mean(a, axis=None, dtype=None, keepdims=False):
    """Arithmetic mean, as ``numpy.mean`` (integers give float64). See :func:`sum` for parameters.

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.mean(pycauset.vector([1, 2, 3, 4])))
    2.5
    """
    node = _node(a)
    lengths = (node._rows, node._cols) if node.ndim == 2 else (node._cols,)
    along = _normalize_axis(axis, node.ndim)
    if 0 in (lengths if along is None else (lengths[along],)):  # NaN, with NumPy's warning
        import warnings

        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
    return _reduce(node, "mean", axis, dtype, keepdims)


def min(a, axis=None, keepdims=False):  # noqa: A001
    """Minimum, as ``numpy.min`` (NaN propagates; empty input raises ValueError). See :func:`sum`.

    Examples
    --------
    >>> import pycauset
    >>> int(pycauset.min(pycauset.vector([3, 1, 2])))
    1
    """
    return _reduce(a, "min", axis, keepdims=keepdims)


def max(a, axis=None, keepdims=False):  # noqa: A001
    """Maximum, as ``numpy.max`` (NaN propagates; empty input raises ValueError). See :func:`sum`.

    Examples
    --------
    >>> import pycauset
    >>> int(pycauset.max(pycauset.vector([3, 1, 2])))
    3
    """
    return _reduce(a, "max", axis, keepdims=keepdims)


def norm(a, axis=None):
    """Frobenius norm of a matrix, 2-norm of a vector, or 2-norms along ``axis`` (0 or 1).

    The one implementation of these norms (``pycauset.linalg.norm`` uses it for ``ord=None``/'fro').
    The result dtype is as ``numpy.linalg.norm``: float32 for float32/complex64, else float64.

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.norm(pycauset.vector([3.0, 4.0])))
    5.0
    """
    return _reduce(a, "norm", axis)


def trace(a):
    """Sum of the main diagonal of a matrix, as ``numpy.trace`` (dtype as :func:`sum`).

    For an expression only the diagonal elements are computed.

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.trace(pycauset.eye(3)))
    3.0
    """
    node = _node(a)
    if node.ndim != 2:
        raise _core.PyCausetValueError(f"trace needs a 2-D matrix, got an array of dimension {node.ndim}")
    dtype, raw = node._diagonal()._reduce("sum")
    return np.frombuffer(raw, dtype=np.dtype(dtype))[0]




# ---------------------------------------------------------------------- std and var: two fused passes
def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance, as ``numpy.var``: ``sum(|x - mean|**2) / (N - ddof)`` over all elements or along ``axis``.

    Parameters
    ----------
    a : Matrix, Vector, expression or array_like
    axis : {None, 0, 1}
    dtype : dtype, optional
        Type used for the computation (integers default to float64).
    ddof : int
        Delta degrees of freedom: the divisor is ``N - ddof`` (1 for the unbiased sample variance).
    keepdims : bool
        Keep the reduced axes with length one.

    Returns
    -------
    numpy scalar, Vector or Matrix
        Real even for complex input (float32 for complex64), as NumPy.

    Notes
    -----
    Two passes of the fused reductions, each streaming the input once: the mean, then the sum of
    ``abs(x - mean)**2`` (never formed as an array). Two passes avoid the cancellation of the one-pass
    formula ``E[x**2] - E[x]**2``; each pass accumulates in double precision.

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.var(pycauset.vector([1.0, 2.0, 3.0, 4.0])))
    1.25
    >>> float(pycauset.var(pycauset.vector([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    """
    return _statistic(a, axis, dtype, ddof, keepdims, take_root=False)


def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Standard deviation, as ``numpy.std``: the square root of :func:`var` (same parameters).

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.std(pycauset.vector([1.0, 3.0])))
    1.0
    """
    return _statistic(a, axis, dtype, ddof, keepdims, take_root=True)


def _statistic(a, axis, dtype, ddof, keepdims, take_root):
    """var (or std if ``take_root``): computed in ``dtype`` if it is a float or complex type, else in
    float64 (integers and bool) or the input's own type; the result is cast to ``dtype`` when given, as NumPy."""
    import warnings

    from ._array import asarray_like, concrete
    from ._dtypes import normalize_dtype
    from ._expr import Expression, _node as node_of

    ddof = as_int(ddof, "ddof")
    source = a if node_of(a) is not None else asarray_like(a)
    ndim = _node(source).ndim
    axis = _normalize_axis(axis, ndim)
    compute = np.dtype(dtype) if dtype is not None else source.dtype
    if compute.kind in "biu":
        compute = np.dtype(np.float64)
    if compute != source.dtype:
        source = Expression(_core.expr_cast(_node(source), normalize_dtype(compute)))
    center = mean(source, axis=axis)
    if axis == 1:
        center = center.reshape(-1, 1)  # one mean per row, broadcast along the row
    deviations = abs(source - center)
    squares = sum(deviations * deviations, axis=axis)
    count = source.size if axis is None else source.shape[axis]
    if count - ddof <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = concrete(squares / builtins.max(count - ddof, 0))
        if take_root:
            result = concrete(np.sqrt(result))
    if dtype is not None and result.dtype != np.dtype(dtype):
        result = result.astype(dtype)
    return _keep_dims(result, axis, ndim) if keepdims else result


# ---------------------------------------------------------------------- argmin and argmax: blocks of rows
_BLOCK_BYTES = 8 * 2**20  # rows exported per block: at most this much, or one row if a row is larger


def _row_blocks(source):
    """Yield ``(first_row, block)``: consecutive blocks of rows of a matrix as NumPy arrays (evaluating
    an expression only for those rows); a vector comes as one 1 x n block per chunk of columns."""
    if source.ndim == 1:
        step = _BLOCK_BYTES // builtins.max(1, source.dtype.itemsize)
        for start in range(0, source.shape[0], step):
            yield start, _numpy_block(source[start:start + step])[None, :]
        return
    rows, cols = source.shape
    step = builtins.max(1, _BLOCK_BYTES // builtins.max(1, cols * source.dtype.itemsize))
    for start in range(0, rows, step):
        yield start, _numpy_block(source[start:start + step])


def _numpy_block(part):
    """A block as NumPy data: a read-only view of RAM-backed unpacked data (no copy), else a copy of the
    block alone (bit-packed bool, spill files, expressions evaluated for these rows only)."""
    from ._array import _is_pycauset
    from ._interop import to_numpy

    if _is_pycauset(part) and part.storage == "ram" and part.dtype != np.bool_:
        return to_numpy(part, copy=False, allow_huge=True)
    return to_numpy(part, allow_huge=True)


def _better(best, candidate, pick):
    """True where ``candidate`` replaces ``best`` under NumPy's rule for ``pick`` (np.argmin or np.argmax):
    strictly better, or the first NaN; ties keep the earlier element."""
    return pick(np.stack([best, candidate]), axis=0) == 1


def _arg_reduce(a, axis, keepdims, pick, name):
    from ._array import asarray_like
    from ._creation import vector
    from ._expr import _node as node_of

    source = a if node_of(a) is not None else asarray_like(a)
    ndim = source.ndim
    axis = _normalize_axis(axis, ndim)
    if (source.size if axis is None else source.shape[axis]) == 0:
        raise _core.PyCausetValueError(f"attempt to get {name} of an empty sequence")
    if source.size == 0:  # an empty matrix reduced along its non-empty axis: no indices
        result = vector(np.zeros(0, dtype=np.int64))
        return _keep_dims(result, axis, ndim) if keepdims else result
    if axis is None:
        best_value, best_index = None, 0
        for start, block in _row_blocks(source):
            k = int(pick(block))
            value = block.flat[k]
            if best_value is None or _better(np.array([best_value]), np.array([value]), pick)[0]:
                flat_start = start * block.shape[1] if ndim == 2 else start
                best_value, best_index = value, flat_start + k
        result = np.intp(best_index)
        return _keep_dims(result, None, ndim) if keepdims else result
    if axis == 1:
        indices = np.concatenate([pick(block, axis=1) for _, block in _row_blocks(source)])
    else:
        best_value = best_index = None
        for start, block in _row_blocks(source):
            k = pick(block, axis=0)
            value = block[k, np.arange(block.shape[1])]
            if best_value is None:
                best_value, best_index = value, k + start
                continue
            replace = _better(best_value, value, pick)
            best_value = np.where(replace, value, best_value)
            best_index = np.where(replace, k + start, best_index)
        indices = best_index
    result = vector(np.asarray(indices, dtype=np.int64))
    return _keep_dims(result, axis, ndim) if keepdims else result


def argmin(a, axis=None, keepdims=False):
    """Index of the minimum, as ``numpy.argmin``: the first occurrence; a NaN counts as the minimum.

    Parameters
    ----------
    a : Matrix, Vector, expression or array_like
    axis : {None, 0, 1}
        None: a flat (row-major) index. 0 or 1: one index per column or per row (an int64 Vector).
    keepdims : bool
        Keep the reduced axes with length one.

    Notes
    -----
    Streams blocks of rows (about 8 MiB each, or one row if a row is larger) through NumPy's argmin;
    an expression is evaluated one block at a time.

    Examples
    --------
    >>> import pycauset
    >>> int(pycauset.argmin(pycauset.vector([3, 1, 2, 1])))
    1
    """
    return _arg_reduce(a, axis, keepdims, np.argmin, "argmin")


def argmax(a, axis=None, keepdims=False):
    """Index of the maximum, as ``numpy.argmax``: the first occurrence; a NaN counts as the maximum.

    See :func:`argmin` for the parameters.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> pycauset.argmax(pycauset.matrix(np.array([[1, 5], [5, 0]])), axis=0).tolist()
    [1, 0]
    """
    return _arg_reduce(a, axis, keepdims, np.argmax, "argmax")
