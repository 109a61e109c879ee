"""The argument vocabulary of the facade: normalising user dtypes (naming the supported list) and integers."""
from __future__ import annotations

import operator

import numpy as np

from ._loader import load_core

_core = load_core()

SUPPORTED = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "complex64", "complex128",
)


def normalize_dtype(dtype) -> str:
    """Return the supported NumPy name for ``dtype`` (anything ``numpy.dtype`` accepts).

    Raises
    ------
    TypeError
        If the dtype is not one of pycauset's element types; the message lists them.
    """
    try:
        name = np.dtype(dtype).newbyteorder("=").name
    except TypeError as error:
        raise _core.PyCausetTypeError(
            f"dtype {dtype!r} is not understood; supported dtypes are: {', '.join(SUPPORTED)}") from error
    if name not in SUPPORTED:
        raise _core.PyCausetTypeError(
            f"dtype '{np.dtype(dtype)}' is not supported; supported dtypes are: {', '.join(SUPPORTED)}")
    return name


def as_int(value, what: str) -> int:
    """Return ``value`` as a Python int (anything with ``__index__``: int, numpy integers, not floats).

    Raises
    ------
    TypeError
        A PyCausetTypeError naming ``what`` and the value's type.
    """
    try:
        return operator.index(value)
    except TypeError:
        raise _core.PyCausetTypeError(f"{what} must be an integer, got {type(value).__name__} {value!r}") from None


def result_type(a: str, b: str) -> str:
    """Return NumPy's promotion of two supported dtypes (via the core's single promotion function)."""
    return _core.promote_types(a, b)
