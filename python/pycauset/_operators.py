"""Arithmetic operators of Matrix, Vector and Expression: lazy elementwise expressions, reductions, ``@``.

Every elementwise operator builds a lazy :class:`pycauset._expr.Expression`; nothing is computed until
the value is needed. In-place operators (``A += B``) evaluate at once into ``A``'s own storage.
"""
from __future__ import annotations

import numpy as np

from ._dtypes import _core


def _apply(op, *operands):
    from ._expr import apply

    return apply(op, *operands)


def _binary(op):
    def forward(self, other):
        if _foreign(other):
            return NotImplemented
        return _apply(op, self, other)

    def reflected(self, other):
        if _foreign(other):
            return NotImplemented
        return _apply(op, other, self)

    forward.__name__, reflected.__name__ = f"__{op}__", f"__r{op}__"
    forward.__doc__ = f"Lazy elementwise ``{op}`` (NumPy broadcasting and dtype promotion)."
    reflected.__doc__ = forward.__doc__
    return forward, reflected


def _foreign(other) -> bool:
    """Operands we leave to the other side (so that it may implement the operation)."""
    return other is None or isinstance(other, (str, bytes, dict, set))


def _in_place(op):
    def method(self, other):
        if getattr(self, "_is_pycauset_expression", False):
            return NotImplemented  # expressions are immutable: Python falls back to ``self = self op other``
        if _foreign(other):
            return NotImplemented
        expression = _apply(op, self, other)
        if not np.can_cast(expression.dtype, self.dtype, "same_kind"):
            ufunc = "true_divide" if op == "true_divide" else op
            raise _core.PyCausetTypeError(f"Cannot cast ufunc '{ufunc}' output from dtype('{expression.dtype}') to "
                            f"dtype('{self.dtype}') with casting rule 'same_kind'")
        expression._node._assign_to(self)
        return self

    method.__name__ = f"__i{op}__"
    method.__doc__ = f"In-place ``{op}``: evaluates at once into this array's storage (copy-on-write of loaded files)."
    return method


def _compare(op):
    def method(self, other):
        if _foreign(other):
            return NotImplemented
        return _apply(op, self, other)

    method.__doc__ = f"Lazy elementwise ``{op}`` (result dtype bool)."
    return method


class ArithmeticMixin:
    """Operators shared by Matrix, Vector and Expression."""

    __add__, __radd__ = _binary("add")
    __sub__, __rsub__ = _binary("subtract")
    __mul__, __rmul__ = _binary("multiply")
    __truediv__, __rtruediv__ = _binary("true_divide")
    __iadd__ = _in_place("add")
    __isub__ = _in_place("subtract")
    __imul__ = _in_place("multiply")
    __itruediv__ = _in_place("true_divide")
    __floordiv__, __rfloordiv__ = _binary("floor_divide")
    __mod__, __rmod__ = _binary("remainder")
    __ifloordiv__ = _in_place("floor_divide")
    __imod__ = _in_place("remainder")
    __and__, __rand__ = _binary("bitwise_and")
    __or__, __ror__ = _binary("bitwise_or")
    __xor__, __rxor__ = _binary("bitwise_xor")
    __iand__ = _in_place("bitwise_and")
    __ior__ = _in_place("bitwise_or")
    __ixor__ = _in_place("bitwise_xor")
    __lt__ = _compare("less")
    __le__ = _compare("less_equal")
    __gt__ = _compare("greater")
    __ge__ = _compare("greater_equal")
    __eq__ = _compare("equal")
    __ne__ = _compare("not_equal")
    __hash__ = None  # as ndarray: elementwise ``==`` makes arrays unhashable

    def __pow__(self, exponent):
        """Lazy elementwise power with a scalar exponent."""
        if _foreign(exponent):
            return NotImplemented
        if type(exponent) is int and exponent == 2 and self.dtype_name != "bool":
            return _apply("multiply", self, self)  # x*x: NumPy's fast square, exactly the same values
        return _apply("power", self, exponent)

    def __rpow__(self, base):
        """Lazy elementwise ``base ** self`` (a scalar or array base, NumPy's promotion)."""
        if _foreign(base):
            return NotImplemented
        return _apply("power", base, self)

    def __neg__(self):
        return _apply("negative", self)

    def __pos__(self):
        return _apply("positive", self)

    def __invert__(self):
        """Lazy elementwise ``~``: bitwise not of integers, logical not of bool (as NumPy)."""
        return _apply("invert", self)

    def __abs__(self):
        return _apply("absolute", self)

    def __matmul__(self, other):
        from ._matmul import matmul

        return matmul(self, other)

    def __rmatmul__(self, other):
        from ._matmul import matmul

        return matmul(other, self)

    # ------------------------------------------------------------------ reductions
    def sum(self, axis=None, dtype=None, keepdims=False):
        """Sum of the elements (``axis`` None, 0 or 1), fused with the expression; see ``pycauset.sum``."""
        from ._reductions import sum as reduce_sum

        return reduce_sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False):
        """Mean of the elements (``axis`` None, 0 or 1); see ``pycauset.mean``."""
        from ._reductions import mean

        return mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum (``axis`` None, 0 or 1), NaN-propagating; see ``pycauset.min``."""
        from ._reductions import min as reduce_min

        return reduce_min(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum (``axis`` None, 0 or 1), NaN-propagating; see ``pycauset.max``."""
        from ._reductions import max as reduce_max

        return reduce_max(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        """Index of the first minimum (a NaN counts as the minimum); see ``pycauset.argmin``."""
        from ._reductions import argmin

        return argmin(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        """Index of the first maximum (a NaN counts as the maximum); see ``pycauset.argmax``."""
        from ._reductions import argmax

        return argmax(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, dtype=None, ddof=0, keepdims=False):
        """Variance (two fused passes); see ``pycauset.var``."""
        from ._reductions import var

        return var(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, dtype=None, ddof=0, keepdims=False):
        """Standard deviation (two fused passes); see ``pycauset.std``."""
        from ._reductions import std

        return std(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        """Whether any element is true (``axis`` None, 0 or 1); see ``pycauset.any``."""
        from ._reductions import any as reduce_any

        return reduce_any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        """Whether every element is true (``axis`` None, 0 or 1); see ``pycauset.all``."""
        from ._reductions import all as reduce_all

        return reduce_all(self, axis=axis, keepdims=keepdims)

    def norm(self, axis=None):
        """Frobenius norm (matrices) or 2-norm (vectors), or 2-norms along ``axis``; see ``pycauset.norm``."""
        from ._reductions import norm

        return norm(self, axis=axis)

    def trace(self):
        """Sum of the main diagonal (matrices only); for an expression only the diagonal is computed."""
        from ._reductions import trace

        return trace(self)
