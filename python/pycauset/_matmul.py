"""Matrix products: ``pycauset.matmul`` and the ``@`` operator (one code path, NumPy's semantics)."""
from __future__ import annotations

import numpy as np

from ._array import _wrap, asarray_like, concrete
from ._dtypes import _core, normalize_dtype
from ._progress import ProgressBar, bar_delay, resolve

__all__ = ["matmul"]

_SIGNATURE = "(n?,k),(k,m?)->(n?,m?)"


def _operand(x, position: int):
    """Return ``x`` as a Matrix/Vector, rejecting 0-D operands as NumPy's matmul does."""
    x = concrete(x)
    if not isinstance(x, _core.Array) and np.ndim(x) == 0:
        raise _core.PyCausetValueError(
            f"matmul: Input operand {position} does not have enough dimensions "
            f"(has 0, gufunc core with signature {_SIGNATURE} requires 1)"
        )
    return asarray_like(x)


def matmul(a, b, *, dtype=None, progress=None):
    """Matrix product ``a @ b`` with NumPy's rules, in RAM or out of core.

    Parameters
    ----------
    a, b : Matrix, Vector, numpy.ndarray or nested list
        Operands of rank 1 or 2. A vector on the left acts as a row, on the right as a column, and
        its dimension is dropped from the result; vector @ vector is the inner product (a scalar).
    dtype : dtype, optional
        The result dtype, as ``numpy.matmul(a, b, dtype=...)``: the operands are converted to it first.
        For two ``bool`` operands and an integer (or float) ``dtype`` the result holds the counts
        ``popcount(row_i(a) AND col_j(b))``, computed on the packed bits without any conversion.
    progress : bool, optional
        Draw a progress bar (percent, GFLOP/s, ETA) on stderr while the product runs. Default ``None``: the
        process-wide setting (:func:`pycauset.set_progress`, ``PYCAUSET_PROGRESS``), off unless turned on.

    Returns
    -------
    Matrix, Vector or NumPy scalar
        The product, of dtype ``numpy.promote_types(a.dtype, b.dtype)``. It lives in RAM when it fits
        the memory budget and in a spill file otherwise (``result.storage == "file"``).

    Raises
    ------
    ValueError
        If the inner dimensions differ (NumPy's message) or an operand has rank 0.

    Notes
    -----
    float32/float64/complex64/complex128 products run in BLAS ``?gemm``; transposed views are passed
    with transpose flags (no copy); only genuinely strided slices are copied, tile by tile. Integer
    products wrap around like NumPy's; ``bool @ bool`` is the logical product (any a_ik and b_kj), computed
    like the counts by the packed-word popcount kernel (see ``documentation/internals/bits.md``), which
    skips blocks where the operands have no nonzero words in common (a strictly upper-triangular
    ``C @ C`` costs about N³/6 bit operations).
    When operands and result fit the budget the product is one BLAS call on the RAM buffers;
    otherwise a tiled out-of-core kernel streams blocks through pooled buffers with reads and
    write-backs overlapped with BLAS (see ``documentation/internals/matmul.md``).

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> a = pycauset.matrix(np.arange(6.0).reshape(2, 3))
    >>> (a @ a.T).shape
    (2, 2)
    >>> pycauset.matmul([1, 2, 3], [4, 5, 6])
    np.int64(32)
    """
    left = _operand(a, 0)
    right = _operand(b, 1)
    if dtype is not None:
        want = normalize_dtype(dtype)
        if left.dtype_name == "bool" and right.dtype_name == "bool" and want != "bool":
            return _finish(left, right, _bit_counts(left, right, want, progress))
        left, right = left.astype(want), right.astype(want)
    if resolve(progress):
        m = 1 if left.ndim == 1 else left._rows
        n = 1 if right.ndim == 1 else right._cols
        k = left._cols
        with ProgressBar(f"matmul {m}x{k} @ {k}x{n}", unit="FLOP", scale=2.0, delay=bar_delay(progress)) as bar:
            native = _core.matmul(left, right, bar)
    else:
        native = _core.matmul(left, right)
    return _finish(left, right, native)


def _bit_counts(left, right, dtype: str, progress):
    """The counts of two bool operands in ``dtype``, from the packed-word product."""
    if resolve(progress):
        m = 1 if left.ndim == 1 else left._rows
        n = 1 if right.ndim == 1 else right._cols
        with ProgressBar(f"bit counts {m}x{left._cols} @ {left._cols}x{n}", unit="band",
                         delay=bar_delay(progress)) as bar:
            native, _ = _core.bit_matmul(left, right, dtype, progress=bar)
    else:
        native, _ = _core.bit_matmul(left, right, dtype)
    return native


def _finish(left, right, native):
    """Wrap a native product; vector @ vector becomes NumPy's scalar."""
    if left.ndim == 1 and right.ndim == 1:
        # The inner product comes back as a 1 x 1 matrix; NumPy returns a scalar of the result dtype.
        return np.frombuffer(native._get_raw(0, 0), dtype=native.dtype_name)[0]
    return _wrap(native)
