"""NumPy interop: importing data, exporting with the export guard, slice assignment, previews."""
from __future__ import annotations

import warnings

import numpy as np

from ._dtypes import SUPPORTED, _core, normalize_dtype

ExportGuardError = _core.ExportGuardError


# ---------------------------------------------------------------------- import
def _check_rank(ndim: int, wanted) -> None:
    if ndim not in (1, 2):
        raise ValueError(f"pycauset supports rank 1 (Vector) and rank 2 (Matrix) data only; got rank {ndim}")
    if wanted == 2 and ndim != 2:
        raise ValueError(f"matrix() needs 2-D data, got rank {ndim}; use pycauset.vector for 1-D data")
    if wanted == 1 and ndim != 1:
        raise ValueError(f"vector() needs 1-D data, got rank {ndim}; use pycauset.matrix for 2-D data")


def _source_dtype(array: np.ndarray):
    """Return (supported name, byteswapped) of an ndarray's dtype, or (None, False) if unsupported."""
    native = array.dtype.newbyteorder("=")
    if native.name not in SUPPORTED:
        return None, False
    return native.name, not array.dtype.isnative


def import_data(data, *, dtype, ndim, wrap):
    """Copy ``data`` (pycauset object, ndarray incl. memmap, nested list) into a new governed array.

    The copy streams through the core in parallel with the GIL released; data larger than the memory
    budget lands in a spill file without passing through RAM.
    """
    from ._array import _ArrayBase, concrete

    data = concrete(data)
    if isinstance(data, _ArrayBase):
        _check_rank(data.ndim, ndim)
        target = normalize_dtype(dtype) if dtype is not None else data.dtype_name
        return wrap(data._copy_as(target))
    array = data if isinstance(data, np.ndarray) else np.asarray(data)
    _check_rank(array.ndim, ndim)
    source_name, swapped = _source_dtype(array)
    if source_name is None:
        if dtype is None:
            normalize_dtype(array.dtype)  # raises TypeError naming the dtype and the supported list
        array = array.astype(normalize_dtype(dtype))  # e.g. float16 data with an explicit dtype
        source_name, swapped = _source_dtype(array)
    target = normalize_dtype(dtype) if dtype is not None else source_name
    return wrap(_core.import_numpy(array, source_name, swapped, target, array.ndim))


# ---------------------------------------------------------------------- export
def _format_bytes(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit} ({n} bytes)"
    return f"{n} bytes"


# The export guard, sized and not placed: copying a file-backed object into RAM needs allow_huge=True only
# when the copy exceeds the small-export allowance, min(64 MiB, budget / 4), so rows, corners and small
# results export freely wherever they live. np.asarray applies the same size rule even where it could map a
# loaded file without copying: a large view is asked for explicitly, with to_numpy(obj, copy=False).
# set_export_max_bytes caps every export (copies and views, RAM and files); allow_huge lifts both.

def _describe(obj) -> str:
    return f"{type(obj).__name__} of shape {obj.shape} and dtype {obj.dtype_name}, {_format_bytes(obj.nbytes)}"


def _check_export_limit(obj, allow_huge: bool) -> None:
    """Raise ExportGuardError when ``obj`` exceeds ``set_export_max_bytes`` (any export, view or copy)."""
    limit = _core.get_export_max_bytes()
    if allow_huge or limit is None or obj.nbytes <= limit:
        return
    raise ExportGuardError(
        f"refusing to export a {_describe(obj)}: it exceeds the export limit of {_format_bytes(limit)} set by "
        "pycauset.set_export_max_bytes. Pass allow_huge=True, as in pycauset.to_numpy(obj, allow_huge=True), "
        "or raise the limit.")


