"""The dtype vocabulary of the facade: normalising user dtypes and naming the supported list."""
from __future__ import annotations

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


def result_type(a: str, b: str) -> str:
    """Return NumPy's promotion of two supported dtypes (via the core's single promotion function)."""
    return _core.promote_types(a, b)
