"""Lazy elementwise expressions: building operand trees and the Expression class."""
from __future__ import annotations

import numbers

import numpy as np

from ._dtypes import _core, normalize_dtype
from ._operators import ArithmeticMixin
from ._progress import bar_for
from ._protocols import ProtocolMixin

__all__ = ["Expression"]

_PY_SCALAR_KINDS = ((bool, "b"), (numbers.Integral, "i"), (numbers.Real, "f"), (numbers.Complex, "c"))


def _is_python_scalar(x) -> bool:
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


def _is_scalar(x) -> bool:
    return _is_python_scalar(x) or isinstance(x, np.generic) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _node(x):
    """Return the native expression node of a pycauset object or expression, or None."""
    from ._array import _ArrayBase

    if isinstance(x, Expression):
        return x._node
    if isinstance(x, _ArrayBase):
        return _core.expr_leaf(x)
    return None


def _scalar_node(x, partner_dtype: str):
    """A scalar leaf: Python scalars are weak (NEP 50: they take the partner's dtype kind), NumPy
    scalars and 0-d arrays keep their own dtype."""
    if _is_python_scalar(x):
        kind = next(k for t, k in _PY_SCALAR_KINDS if isinstance(x, t))
        dtype = _core.promote_with_scalar(partner_dtype, kind)
    else:
        dtype = normalize_dtype(np.asarray(x).dtype)
    # np.array raises OverflowError for a Python int out of the dtype's range, as NumPy 2 does.
    return _core.expr_scalar(dtype, np.array(x, dtype=dtype).tobytes())


def operand_node(x, partner_dtype: str):
    """Return a native node for any operand: pycauset object, expression, scalar, array-like.

    Array-likes (ndarrays, nested lists) are imported once into a pycauset array.
    """
    node = _node(x)
    if node is not None:
        return node
    if _is_scalar(x):
        return _scalar_node(x, partner_dtype)
    from ._array import asarray_like

    return _core.expr_leaf(asarray_like(x))


def _dtype_of(x) -> str | None:
    node = _node(x)
    if node is not None:
        return node.dtype_name
    if _is_scalar(x) and not _is_python_scalar(x):
        return normalize_dtype(np.asarray(x).dtype)
    return None


def apply(op: str, *operands):
    """Build the lazy expression ``op(*operands)`` (ufunc name; one or two operands).

    At least one operand must be a pycauset object or expression, or an array-like; Python scalars
    take their dtype from the other operand (NEP 50).
    """
    if len(operands) == 1:
        return Expression(_core.expr_unary(op, operand_node(operands[0], "float64")))
    a, b = operands
    a_dtype, b_dtype = _dtype_of(a), _dtype_of(b)
    if a_dtype is None and not _is_python_scalar(a):
        a = _import(a)
        a_dtype = a.dtype_name
    if b_dtype is None and not _is_python_scalar(b):
        b = _import(b)
        b_dtype = b.dtype_name
    if op == "power":
        _check_power(a_dtype, b)
    return Expression(_core.expr_binary(op, operand_node(a, b_dtype or "float64"), operand_node(b, a_dtype or "float64")))


def _import(x):
    from ._array import asarray_like

    return asarray_like(x)


def _check_power(base_dtype: str, exponent) -> None:
    """NumPy refuses negative integer powers of integers; an array exponent is checked by its minimum."""
    if base_dtype is None:  # a Python scalar base: its dtype follows the exponent
        return
    if _is_scalar(exponent):
        value = np.asarray(exponent)
        negative = value.dtype.kind in "biu" and value < 0
    else:
        from ._reductions import min as minimum

        exponent_kind = np.dtype(_dtype_of(exponent)).kind
        negative = exponent_kind in "iu" and getattr(exponent, "size", 1) > 0 and minimum(exponent) < 0
        value = np.zeros((), dtype=_dtype_of(exponent))
    if negative and value.dtype.kind in "biu" and np.dtype(base_dtype).kind in "biu":
        raise _core.PyCausetValueError("Integers to negative integer powers are not allowed.")


def _resolve_index(shape, key):
    """Return ('element', i, j), or ('view', kind, args) for a basic index of a 1-D/2-D shape."""
    from ._array import _normalize_index, _slice_bounds

    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(slice(None) if k is Ellipsis else k for k in key)
    if len(key) > len(shape):
        raise _core.PyCausetIndexError(f"too many indices: the expression is {len(shape)}-dimensional, but {len(key)} were indexed")
    if len(shape) == 1:
        k = key[0]
        if isinstance(k, slice):
            c0, cn, cs = _slice_bounds(k, shape[0])
            return "view", "sliced", (0, 1, 1, c0, cn, cs)
        return "element", 0, _normalize_index(k, shape[0], 0)
    if len(key) == 1:
        key = (key[0], slice(None))
    r, c = key
    if isinstance(r, slice) and isinstance(c, slice):
        r0, rn, rs = _slice_bounds(r, shape[0])
        c0, cn, cs = _slice_bounds(c, shape[1])
        return "view", "sliced", (r0, rn, rs, c0, cn, cs)
    if isinstance(r, slice):
        r0, rn, rs = _slice_bounds(r, shape[0])
        return "view", "column", (_normalize_index(c, shape[1], 1), r0, rn, rs)
    i = _normalize_index(r, shape[0], 0)
    if isinstance(c, slice):
        c0, cn, cs = _slice_bounds(c, shape[1])
        return "view", "row", (i, c0, cn, cs)
    return "element", i, _normalize_index(c, shape[1], 1)


