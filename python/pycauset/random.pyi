# Type stubs: tiled, reproducible random matrices and vectors.
from typing import Any, Optional, SupportsIndex, Union, overload

from numpy.typing import DTypeLike

from ._array import Matrix, Vector

_VectorShape = Union[SupportsIndex, tuple[SupportsIndex]]
_MatrixShape = tuple[SupportsIndex, SupportsIndex]

@overload
def uniform(shape: _VectorShape, low: float = 0.0, high: float = 1.0, seed: Optional[int] = None,
            dtype: DTypeLike = ...) -> Vector: ...
@overload
def uniform(shape: _MatrixShape, low: float = 0.0, high: float = 1.0, seed: Optional[int] = None,
            dtype: DTypeLike = ...) -> Matrix: ...
@overload
def normal(shape: _VectorShape, loc: float = 0.0, scale: float = 1.0, seed: Optional[int] = None,
           dtype: DTypeLike = ...) -> Vector: ...
@overload
def normal(shape: _MatrixShape, loc: float = 0.0, scale: float = 1.0, seed: Optional[int] = None,
           dtype: DTypeLike = ...) -> Matrix: ...
@overload
def integers(low: Any, high: Any, shape: _VectorShape, seed: Optional[int] = None, dtype: DTypeLike = ...) -> Vector: ...
@overload
def integers(low: Any, high: Any, shape: _MatrixShape, seed: Optional[int] = None, dtype: DTypeLike = ...) -> Matrix: ...
@overload
def bernoulli(shape: _VectorShape, p: float = 0.5, seed: Optional[int] = None) -> Vector: ...
@overload
def bernoulli(shape: _MatrixShape, p: float = 0.5, seed: Optional[int] = None) -> Matrix: ...
