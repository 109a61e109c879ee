# Type stubs: pycauset.linalg (NumPy's and SciPy's signatures; results are pycauset objects or NumPy scalars).
from typing import Any, Literal, NamedTuple, Optional, SupportsIndex, Union, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._array import Matrix, Vector, _ArrayBase
from ._expr import Expression

_Input = Union[_ArrayBase, Expression, ArrayLike]

LinAlgError = np.linalg.LinAlgError

class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any

class EighResult(NamedTuple):
    eigenvalues: Vector
    eigenvectors: Matrix

class QRResult(NamedTuple):
    Q: Matrix
    R: Matrix

class SVDResult(NamedTuple):
    U: Matrix
    S: Vector
    Vh: Matrix

def inv(a: _Input, *, progress: Optional[bool] = None) -> Matrix: ...
@overload
def solve(a: _Input, b: Vector, *, progress: Optional[bool] = None) -> Vector: ...
@overload
def solve(a: _Input, b: Matrix, *, progress: Optional[bool] = None) -> Matrix: ...
@overload
def solve(a: _Input, b: _Input, *, progress: Optional[bool] = None) -> Union[Matrix, Vector]: ...
@overload
def solve_triangular(a: _Input, b: Vector, lower: bool = False, unit_diagonal: bool = False, *,
                     progress: Optional[bool] = None) -> Vector: ...
@overload
def solve_triangular(a: _Input, b: Matrix, lower: bool = False, unit_diagonal: bool = False, *,
                     progress: Optional[bool] = None) -> Matrix: ...
@overload
def solve_triangular(a: _Input, b: _Input, lower: bool = False, unit_diagonal: bool = False, *,
                     progress: Optional[bool] = None) -> Union[Matrix, Vector]: ...
def det(a: _Input, *, progress: Optional[bool] = None) -> Any: ...
def slogdet(a: _Input, *, progress: Optional[bool] = None) -> SlogdetResult: ...
def eigh(a: _Input, UPLO: Literal["L", "U"] = "L") -> EighResult: ...
def eigvalsh(a: _Input, UPLO: Literal["L", "U"] = "L") -> Vector: ...
@overload
def svd(a: _Input, full_matrices: bool = True, compute_uv: Literal[True] = True, hermitian: bool = False) -> SVDResult: ...
@overload
def svd(a: _Input, full_matrices: bool = True, *, compute_uv: Literal[False], hermitian: bool = False) -> Vector: ...
def cholesky(a: _Input, upper: bool = False) -> Matrix: ...
@overload
def qr(a: _Input, mode: Literal["reduced", "complete"] = "reduced") -> QRResult: ...
@overload
def qr(a: _Input, mode: Literal["r"]) -> Matrix: ...
def lstsq(a: _Input, b: _Input, rcond: Optional[float] = None
          ) -> tuple[Union[Matrix, Vector], NDArray[Any], int, NDArray[Any]]: ...
def norm(x: _Input, ord: Any = None, axis: Optional[SupportsIndex] = None) -> Any: ...