def _check_file_export(obj, allow_huge: bool, action: str) -> None:
    """Raise ExportGuardError when ``action`` would bring a file-backed ``obj`` above the allowance into RAM."""
    if allow_huge or obj.storage != "file":
        return
    allowance = _core.small_export_allowance()
    if obj.nbytes <= allowance:
        return
    ways_out = "pass allow_huge=True, as in pycauset.to_numpy(obj, allow_huge=True), to copy it anyway"
    if obj._read_only_file:
        ways_out += ", or take a read-only zero-copy view with pycauset.to_numpy(obj, copy=False)"
    raise ExportGuardError(
        f"refusing to {action} a file-backed {_describe(obj)}: it is larger than the small-export allowance of "
        f"{_format_bytes(allowance)} (64 MiB or a quarter of the memory budget, whichever is less). "
        f"To export it, {ways_out}.")


def _zero_copy_view(obj):
    """Return a read-only ndarray sharing ``obj``'s memory (already guarded), or None when impossible."""
    if obj.dtype_name == "bool" or obj.size == 0:
        return None
    if obj.storage == "file" and not obj._read_only_file:
        return None  # a writable spill file: the governor may rewrite or remove it, so never shared
    try:
        return np.asarray(_core.MappedView(obj))
    except BufferError:
        return None  # spilled between the check and the export: copy instead


def _copy_out(obj, dtype) -> np.ndarray:
    if (dtype is None or np.dtype(dtype) == obj.dtype) and obj.dtype_name != "bool" and obj.size > 0:
        # Copied in parallel into recycled (already touched) RAM that the returned array then owns.
        return np.asarray(_core.OwnedCopy(obj))
    target = np.dtype(dtype) if dtype is not None else obj.dtype
    supported = target.newbyteorder("=").name in SUPPORTED
    out = np.empty(obj.shape, dtype=target.newbyteorder("=") if supported else obj.dtype)
    _core.export_numpy(obj, out)
    return out if supported and target.isnative else out.astype(target)


