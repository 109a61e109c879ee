"""pycauset: NumPy for causal sets — dense matrices far larger than RAM.

Small matrices live in RAM like NumPy arrays; large ones move to memory-mapped spill files under a
process-wide memory budget, and the blocked matmul and inverse kernels run out of core at BLAS speed.

>>> import numpy as np, pycauset
>>> a = pycauset.matrix(np.arange(6.0).reshape(2, 3))
>>> a.shape, a.dtype, a.storage
((2, 3), dtype('float64'), 'ram')
"""
from __future__ import annotations

import atexit as _atexit
import importlib as _importlib

from ._dtypes import _core
from ._array import Matrix, Vector
from ._config import (
    blas_info,
    get_export_max_bytes,
    get_memory_limit,
    get_num_threads,
    memory_info,
    set_export_max_bytes,
    set_memory_limit,
    set_num_threads,
)
from ._creation import empty, eye, full, matrix, ones, vector, zeros
from ._interop import ExportGuardError, to_numpy
from ._progress import get_progress, progress, set_progress
from . import random

__version__ = "0.1.0"

PyCausetError = _core.PyCausetError

# Names provided by submodules, imported on first use: {public name: (module, attribute or None)}.
_LAZY = {
    "matmul": ("._matmul", "matmul"),
    "linalg": (".linalg", None),
    "causet": (".causet", None),
    "save": (".io", "save"),
    "load": (".io", "load"),
    "convert_file": (".io", "convert_file"),
    "sum": ("._reductions", "sum"),
    "mean": ("._reductions", "mean"),
    "min": ("._reductions", "min"),
    "max": ("._reductions", "max"),
    "norm": ("._reductions", "norm"),
    "trace": ("._reductions", "trace"),
    "triu": ("._structure", "triu"),
    "tril": ("._structure", "tril"),
    "transitive_closure": ("._structure", "transitive_closure"),
    "to_dask": ("._dask", "to_dask"),
    "from_dask": ("._dask", "from_dask"),
    "any": ("._reductions", "any"),
    "all": ("._reductions", "all"),
    "argmin": ("._reductions", "argmin"),
    "argmax": ("._reductions", "argmax"),
    "std": ("._reductions", "std"),
    "var": ("._reductions", "var"),
    "zeros_like": ("._functions", "zeros_like"),
    "ones_like": ("._functions", "ones_like"),
    "empty_like": ("._functions", "empty_like"),
    "full_like": ("._functions", "full_like"),
    "arange": ("._functions", "arange"),
    "linspace": ("._functions", "linspace"),
    "where": ("._functions", "where"),
    "concatenate": ("._functions", "concatenate"),
    "stack": ("._functions", "stack"),
    "vstack": ("._functions", "vstack"),
    "hstack": ("._functions", "hstack"),
    "diag": ("._functions", "diag"),
    "allclose": ("._functions", "allclose"),
    "array_equal": ("._functions", "array_equal"),
}

__all__ = [
    "Matrix", "Vector", "PyCausetError", "ExportGuardError",
    "matrix", "vector", "zeros", "ones", "empty", "full", "eye", "random",
    "to_numpy", "set_memory_limit", "get_memory_limit", "memory_info", "set_num_threads", "get_num_threads",
    "set_export_max_bytes", "get_export_max_bytes", "blas_info", "set_progress", "get_progress", "progress",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        module_name, attribute = _LAZY[name]
        module = _importlib.import_module(module_name, __name__)
        value = module if attribute is None else getattr(module, attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pycauset' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


# Pickling: RAM objects by value, saved files by reference (registered with copyreg; see _pickle.py).
_importlib.import_module("._pickle", __name__).register()

# Check the environment and sweep spill directories of dead processes now (ours is made at the first
# spill), and remove ours at exit.
_core.on_import()
_atexit.register(_core.remove_spill_dir)
