"""Pickling (``pickle``, ``copy.deepcopy``, multiprocessing) of Matrix, Vector and expressions.

- RAM-backed objects travel **by value** (their elements, as a NumPy array).
- Objects backed by a saved ``.pycauset`` file (``pycauset.load``, unmodified) travel **by reference**: the
  path and the view (shape, offset, strides); the other side maps the file read-only again. The file must be
  reachable there (same machine or shared file system).
- Spill-backed objects (in a process's private spill directory, gone when it exits) travel by value when
  they are at most the small-export allowance, ``min(64 MiB, budget / 4)``; larger ones raise ``TypeError``
  saying to ``pycauset.save`` them first (then they pickle by reference).
- Expressions are evaluated and pickled as their result.

The reducers are registered with ``copyreg`` (the standard hook), so the classes themselves are not changed.
"""
from __future__ import annotations

import copyreg

import numpy as np

from ._array import Matrix, Vector, _wrap
from ._dtypes import _core

__all__: list[str] = []

_MIB = 1 << 20


def _allowance() -> int:
    """The small-export allowance, min(64 MiB, budget / 4): the one the export guard uses."""
    return int(_core.small_export_allowance())


def _from_value(array, ndim):
    from ._creation import matrix, vector

    return vector(array) if ndim == 1 else matrix(array)


def _from_file(path, ndim, rows, cols, offset, row_stride, col_stride):
    from .io import load

    base = load(path)
    return _wrap(base._view(ndim, rows, cols, offset, row_stride, col_stride))


def _reduce_array(obj):
    if obj.storage == "file" and obj._read_only_file:
        return _from_file, (obj.path, obj.ndim, obj._rows, obj._cols, obj._offset, obj._row_stride, obj._col_stride)
    if obj.storage == "file" and obj.nbytes > _allowance():
        raise _core.PyCausetTypeError(
            f"cannot pickle a spilled {obj.shape} {obj.dtype_name} object of {obj.nbytes / _MIB:.1f} MiB: it lives in "
            f"this process's private spill file and is larger than the small-export allowance "
            f"({_allowance() / _MIB:.1f} MiB). Save it first (pycauset.save(obj, path); pycauset.load(path) then "
            "pickles by reference), or pickle pycauset.to_numpy(obj, allow_huge=True)")
    from ._interop import to_numpy

    return _from_value, (np.ascontiguousarray(to_numpy(obj, allow_huge=True)), obj.ndim)


def _reduce_expression(expr):
    return _reduce_array(expr.eval())


def register() -> None:
    """Register the reducers (called once by ``pycauset/__init__.py``)."""
    from ._expr import Expression

    for cls in (Matrix, Vector):
        copyreg.pickle(cls, _reduce_array)
    copyreg.pickle(Expression, _reduce_expression)