def to_numpy(obj, *, copy=True, allow_huge=False):
    """Export a pycauset object (or expression) as a NumPy array.

    Parameters
    ----------
    obj : Matrix, Vector or expression
    copy : bool
        True (default): a new writable array. False: a read-only view sharing memory when that needs
        no allocation (RAM-backed, or a file mapped read-only by ``load``, whatever its size); otherwise a
        ``UserWarning`` is emitted and a copy is returned.
    allow_huge : bool
        Opt in to copying a file-backed object larger than the small-export allowance,
        ``min(64 MiB, budget / 4)``, into RAM, and to exports above ``set_export_max_bytes``.

    Raises
    ------
    ExportGuardError
        Without ``allow_huge=True``: for a copy of a file-backed object larger than the small-export
        allowance, and for any export above ``set_export_max_bytes``.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.to_numpy(pycauset.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    from ._array import _ArrayBase, concrete

    obj = concrete(obj)
    if not isinstance(obj, _ArrayBase):
        raise TypeError(f"to_numpy() expects a pycauset Matrix, Vector or expression, got {type(obj).__name__}")
    _check_export_limit(obj, allow_huge)
    if not copy:
        view = _zero_copy_view(obj)
        if view is not None:
            return view
        reason = "bool data is bit-packed" if obj.dtype_name == "bool" else "it lives in a writable spill file"
        warnings.warn(f"to_numpy(copy=False) cannot share memory ({reason}); returning a copy", UserWarning, stacklevel=2)
    _check_file_export(obj, allow_huge, "copy into RAM")
    return _copy_out(obj, None)


def array_protocol(obj, dtype, copy):
    """``__array__`` with NumPy 2 semantics (copy=None: share if possible; False: share or raise).

    Guarded before any view is considered: a file-backed object above the allowance raises even when a
    loaded file could be mapped without copying (``to_numpy(obj, copy=False)`` is the explicit route).
    """
    _check_export_limit(obj, allow_huge=False)
    _check_file_export(obj, allow_huge=False, action="export (np.asarray / np.array)")
    same_dtype = dtype is None or np.dtype(dtype) == obj.dtype
    if copy is not True and same_dtype:
        view = _zero_copy_view(obj)
        if view is not None:
            return view
    if copy is False:
        raise ValueError("Unable to avoid copy while creating an array as requested: this pycauset object cannot "
                         "be shared with NumPy without copying (bool is bit-packed; spill files are writable).")
    return _copy_out(obj, dtype)


# ---------------------------------------------------------------------- slice assignment
def _broadcast_view(source, shape):
    """Return a native zero-stride view of pycauset ``source`` broadcast to ``shape``, NumPy rules."""
    try:
        broadcast = np.broadcast_shapes(source.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != tuple(shape):  # incompatible, or the source would widen the target
        raise ValueError(f"could not broadcast input of shape {source.shape} into shape {shape}")
    # Canonical 2-D form (rows, cols); a 1-D source is a single row.
    src_rows, src_cols = (1, source.shape[0]) if source.ndim == 1 else source.shape
    rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    row_stride = 0 if src_rows == 1 and rows != 1 else source._row_stride
    col_stride = 0 if src_cols == 1 and cols != 1 else source._col_stride
    return source._view(len(shape), rows, cols, source._offset, row_stride, col_stride)


def assign(view, value) -> None:
    """Write ``value`` (scalar, array-like, pycauset object or expression) into ``view``, broadcasting."""
    from ._array import _ArrayBase, concrete

    value = concrete(value)
    if isinstance(value, _ArrayBase):
        source = value if value.shape == view.shape else _broadcast_view(value, view.shape)
        view._copy_from(source)
        return
    if np.ndim(value) == 0:
        view._fill_raw(np.array(value, dtype=view.dtype).tobytes())
        return
    array = np.asarray(value)
    source_name, swapped = _source_dtype(array)
    if source_name is None:
        array = array.astype(view.dtype)
        source_name, swapped = _source_dtype(array)
    try:
        array = np.broadcast_to(array, view.shape)
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {np.shape(value)} into shape {view.shape}") from None
    _core.assign_numpy(view, array, source_name, swapped)


# ---------------------------------------------------------------------- repr
_EDGE = 3


def _edge_indices(n: int):
    """Indices NumPy would show for an axis of length n (edges plus a hidden filler in the middle)."""
    if n <= 2 * _EDGE:
        return list(range(n)), False
    return list(range(_EDGE)) + [_EDGE] + list(range(n - _EDGE, n)), True


def preview(obj) -> str:
    """Format the corner values NumPy-style, reading only those elements (never the whole array)."""
    if obj.size <= 1000:  # NumPy's own summarisation threshold: small arrays print whole
        whole = np.empty(obj.shape, dtype=obj.dtype)
        _core.export_numpy(obj, whole)
        return np.array2string(whole, separator=" ")
    shape2 = (1, obj.shape[0]) if obj.ndim == 1 else obj.shape
    rows, row_cut = _edge_indices(shape2[0])
    cols, col_cut = _edge_indices(shape2[1])
    corner = np.zeros((len(rows), len(cols)), dtype=obj.dtype)
    native = obj if obj.ndim == 2 else obj._view(2, 1, obj.shape[0], obj._offset, 0, obj._col_stride)
    # Copy the (up to four) corner blocks; the filler row/column stays zero and is never printed.
    row_runs = [(0, len(rows), rows[0])] if not row_cut else [(0, _EDGE, 0), (_EDGE + 1, _EDGE, shape2[0] - _EDGE)]
    col_runs = [(0, len(cols), cols[0])] if not col_cut else [(0, _EDGE, 0), (_EDGE + 1, _EDGE, shape2[1] - _EDGE)]
    for r_at, r_count, r_from in row_runs:
        for c_at, c_count, c_from in col_runs:
            block = np.empty((r_count, c_count), dtype=obj.dtype)
            _core.export_numpy(native._sliced(r_from, r_count, 1, c_from, c_count, 1), block)
            corner[r_at:r_at + r_count, c_at:c_at + c_count] = block
    if obj.ndim == 1:
        corner = corner[0]
    threshold = 0 if (row_cut or col_cut) else 10**9
    return np.array2string(corner, separator=" ", threshold=threshold, edgeitems=_EDGE)
