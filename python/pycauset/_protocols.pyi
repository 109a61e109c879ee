# Type stubs: NumPy's dispatch protocols (NEP 13 ufuncs, NEP 18 functions) on pycauset objects.
from typing import Any, Callable, Collection, Mapping

import numpy as np

class ProtocolMixin:
    __array_priority__: int
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any: ...
    def __array_function__(self, func: Callable[..., Any], types: Collection[type], args: tuple[Any, ...],
                           kwargs: Mapping[str, Any]) -> Any: ...
