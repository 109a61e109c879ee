"""Matrix products: ``pycauset.matmul`` and the ``@`` operator (one code path, NumPy's semantics)."""
from __future__ import annotations

import numpy as np

from ._array import _wrap, asarray_like, concrete
from ._dtypes import _core
from ._progress import ProgressBar

__all__ = ["matmul"]

_SIGNATURE = "(n?,k),(k,m?)->(n?,m?)"


def _operand(x, position: int):
    """Return ``x`` as a Matrix/Vector, rejecting 0-D operands as NumPy's matmul does."""
    x = concrete(x)
    if not isinstance(x, _core.Array) and np.ndim(x) == 0:
        raise ValueError(
            f"matmul: Input operand {position} does not have enough dimensions "
            f"(has 0, gufunc core with signature {_SIGNATURE} requires 1)"
        )
    return asarray_like(x)


def matmul(a, b, *, progress: bool = False):
    """Matrix product ``a @ b`` with NumPy's rules, in RAM or out of core.

    Parameters
    ----------
    a, b : Matrix, Vector, numpy.ndarray or nested list
        Operands of rank 1 or 2. A vector on the left acts as a row, on the right as a column, and
        its dimension is dropped from the result; vector @ vector is the inner product (a scalar).
    progress : bool
        Draw a progress bar (percent, GFLOP/s, ETA) on stderr while the product runs.

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
    products wrap around like NumPy's; ``bool @ bool`` is the logical product (any a_ik and b_kj).
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
    if progress:
        m = 1 if left.ndim == 1 else left._rows
        n = 1 if right.ndim == 1 else right._cols
        k = left._cols
        with ProgressBar(f"matmul {m}x{k} @ {k}x{n}", unit="FLOP", scale=2.0) as bar:
            native = _core.matmul(left, right, bar)
    else:
        native = _core.matmul(left, right)
    if left.ndim == 1 and right.ndim == 1:
        # The inner product comes back as a 1 x 1 matrix; NumPy returns a scalar of the result dtype.
        return np.frombuffer(native._get_raw(0, 0), dtype=native.dtype_name)[0]
    return _wrap(native)
