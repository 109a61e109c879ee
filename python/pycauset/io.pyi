# Type stubs: save, load and convert_file.
from os import PathLike
from typing import Any, Optional, Union

_Path = Union[str, bytes, PathLike[str], PathLike[bytes]]

def save(obj: Any, path: _Path, *, progress: Optional[bool] = None) -> None: ...
# A Matrix, a Vector or (for a saved directory) a causet.CausalSet: which one depends on the file.
def load(path: _Path, *, verify: bool = False, progress: Optional[bool] = None) -> Any: ...
def convert_file(src: _Path, dst: _Path, *, chunks: Optional[tuple[int, ...]] = None,
                 progress: Optional[bool] = None) -> None: ...
