"""Reductions: sum, mean, min, max, norm and trace, fused with lazy expressions (one pass, no temporary)."""
from __future__ import annotations

import operator

import numpy as np

__all__ = ["sum", "mean", "min", "max", "norm", "trace", "any", "all"]


def _node(a):
    """Return the native expression node of ``a`` (a pycauset object, expression or array-like)."""
    from ._array import asarray_like
    from ._dtypes import _core
    from ._expr import _node as node_of

    node = node_of(a)
    return node if node is not None else _core.expr_leaf(asarray_like(a))


def _normalize_axis(axis, ndim: int):
    if axis is None:
        return None
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"axis must be None, 0 or 1, got {axis!r}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
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
    from ._dtypes import _core
    from ._matmul import matmul

    axis = _normalize_axis(axis, bits.ndim)
    if axis is None:
        return np.int64(_core.count_true(bits))
    from ._creation import ones

    if axis == 0:
        return matmul(ones(bits.shape[0], dtype="bool"), bits, dtype="int64")
    return matmul(bits, ones(bits.shape[1], dtype="bool"), dtype="int64")


def _reduce(a, name: str, axis):
    from ._array import _wrap

    node = _node(a)
    axis = _normalize_axis(axis, node.ndim)
    if axis is None:
        dtype, raw = node._reduce(name)
        return np.frombuffer(raw, dtype=np.dtype(dtype))[0]
    return _wrap(node._reduce(name, axis))


def sum(a, axis=None):  # noqa: A001 - the public name mirrors numpy.sum
    """Sum of the elements, as ``numpy.sum``.

    Parameters
    ----------
    a : Matrix, Vector, expression or array_like
    axis : {None, 0, 1}
        None: all elements (a NumPy scalar). 0 or 1: along that axis of a matrix (a Vector).

    Returns
    -------
    numpy scalar or Vector
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
        return _bool_sum(bits, axis)
    return _reduce(a, "sum", axis)


def any(a, axis=None):  # noqa: A001 - the public name mirrors numpy.any
    """Whether any element is true (non-zero), as ``numpy.any``; ``axis`` None, 0 or 1.

    Bool matrices are reduced on their packed words (a popcount); other dtypes test ``a != 0`` first.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> bool(pycauset.any(pycauset.matrix(np.eye(2, dtype=bool))))
    True
    """
    counts = _truth_counts(a, axis)
    return counts > 0 if not isinstance(counts, np.integer) else np.bool_(counts > 0)


def all(a, axis=None):  # noqa: A001 - the public name mirrors numpy.all
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
    if axis is None:
        return np.bool_(counts == bits.size)
    return counts == bits.shape[axis]


def _as_truth(a):
    """``a`` as a packed bool array: itself if bool, else ``a != 0`` evaluated."""
    from ._array import asarray_like

    bits = _packed_bool(a)
    if bits is None:
        bits = (asarray_like(a) != 0).eval()
    return bits


def _truth_counts(a, axis):
    return _bool_sum(_as_truth(a), axis)


def mean(a, axis=None):
    """Arithmetic mean, as ``numpy.mean`` (integers give float64). See :func:`sum` for parameters.

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.mean(pycauset.vector([1, 2, 3, 4])))
    2.5
    """
    return _reduce(a, "mean", axis)


def min(a, axis=None):  # noqa: A001
    """Minimum, as ``numpy.min`` (NaN propagates; empty input raises ValueError). See :func:`sum`.

    Examples
    --------
    >>> import pycauset
    >>> int(pycauset.min(pycauset.vector([3, 1, 2])))
    1
    """
    return _reduce(a, "min", axis)


def max(a, axis=None):  # noqa: A001
    """Maximum, as ``numpy.max`` (NaN propagates; empty input raises ValueError). See :func:`sum`.

    Examples
    --------
    >>> import pycauset
    >>> int(pycauset.max(pycauset.vector([3, 1, 2])))
    3
    """
    return _reduce(a, "max", axis)


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
        raise ValueError(f"trace needs a 2-D matrix, got an array of dimension {node.ndim}")
    dtype, raw = node._diagonal()._reduce("sum")
    return np.frombuffer(raw, dtype=np.dtype(dtype))[0]


