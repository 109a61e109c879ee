"""Saving and loading causal sets: a directory of three .pycauset containers and a JSON description,
replaced atomically.

Layout of ``path`` (a directory; ``.causet`` is the conventional extension)::

    causet.json          {"format": "pycauset-causet", "version": 1, "n", "d", "density", "seed",
                          "region": {"type", ...} or null, "has_coordinates", "has_order"}
    causal.pycauset      the n x n bool causal matrix (bit-packed)
    coordinates.pycauset the (n, d) float64 coordinates in natural order (when known)
    order.pycauset       the int64 permutation into natural order (when known)

Each container keeps its own guarantees (checksummed header, page-aligned payload mapped read-only on load).
The whole directory is written under a temporary name beside ``path`` (``.<name>.saving-<pid>-<random>``) and
then swapped in with one ``renameat2(RENAME_EXCHANGE)`` (or a plain rename when ``path`` does not exist yet),
so a crash leaves either the previous causal set or the new one, never a mixture; the next save there removes
the temporary directories of writers that died.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import tempfile

import numpy as np

from .. import _array
from .._creation import vector as _vector
from .._dtypes import _core
from .._interop import to_numpy
from ._causal_set import CausalSet
from ._errors import CausetValueError
from ._regions import _region_from_spec

__all__ = ["save_causal_set", "load_causal_set", "is_causal_set_path"]

_FORMAT, _VERSION = "pycauset-causet", 1
# Paths are bytes throughout, as in pycauset.io: a file name need not be valid UTF-8.
_DESCRIPTION = b"causet.json"
_CAUSAL, _COORDINATES, _ORDER = b"causal.pycauset", b"coordinates.pycauset", b"order.pycauset"


def is_causal_set_path(path) -> bool:
    """Return whether ``path`` is a directory written by :func:`save_causal_set`."""
    path = os.fsencode(path)
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, _DESCRIPTION))


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: str, b: str) -> bool:
    """Atomically swap the names a and b (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name, use_errno=True) if libc_name else None
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, f"cannot replace {os.fsdecode(b)!r}: {os.strerror(code)}", os.fsdecode(b))


def _staging_prefix(name: bytes, pid: int) -> bytes:
    """Prefix of the temporary directories a process `pid` writes a causal set `name` under."""
    return b"." + name + b".saving-" + str(pid).encode() + b"-"


def _sweep_dead_writers(parent: bytes, name: bytes) -> None:
    """Remove temporary directories left beside `name` by saving processes that died (SIGKILL, power loss)."""
    marker = b"." + name + b".saving-"
    for entry in os.listdir(parent):
        if not entry.startswith(marker):
            continue
        pid_text = entry[len(marker):].split(b"-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
            continue  # the writer is alive (or the pid was reused): leave it
        except ProcessLookupError:
            _remove(os.path.join(parent, entry))
        except PermissionError:
            continue  # alive, owned by someone else


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)


