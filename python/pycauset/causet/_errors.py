"""The exception classes the causal-set layer raises (each a PyCausetError and the matching builtin)."""
from __future__ import annotations

from .._dtypes import _core

CausetValueError = _core.PyCausetValueError
CausetTypeError = _core.PyCausetTypeError
CausetNotImplementedError = _core.PyCausetNotImplementedError
