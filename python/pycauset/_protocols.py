"""NumPy override protocols (NEP 13 ``__array_ufunc__``, NEP 18 ``__array_function__``): an allowlist, then NumPy.

Allowlisted ufuncs build lazy pycauset expressions (``matmul`` runs pycauset's matmul); allowlisted
functions run pycauset's own implementations. Everything else -- other functions and ufuncs, ufunc methods
(``reduce``, ``accumulate``, ...), arguments pycauset does not implement -- runs NumPy's own implementation
on the operands converted with ``pycauset.to_numpy``, so the export guard decides: small objects pass
whatever their placement, large file-backed ones raise ``ExportGuardError`` naming the NumPy function and the
way out. A NumPy call never fails with NumPy's generic "no implementation found".
"""
from __future__ import annotations

import numpy as np

from ._dtypes import _core

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


class _UseNumPy(Exception):
    """Raised by an allowlisted handler for an argument it does not implement: NumPy's own code runs instead."""


def _unsupported(name: str, what: str):
    raise _UseNumPy(f"{name}: {what}")


def _is_pycauset(x) -> bool:
    from ._array import _ArrayBase

    return isinstance(x, _ArrayBase) or getattr(x, "_is_pycauset_expression", False)


def _as_numpy(x, name: str):
    """``x`` with every pycauset object inside it (lists, tuples, dicts too) exported through the guard."""
    if _is_pycauset(x):
        from ._interop import ExportGuardError, to_numpy

        try:
            return to_numpy(x)
        except ExportGuardError as error:
            raise ExportGuardError(
                f"numpy.{name} has no pycauset implementation for these arguments, so it needs its operands as "
                f"NumPy arrays, and the export guard refused one: {error} Pass pycauset.to_numpy(x, "
                f"allow_huge=True) explicitly to copy it into RAM, or use a pycauset equivalent.") from None
    if isinstance(x, (list, tuple)):
        return type(x)(_as_numpy(v, name) for v in x)
    if isinstance(x, dict):
        return {k: _as_numpy(v, name) for k, v in x.items()}
    return x


def _numpy_function(func, args, kwargs):
    """Run NumPy's implementation of ``func`` on exported operands; the result is NumPy's."""
    name = getattr(func, "__name__", str(func))
    out = kwargs.get("out")
    if out is not None and any(_is_pycauset(o) for o in (out if isinstance(out, tuple) else (out,))):
        from ._dtypes import _core

        raise _core.PyCausetTypeError(
            f"numpy.{name} runs NumPy's implementation here, which cannot write into a pycauset object: "
            "call it without out= and assign the result (M[...] = result)")
    return func(*_as_numpy(args, name), **_as_numpy(kwargs, name))


def _numpy_ufunc(ufunc, method, inputs, kwargs):
    """Run NumPy's ufunc (any method) on exported operands; a pycauset ``out`` receives the result."""
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    out = kwargs.pop("out", None)
    outs = out if isinstance(out, tuple) else (out,) if out is not None else ()
    ours = [o for o in outs if _is_pycauset(o)]
    if ours and len(ours) != len(outs):
        raise _core.PyCausetTypeError(f"numpy.{name}: out= mixes pycauset objects and NumPy arrays; use one kind")
    if outs and not ours:
        kwargs["out"] = out
    result = getattr(ufunc, method)(*_as_numpy(inputs, name), **_as_numpy(kwargs, name))
    if not ours:
        return result
    results = result if isinstance(result, tuple) else (result,)
    for target, value in zip(ours, results):
        target[...] = value
    return ours[0] if len(ours) == 1 else tuple(ours)


_NEUTRAL = (None, False, np._NoValue)


def _defaults_only(name: str, kwargs: dict, *allowed) -> None:
    """Reject NumPy keyword arguments pycauset does not implement (unless given neutral values)."""
    for key, value in kwargs.items():
        if key not in allowed or not any(value is v for v in _NEUTRAL):
            _unsupported(name, f"the argument {key}={value!r}")


def _axis(name: str, a, axis):
    """NumPy's axis argument in pycauset's form (None, 0 or 1): a tuple naming every axis is None (dask
    passes ``axis=(0, 1)``), a 1-tuple its element; anything else runs NumPy's implementation."""
    if not isinstance(axis, tuple):
        return axis
    ndim = getattr(a, "ndim", None)
    if ndim is not None and sorted(x % ndim for x in axis) == list(range(ndim)):
        return None
    if len(axis) == 1:
        return axis[0]
    _unsupported(name, f"axis={axis!r}")