class Expression(ArithmeticMixin, ProtocolMixin):
    """A lazy elementwise expression over pycauset arrays, NumPy arrays and scalars.

    Built by the arithmetic operators (``A + 2 * B``), allowlisted ufuncs (``np.sqrt(A)``) and mixed
    operands. Nothing is computed until the value is needed: ``eval()``, ``np.asarray``,
    ``pycauset.to_numpy``, saving, element access (only that element), a reduction (fused, no
    temporary) or any non-elementwise operation. Evaluation is one fused pass over tiles.

    The expression owns its operands: deleting ``A`` after building ``A + 1`` is fine.

    Examples
    --------
    >>> import numpy as np, pycauset
    >>> a = pycauset.matrix(np.ones((2, 2)))
    >>> e = 2 * a + 1
    >>> e.shape, e.dtype
    ((2, 2), dtype('float64'))
    >>> e.eval()[0, 0]
    np.float64(3.0)
    """

    _is_pycauset_expression = True
    __array_priority__ = 1000
    __hash__ = None

    def __init__(self, node):
        self._node = node

    # ------------------------------------------------------------------ attributes
    @property
    def dtype_name(self) -> str:
        return self._node.dtype_name

    @property
    def dtype(self) -> np.dtype:
        """Result element type (NumPy promotion per node)."""
        return np.dtype(self._node.dtype_name)

    @property
    def ndim(self) -> int:
        return self._node.ndim

    @property
    def shape(self):
        return (self._node._cols,) if self._node.ndim == 1 else (self._node._rows, self._node._cols)

    @property
    def size(self) -> int:
        return self._node._rows * self._node._cols

    @property
    def T(self):
        """Lazy transpose (a vector's transpose is itself)."""
        return Expression(self._node._transposed())

    def __len__(self) -> int:
        return self.shape[0]

    def __bool__(self):
        if self.size != 1:
            raise _core.PyCausetValueError("The truth value of an expression with more than one element is ambiguous. "
                             "Use a.any() or a.all() on pycauset.to_numpy(a)")
        return bool(self.eval()[(0,) * self.ndim])

    # ------------------------------------------------------------------ evaluation
    def eval(self, out=None, *, progress=None):
        """Evaluate (one fused pass) into a new Matrix or Vector placed by the memory budget.

        Parameters
        ----------
        out : Matrix or Vector, optional
            Write the result into this existing array instead (its dtype is kept; the cast must be
            allowed by NumPy's ``same_kind`` rule; aliasing is handled as for ``A += B``). Returns ``out``.
        progress : bool, optional
            Draw a progress bar (percent, MB/s of the result, ETA) on stderr while evaluating, useful when the
            operands or the result are file-backed. Default ``None``: the process-wide setting
            (:func:`pycauset.set_progress`), whose bar appears only once the evaluation has run for a second.
        """
        from ._array import _ArrayBase, _wrap

        label = f"eval {'x'.join(map(str, self.shape))} {self.dtype_name}"
        if out is None:
            with bar_for(progress, label) as bar:
                return _wrap(self._node._eval(progress=bar))
        if not isinstance(out, _ArrayBase):
            raise _core.PyCausetTypeError(f"out must be a pycauset Matrix or Vector, got {type(out).__name__}")
        if not np.can_cast(self.dtype, out.dtype, "same_kind"):
            raise _core.PyCausetTypeError(f"Cannot cast the expression's dtype('{self.dtype}') to the output's "
                            f"dtype('{out.dtype}') with casting rule 'same_kind'")
        with bar_for(progress, label) as bar:
            self._node._assign_to(out, progress=bar)
        return out

    def __array__(self, dtype=None, copy=None):
        from . import _interop

        return _interop.array_protocol(self.eval(), dtype, copy)

    def to_numpy(self, *, copy=True, allow_huge=False):
        """Evaluate and export, as ``pycauset.to_numpy(self, ...)``."""
        from . import _interop

        return _interop.to_numpy(self.eval(), copy=copy, allow_huge=allow_huge)

    def copy(self):
        """Return the evaluated result (a new Matrix or Vector)."""
        return self.eval()

    def astype(self, dtype):
        """Return a lazy conversion of the result to ``dtype``."""
        return Expression(_core.expr_cast(self._node, normalize_dtype(dtype)))

    # ------------------------------------------------------------------ element access
    def __getitem__(self, key):
        what, *rest = _resolve_index(self.shape, key)
        if what == "element":
            i, j = rest
            one = self._node._sliced(i, 1, 1, j, 1, 1) if self.ndim == 2 else self._node._sliced(0, 1, 1, j, 1, 1)
            from ._array import _wrap

            return _wrap(one._eval())[(0,) * self.ndim]
        kind, args = rest
        if kind == "sliced":
            return Expression(self._node._sliced(*args))
        if kind == "row":
            i, c0, cn, cs = args
            return Expression(self._node._row(i)._sliced(0, 1, 1, c0, cn, cs))
        j, r0, rn, rs = args
        return Expression(self._node._column(j)._sliced(0, 1, 1, r0, rn, rs))

    def __setitem__(self, key, value):
        raise _core.PyCausetTypeError("an expression is read-only; evaluate it first (e = expr.eval()) to assign elements")

    def __repr__(self) -> str:
        return (f"pycauset.Expression(shape={self.shape}, dtype={self.dtype_name}, lazy; "
                f"{self._node._leaf_count} array operand(s))")
