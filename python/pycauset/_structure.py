"""Structure of matrices: ``triu`` and ``tril`` (NumPy's semantics, any size), and the transitive closure
of a relation in natural order."""
from __future__ import annotations

import operator

from ._array import _wrap, asarray_like
from ._dtypes import _core

__all__ = ["triu", "tril", "transitive_closure"]


def _triangle(m, k, upper: bool):
    name = "triu" if upper else "tril"
    try:
        k = operator.index(k)
    except TypeError:
        raise _core.PyCausetTypeError(f"{name}: k must be an integer, got {type(k).__name__}") from None
    return _wrap(_core.triangle(asarray_like(m), k, upper))


def triu(m, k: int = 0):
    """Upper triangle of a matrix: the elements on and above diagonal ``k``, zeros below, as ``numpy.triu``.

    Parameters
    ----------
    m : Matrix or array_like
        A 2-D matrix of any dtype (RAM or file-backed, any size: the result streams band by band).
    k : int
        Diagonal offset: 0 the main diagonal, 1 the first above it (a strictly upper triangle), -1 below.

    Returns
    -------
    Matrix
        A new matrix of ``m``'s dtype. For ``bool`` the masking runs on packed words.

    Notes
    -----
    A causal matrix is ``triu(C, 1)``: strictly upper triangular. The bit product needs no mark on it:
    it finds the zero blocks of any operand itself, so ``C @ C`` costs about N³/6 bit operations.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> pycauset.to_numpy(pycauset.triu(pycauset.matrix(np.ones((3, 3))), 1))
    array([[0., 1., 1.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    return _triangle(m, k, True)


def tril(m, k: int = 0):
    """Lower triangle of a matrix: the elements on and below diagonal ``k``, zeros above, as ``numpy.tril``.

    See :func:`triu` for the parameters.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> pycauset.to_numpy(pycauset.tril(pycauset.matrix(np.ones((2, 3))), -1))
    array([[0., 0., 0.],
           [1., 0., 0.]])
    """
    return _triangle(m, k, False)


def transitive_closure(c):
    """Transitive closure of a strictly upper-triangular bool matrix (a directed acyclic graph whose
    elements are in natural order, ``i < j`` for every edge ``i → j``).

    Entry ``(i, j)`` of the result is true when a chain ``i = x_0 → x_1 → ... → x_m = j`` exists. For a causal
    set, the closure of its link matrix is its causal matrix.

    Parameters
    ----------
    c : Matrix or array_like
        Square ``bool``, strictly upper triangular (``ValueError`` otherwise: sort the elements first).

    Returns
    -------
    Matrix
        ``bool``, placed by the memory budget (a spill file when large).

    Notes
    -----
    Rows are closed in reverse order, ``row_i ← row_i OR (OR of the closed rows j in row_i)``, on packed
    64-bit words, in bands of rows that fit the budget (later bands are read back from the result).
    Cost: one OR of a word row per set bit of the closure.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> chain_links = pycauset.matrix(np.eye(3, k=1, dtype=bool))
    >>> pycauset.to_numpy(pycauset.transitive_closure(chain_links)).astype(int)
    array([[0, 1, 1],
           [0, 0, 1],
           [0, 0, 0]])
    """
    return _wrap(_core.transitive_closure(asarray_like(c)))