def save_causal_set(cs: CausalSet, path) -> None:
    """Write ``cs`` to the directory ``path`` atomically (see the module docstring for the layout).

    Raises
    ------
    OSError
        If the files cannot be written, or ``path`` is an existing directory that is not a saved causal
        set (it is never replaced). A failed save leaves any previous causal set at ``path`` intact and
        removes its temporary directory.
    """
    path = os.path.abspath(os.fsencode(path))
    if os.path.isdir(path) and not is_causal_set_path(path):
        raise CausetValueError(f"{os.fsdecode(path)!r} is a directory that is not a saved causal set; refusing to "
                               f"replace it")
    parent, name = os.path.split(path)
    _sweep_dead_writers(parent, name)
    staging = tempfile.mkdtemp(prefix=_staging_prefix(name, os.getpid()), dir=parent)
    try:
        _core._save(cs.causal, os.path.join(staging, _CAUSAL))
        if cs.coordinates is not None:
            _core._save(cs.coordinates, os.path.join(staging, _COORDINATES))
        if cs.order is not None:
            _core._save(_vector(np.asarray(cs.order, dtype=np.int64)), os.path.join(staging, _ORDER))
        description = {
            "format": _FORMAT, "version": _VERSION, "n": cs.n, "d": cs.d, "density": cs.density,
            "seed": cs.seed, "has_coordinates": cs.coordinates is not None, "has_order": cs.order is not None,
            "region": None if cs.region is None else {"type": type(cs.region).__name__, **cs.region._spec()},
        }
        with open(os.path.join(staging, _DESCRIPTION), "w", encoding="utf-8") as file:
            json.dump(description, file, indent=1)
            file.flush()
            os.fsync(file.fileno())
        _fsync_directory(staging)
        if not os.path.lexists(path):
            os.rename(staging, path)  # atomic; fails if someone created path meanwhile
        elif _exchange(staging, path):
            pass  # staging now holds the previous version, removed below
        else:
            # No atomic exchange on this system: move the old version aside first (a crash in between
            # leaves it complete under the temporary name).
            aside = staging + b".old"
            os.rename(path, aside)
            os.rename(staging, path)
            staging = aside
        _fsync_directory(parent)
    finally:
        _remove(staging)


def _corrupt(path, problem: str) -> CausetValueError:
    return CausetValueError(f"{os.fsdecode(path)!r} is not a valid saved causal set: {problem}")


def load_causal_set(path, verify: bool = False) -> CausalSet:
    """Open a causal set saved by :func:`save_causal_set`; the matrices are mapped read-only (O(1)).

    Raises
    ------
    ValueError
        If the description is missing, malformed, of another format or a newer version, a container is
        corrupt, or the parts disagree in size.
    """
    path = os.fsencode(path)
    if not is_causal_set_path(path):
        raise _corrupt(path, "a directory without causet.json")
    try:
        with open(os.path.join(path, _DESCRIPTION), encoding="utf-8") as file:
            description = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _corrupt(path, f"causet.json is not valid JSON ({error})") from None
    if not isinstance(description, dict) or description.get("format") != _FORMAT:
        raise _corrupt(path, f"causet.json does not describe a {_FORMAT} file")
    if description.get("version") != _VERSION:
        raise _corrupt(path, f"format version {description.get('version')!r}; this pycauset reads version {_VERSION}")
    try:
        n, d, density, seed = description["n"], description["d"], description["density"], description["seed"]
        region_spec = description["region"]
        has_coordinates, has_order = description["has_coordinates"], description["has_order"]
    except KeyError as missing:
        raise _corrupt(path, f"causet.json lacks the field {missing}") from None
    causal = _array._wrap(_core._load(os.path.join(path, _CAUSAL), bool(verify)))
    if causal.dtype != np.bool_ or causal.shape != (n, n):
        raise _corrupt(path, f"the causal matrix is {causal.dtype} {causal.shape}, expected bool ({n}, {n})")
    region = None
    if region_spec is not None:
        spec = dict(region_spec)
        try:
            region = _region_from_spec(spec.pop("type"), spec)
        except (KeyError, TypeError) as error:
            raise _corrupt(path, f"the region {region_spec!r} is malformed ({error})") from None
    coordinates = order = None
    if has_coordinates:
        coordinates = _array._wrap(_core._load(os.path.join(path, _COORDINATES), bool(verify)))
        if coordinates.dtype != np.float64 or coordinates.shape != (n, d):
            raise _corrupt(path, f"the coordinates are {coordinates.dtype} {coordinates.shape}, expected float64 "
                                 f"({n}, {d})")
    if has_order:
        loaded = _array._wrap(_core._load(os.path.join(path, _ORDER), bool(verify)))
        if loaded.dtype != np.int64 or loaded.shape != (n,):
            raise _corrupt(path, f"the order is {loaded.dtype} {loaded.shape}, expected int64 ({n},)")
        order = to_numpy(loaded, allow_huge=True)  # n integers, exported whatever the budget
    return CausalSet._from_parts(causal, density, region, seed, coordinates, order)
