"""NumPy override protocols (NEP 13 ``__array_ufunc__``, NEP 18 ``__array_function__``), allowlists only.

Allowlisted ufuncs build lazy pycauset expressions (``matmul`` runs pycauset's matmul); allowlisted
functions run pycauset's own implementations. Anything else returns ``NotImplemented``, so NumPy raises
``TypeError``: convert explicitly with ``pycauset.to_numpy(obj)`` to use the rest of NumPy.
"""
from __future__ import annotations

import numpy as np

_UFUNCS = {
    np.add: "add", np.subtract: "subtract", np.multiply: "multiply", np.true_divide: "true_divide",
    np.negative: "negative", np.positive: "positive", np.absolute: "absolute", np.sqrt: "sqrt",
    np.exp: "exp", np.log: "log", np.sin: "sin", np.cos: "cos", np.power: "power", np.matmul: "matmul",
    np.bitwise_and: "bitwise_and", np.bitwise_or: "bitwise_or", np.bitwise_xor: "bitwise_xor",
    np.invert: "invert", np.equal: "equal", np.not_equal: "not_equal", np.less: "less", np.less_equal: "less_equal",
    np.greater: "greater", np.greater_equal: "greater_equal", np.maximum: "maximum", np.minimum: "minimum",
    np.floor_divide: "floor_divide", np.remainder: "remainder", np.isnan: "isnan", np.isinf: "isinf",
    np.isfinite: "isfinite", np.logical_and: "logical_and", np.logical_or: "logical_or",
    np.logical_xor: "logical_xor", np.logical_not: "logical_not",
}

# logical_* are the bitwise operations of the operands' truth values (``x != 0`` unless already bool).
_LOGICAL = {"logical_and": "bitwise_and", "logical_or": "bitwise_or", "logical_xor": "bitwise_xor"}


def _truth(x):
    from ._expr import apply

    dtype = getattr(x, "dtype", None)
    if dtype is None:
        dtype = np.asarray(x).dtype
    return x if np.dtype(dtype) == np.bool_ else apply("not_equal", x, 0)


def _unsupported(name: str, what: str):
    raise TypeError(f"pycauset's {name} does not support {what}; use pycauset.to_numpy(...) and NumPy instead")


_NEUTRAL = (None, False, np._NoValue)


def _defaults_only(name: str, kwargs: dict, *allowed) -> None:
    """Reject NumPy keyword arguments pycauset does not implement (unless given neutral values)."""
    for key, value in kwargs.items():
        if key not in allowed or not any(value is v for v in _NEUTRAL):
            _unsupported(name, f"the argument {key}={value!r}")


def _np_sum(a, axis=None, **kwargs):
    from ._reductions import sum as reduce_sum

    _defaults_only("sum", kwargs, "dtype", "out", "keepdims", "initial", "where")
    return reduce_sum(a, axis=axis)


def _np_mean(a, axis=None, **kwargs):
    from ._reductions import mean

    _defaults_only("mean", kwargs, "dtype", "out", "keepdims", "where")
    return mean(a, axis=axis)


def _np_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    from ._reductions import trace

    if offset != 0 or (axis1, axis2) != (0, 1) or dtype is not None or out is not None:
        _unsupported("trace", "offset, axes, dtype or out")
    return trace(a)


def _np_transpose(a, axes=None):
    if axes is not None and tuple(axes) not in ((1, 0), (0,)):
        _unsupported("transpose", f"axes={axes!r}")
    return a.T


def _np_matmul(a, b, **kwargs):
    from ._matmul import matmul

    _defaults_only("matmul", kwargs, "out")
    return matmul(a, b)


def _np_dot(a, b, out=None):
    from ._matmul import matmul

    if out is not None:
        _unsupported("dot", "out=")
    return matmul(a, b)


def _linalg(name):
    def call(*args, **kwargs):
        from . import linalg

        return getattr(linalg, name)(*args, **kwargs)

    call.__name__ = name
    return call


def _np_norm(x, ord=None, axis=None, keepdims=False):
    from . import linalg

    if keepdims:
        _unsupported("linalg.norm", "keepdims=True")
    return linalg.norm(x, ord=ord, axis=axis)


_FUNCTIONS = {
    np.sum: _np_sum, np.mean: _np_mean, np.trace: _np_trace, np.transpose: _np_transpose,
    np.matmul: _np_matmul, np.dot: _np_dot,
    np.linalg.inv: _linalg("inv"), np.linalg.solve: _linalg("solve"), np.linalg.det: _linalg("det"),
    np.linalg.slogdet: _linalg("slogdet"), np.linalg.eigh: _linalg("eigh"), np.linalg.norm: _np_norm,
}


def _is_ours(t) -> bool:
    from ._array import _ArrayBase
    from ._expr import Expression

    return issubclass(t, (_ArrayBase, Expression, np.ndarray))


class ProtocolMixin:
    """NEP 13 / NEP 18 hooks shared by Matrix, Vector and Expression (allowlists only)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNCS.get(ufunc)
        if name is None or method != "__call__":
            return NotImplemented
        if kwargs.get("out") is not None or any(k not in ("out", "dtype", "casting") for k in kwargs):
            return NotImplemented
        if kwargs.get("casting", "same_kind") != "same_kind":
            return NotImplemented
        if name == "matmul":
            from ._matmul import matmul

            # np.matmul(a, b, dtype=t): for bool operands and an integer t, the counts (SPEC: bit matrices).
            return matmul(*inputs, dtype=kwargs.get("dtype"))
        if kwargs.get("dtype") is not None:
            return NotImplemented
        if name == "power":
            return inputs[0] ** inputs[1] if inputs[0] is self else _apply_power(*inputs)
        from ._expr import apply

        if name in _LOGICAL:
            return apply(_LOGICAL[name], *(_truth(x) for x in inputs))
        if name == "logical_not":
            return apply("invert", _truth(inputs[0]))
        return apply(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        handler = _FUNCTIONS.get(func)
        if handler is None or not all(_is_ours(t) for t in types):
            return NotImplemented
        return handler(*args, **kwargs)


def _apply_power(base, exponent):
    from ._expr import apply

    return apply("power", base, exponent)