def _np_sum(a, axis=None, dtype=None, keepdims=False, **kwargs):
    from ._reductions import sum as reduce_sum

    _defaults_only("sum", kwargs, "out", "initial", "where")
    return reduce_sum(a, axis=_axis("sum", a, axis), dtype=dtype, keepdims=bool(keepdims))


def _np_mean(a, axis=None, dtype=None, keepdims=False, **kwargs):
    from ._reductions import mean

    _defaults_only("mean", kwargs, "out", "where")
    return mean(a, axis=_axis("mean", a, axis), dtype=dtype, keepdims=bool(keepdims))


def _reduction(name, *allowed):
    """np.min / np.max / np.argmin / ... routed to pycauset's reduction of the same name (axis, keepdims)."""
    def call(a, axis=None, *args, keepdims=False, **kwargs):
        from . import _reductions

        if args:
            _unsupported(name, "positional arguments after axis")
        extra = {k: kwargs.pop(k) for k in allowed if k in kwargs}
        _defaults_only(name, kwargs, "out", "initial", "where")
        return getattr(_reductions, name)(a, axis=_axis(name, a, axis), keepdims=bool(keepdims), **extra)

    call.__name__ = name
    return call


def _function(name):
    """A function of pycauset._functions with NumPy's signature (where, concatenate, allclose, ...)."""
    def call(*args, **kwargs):
        from . import _functions

        try:
            return getattr(_functions, name)(*args, **kwargs)
        except TypeError as error:
            if isinstance(error, _core.PyCausetError):
                raise
            raise _UseNumPy(f"{name}: {error}") from None  # an argument pycauset's version lacks

    call.__name__ = name
    return call


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
    np.min: _reduction("min"), np.max: _reduction("max"), np.amin: _reduction("min"), np.amax: _reduction("max"),
    np.argmin: _reduction("argmin"), np.argmax: _reduction("argmax"),
    np.std: _reduction("std", "dtype", "ddof"), np.var: _reduction("var", "dtype", "ddof"),
    np.where: _function("where"), np.concatenate: _function("concatenate"), np.allclose: _function("allclose"),
    np.array_equal: _function("array_equal"), np.zeros_like: _function("zeros_like"),
    np.ones_like: _function("ones_like"), np.full_like: _function("full_like"), np.empty_like: _function("empty_like"),
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
        if any(_foreign_array(x) for x in inputs + tuple(_outputs(kwargs))):
            return NotImplemented  # another array library (dask, ...) may know what to do
        name = _UFUNCS.get(ufunc)
        ours = (name is not None and method == "__call__" and kwargs.get("out") is None
                and all(k in ("out", "dtype", "casting") for k in kwargs)
                and kwargs.get("casting", "same_kind") == "same_kind"
                and (kwargs.get("dtype") is None or name == "matmul"))
        if not ours:
            return _numpy_ufunc(ufunc, method, inputs, dict(kwargs))
        if name == "matmul":
            from ._matmul import matmul

            # np.matmul(a, b, dtype=t): for bool operands and an integer t, the counts (SPEC: bit matrices).
            return matmul(*inputs, dtype=kwargs.get("dtype"))
        if name == "power":
            return inputs[0] ** inputs[1] if inputs[0] is self else _apply_power(*inputs)
        from ._expr import apply

        if name in _LOGICAL:
            return apply(_LOGICAL[name], *(_truth(x) for x in inputs))
        if name == "logical_not":
            return apply("invert", _truth(inputs[0]))
        return apply(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        if not all(_is_ours(t) for t in types):
            return NotImplemented  # another array library (dask, ...) may know what to do
        handler = _FUNCTIONS.get(func)
        if handler is not None:
            try:
                return handler(*args, **kwargs)
            except _UseNumPy:
                pass  # an argument pycauset does not implement: NumPy's own implementation below
        return _numpy_function(func, args, kwargs)


def _outputs(kwargs):
    out = kwargs.get("out")
    return out if isinstance(out, tuple) else (out,) if out is not None else ()


def _foreign_array(x) -> bool:
    """An operand of another array library that overrides ufuncs itself (not NumPy, not pycauset)."""
    return (hasattr(type(x), "__array_ufunc__") and not isinstance(x, (np.ndarray, np.generic))
            and not _is_pycauset(x) and type(x).__array_ufunc__ is not None)


def _apply_power(base, exponent):
    from ._expr import apply

    return apply("power", base, exponent)
