"""Matrix and Vector: the public array classes (one class each; the element type is an attribute)."""
from __future__ import annotations

import operator

import numpy as np

from . import _interop
from ._dtypes import _core, as_int, normalize_dtype
from ._operators import ArithmeticMixin
from ._progress import resolve
from ._protocols import ProtocolMixin

__all__ = ["Matrix", "Vector"]

_FANCY_INDEX_HINT = "only integers and slices (`:`) are valid indices; use pycauset.to_numpy(...) for fancy indexing"


def _wrap(native):
    """Return the public Matrix or Vector sharing the handle of a native ``_core.Array``."""
    cls = Vector if native.ndim == 1 else Matrix
    obj = cls.__new__(cls)
    _core.Array.__init__(obj, native)
    return obj


def _is_pycauset(obj) -> bool:
    return isinstance(obj, _ArrayBase)


def concrete(obj):
    """Return ``obj`` evaluated if it is a lazy pycauset expression, else ``obj`` unchanged."""
    if getattr(obj, "_is_pycauset_expression", False):
        return obj.eval()
    return obj


def asarray_like(obj, dtype=None):
    """Return ``obj`` as a Matrix/Vector: pycauset objects as they are, other data imported (copied).

    Expressions are evaluated. ``dtype`` converts (copying) when given and different.
    """
    obj = concrete(obj)
    if _is_pycauset(obj):
        if dtype is not None and normalize_dtype(dtype) != obj.dtype_name:
            return obj.astype(dtype)
        return obj
    return _interop.import_data(obj, dtype=dtype, ndim=None, wrap=_wrap)


def _normalize_index(index, size: int, axis: int) -> int:
    try:
        i = operator.index(index)
    except TypeError:
        raise _core.PyCausetIndexError(_FANCY_INDEX_HINT) from None
    if not -size <= i < size:
        where = f"axis {axis}" if axis is not None else "an array"
        raise _core.PyCausetIndexError(f"index {i} is out of bounds for {where} with size {size}")
    return i + size if i < 0 else i


def _slice_bounds(s: slice, size: int):
    start, stop, step = s.indices(size)
    return start, len(range(start, stop, step)), step


class _ArrayBase(ArithmeticMixin, ProtocolMixin, _core.Array):
    """Shared behaviour of Matrix and Vector (see their docstrings)."""

    # NumPy defers binary operators to us (ndarray + Matrix -> Matrix.__radd__).
    __array_priority__ = 1000

    # ------------------------------------------------------------------ attributes
    @property
    def dtype(self) -> np.dtype:
        """Element type as a ``numpy.dtype``."""
        return np.dtype(self.dtype_name)

    @property
    def T(self):
        """Transposed view (O(1), shares data). A vector's transpose is itself, as in NumPy."""
        return _wrap(self._transposed())

    def __len__(self) -> int:
        return self.shape[0]

    # ------------------------------------------------------------------ one-element conversions (as NumPy)
    def _only_element(self, what: str):
        """Return the single element; any other size is ambiguous, as for ``ndarray``."""
        if self.size == 1:
            return self[(0,) * self.ndim]
        if what == "truth value" and self.size == 0:
            raise _core.PyCausetValueError("The truth value of an empty array is ambiguous. "
                                           "Use `array.size > 0` to check that an array is not empty.")
        if what == "truth value":
            raise _core.PyCausetValueError("The truth value of an array with more than one element is ambiguous. "
                                           "Use a.any() or a.all()")
        raise _core.PyCausetTypeError(f"only arrays of size 1 can be converted to Python scalars (got size {self.size})")

    def __bool__(self) -> bool:
        # Without it Python would fall back to __len__: bool(zeros(3)) was True, bool(zeros((1, 1))) True.
        return bool(self._only_element("truth value"))

    def __float__(self) -> float:
        return float(self._only_element("scalar"))

    def __int__(self) -> int:
        return int(self._only_element("scalar"))

    def __complex__(self) -> complex:
        return complex(self._only_element("scalar"))

    def eval(self, *, progress=None):
        """Return self: a Matrix or Vector is already evaluated (expressions have ``eval`` too).

        ``progress`` is accepted (and checked) as for ``Expression.eval``; there is nothing to report.
        """
        resolve(progress)
        return self

    # ------------------------------------------------------------------ copies
    def copy(self):
        """Return a contiguous copy (placed in RAM or a spill file by the memory budget)."""
        return _wrap(self._copy_as(self.dtype_name))

    def astype(self, dtype):
        """Return a copy converted to ``dtype`` (NumPy's unsafe casting, as ``ndarray.astype``)."""
        return _wrap(self._copy_as(normalize_dtype(dtype)))

    # ------------------------------------------------------------------ NumPy's everyday methods
    @property
    def itemsize(self) -> int:
        """Bytes per element as NumPy reports them (``bool`` is 1, although stored as 1 bit)."""
        return self.dtype.itemsize

    @property
    def real(self):
        """The real part: a strided view of a complex array (writable, as NumPy's), else the array itself.

        Examples
        --------
        >>> import pycauset
        >>> z = pycauset.vector([1 + 2j, 3 - 4j])
        >>> z.real.tolist()
        [1.0, 3.0]
        """
        if self.dtype.kind != "c":
            return self
        return _wrap(self._component(0))

    @property
    def imag(self):
        """The imaginary part: a strided view of a complex array, else a new array of zeros (as NumPy)."""
        if self.dtype.kind != "c":
            from ._creation import zeros

            return zeros(self.shape, dtype=self.dtype)
        return _wrap(self._component(1))

    def conj(self):
        """Return the complex conjugate (a copy; for real dtypes a plain copy, as ``ndarray.conj``).

        The imaginary parts of the copy are negated in place, one streamed pass, so ``-0.0`` is exact.

        Examples
        --------
        >>> import pycauset
        >>> pycauset.vector([1 + 2j]).conj().tolist()
        [(1-2j)]
        """
        out = self.copy()
        if self.dtype.kind == "c":
            imaginary = out.imag
            imaginary *= -1
        return out

    conjugate = conj

    def tolist(self):
        """Return the elements as nested Python lists of Python scalars, as ``ndarray.tolist``.

        The array is exported through :func:`pycauset.to_numpy`, so the export guard refuses a large
        file-backed array (``ExportGuardError``); export a slice, or use ``to_numpy(..., allow_huge=True)``.

        Examples
        --------
        >>> import pycauset
        >>> pycauset.matrix([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return _interop.to_numpy(self).tolist()

    def fill(self, value):
        """Set every element to ``value`` (cast to the dtype as ``ndarray.fill`` does), in place.

        Examples
        --------
        >>> import pycauset
        >>> v = pycauset.zeros(3, dtype="int32")
        >>> v.fill(7)
        >>> v.tolist()
        [7, 7, 7]
        """
        self._fill_raw(np.array(value).astype(self.dtype).tobytes())

    def item(self, *args):
        """Return one element as a Python scalar, as ``ndarray.item``.

        ``item()`` needs a one-element array; ``item(k)`` takes a flat (row-major) index, ``item(i, j)`` a
        matrix position.

        Examples
        --------
        >>> import pycauset
        >>> pycauset.matrix([[1, 2], [3, 4]]).item(3)
        4
        """
        if not args:
            if self.size != 1:
                raise _core.PyCausetValueError(
                    f"can only convert an array of size 1 to a Python scalar (got size {self.size}); "
                    "pass an index, a.item(k) or a.item(i, j)")
            return self[(0,) * self.ndim].item()
        if len(args) == 1 and isinstance(args[0], tuple):
            args = args[0]
        if len(args) == 1:
            k = _normalize_index(args[0], self.size, None)
            position = divmod(k, self.shape[1]) if self.ndim == 2 else (k,)
            return self[position].item()
        if len(args) != self.ndim:
            raise _core.PyCausetValueError(
                f"incorrect number of indices for array: expected {self.ndim}, got {len(args)}")
        return self[tuple(args)].item()

    def diagonal(self, offset=0):
        """Return the diagonal ``offset`` (above the main one if positive) as a Vector view (O(1)).

        Unlike NumPy's read-only diagonal, the view is writable: ``M.diagonal()[:] = 1`` sets it.

        Examples
        --------
        >>> import pycauset
        >>> pycauset.matrix([[1, 2], [3, 4]]).diagonal().tolist()
        [1, 4]
        """
        if self.ndim != 2:
            raise _core.PyCausetValueError(
                f"diagonal needs a 2-D matrix, got an array of dimension {self.ndim}; use pycauset.diag(v) to build one")
        offset = as_int(offset, "diagonal: offset")
        rows, cols = self.shape
        first_row, first_col = (0, offset) if offset >= 0 else (-offset, 0)
        length = max(0, min(rows - first_row, cols - first_col))
        if length == 0:
            return _wrap(_core.zeros(self.dtype_name, 1, 1, 0))
        start = self._offset + first_row * self._row_stride + first_col * self._col_stride
        step = self._row_stride + self._col_stride
        return _wrap(self._view(1, 1, length, start, length * step, step))

    def _flat_step(self):
        """The element step of this array's row-major order in its buffer, or None if that order is not a
        single arithmetic progression (then a reshape must copy)."""
        rows, cols = (1, self.shape[0]) if self.ndim == 1 else self.shape
        if cols == 1:
            return self._row_stride if rows > 1 else 1
        if rows == 1 or self._row_stride == cols * self._col_stride:
            return self._col_stride
        return None

    def reshape(self, *shape):
        """Return the same elements (row-major order) with a new rank-1 or rank-2 ``shape``; one entry may be -1.

        The result is a view where the layout allows it (contiguous arrays, vectors, single rows and
        columns), else a copy placed by the memory budget (streamed for file-backed arrays).

        Examples
        --------
        >>> import pycauset
        >>> pycauset.vector([1, 2, 3, 4, 5, 6]).reshape(2, -1).tolist()
        [[1, 2, 3], [4, 5, 6]]
        """
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        dims = [as_int(d, "reshape: each dimension") for d in shape]
        if len(dims) not in (1, 2):
            raise _core.PyCausetValueError(
                f"pycauset supports rank 1 (Vector) and rank 2 (Matrix) shapes only; reshape got rank {len(dims)}")
        if dims.count(-1) > 1 or any(d < -1 for d in dims):
            raise _core.PyCausetValueError(
                f"can only specify one unknown dimension (-1) and no other negative one; got {tuple(dims)}")
        if -1 in dims:
            known = int(np.prod([d for d in dims if d != -1]))
            if known == 0 or self.size % known:
                raise _core.PyCausetValueError(f"cannot reshape array of size {self.size} into shape {tuple(dims)}")
            dims[dims.index(-1)] = self.size // known
        if int(np.prod(dims)) != self.size:
            raise _core.PyCausetValueError(f"cannot reshape array of size {self.size} into shape {tuple(dims)}")
        rows, cols = (1, dims[0]) if len(dims) == 1 else dims
        step = self._flat_step()
        source = self
        if step is None:
            source = self.copy()
            step = 1
        if self.size == 0:
            return _wrap(_core.zeros(self.dtype_name, len(dims), rows, cols))
        return _wrap(source._view(len(dims), rows, cols, source._offset, cols * step, step))

    def ravel(self):
        """Return the elements as a Vector in row-major order: a view where the layout allows, else a copy."""
        return self.reshape(-1)

    def flatten(self):
        """Return the elements as a new Vector in row-major order (always a copy, as ``ndarray.flatten``)."""
        flat = self.reshape(-1)
        return flat.copy() if flat._same_buffer(self) else flat

    # ------------------------------------------------------------------ NumPy export
    def __array__(self, dtype=None, copy=None):
        return _interop.array_protocol(self, dtype, copy)

    def to_numpy(self, *, copy=True, allow_huge=False):
        """Same as ``pycauset.to_numpy(self, copy=copy, allow_huge=allow_huge)``."""
        return _interop.to_numpy(self, copy=copy, allow_huge=allow_huge)

    def to_dask(self, chunks="auto"):
        """A ``dask.array.Array`` over this object, reading a block per chunk (see ``pycauset.to_dask``)."""
        from ._dask import to_dask

        return to_dask(self, chunks=chunks)

    # ------------------------------------------------------------------ DLPack
    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Export a RAM-backed dense object through DLPack, read-only and zero-copy (``np.from_dlpack(M)``).

        File-backed and bool (bit-packed) objects have no zero-copy DLPack form: export them with
        ``pycauset.to_numpy`` first.
        """
        from ._interop import to_numpy

        if self.storage != "ram" or self.dtype_name == "bool":
            raise _core.PyCausetTypeError(
                f"__dlpack__: only RAM-backed, non-bool objects export zero-copy; this is a {self.storage}-backed "
                f"{self.dtype_name} object: use pycauset.to_numpy(obj) and pass the NumPy array instead")
        view = to_numpy(self, copy=False)  # read-only, shares the buffer (and pins it while the capsule lives)
        kwargs = {"stream": stream}
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        return view.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        """DLPack device of the data: the CPU (device type 1, id 0)."""
        return (1, 0)

    def packbits(self):
        """Return the bits of a bool array as a buffer-protocol object of ``uint8``.

        Bit order is ``numpy.packbits`` order over the flattened (row-major) array, with zero padding
        at the end. Zero-copy for contiguous arrays; other views are copied first.

        Examples
        --------
        >>> import numpy as np, pycauset
        >>> m = pycauset.matrix(np.array([[True, False], [False, True]]))
        >>> np.asarray(m.packbits())
        array([144], dtype=uint8)
        """
        if self.dtype_name != "bool":
            raise _core.PyCausetTypeError(f"packbits() needs a bool array, got dtype {self.dtype_name}")
        source = self if self._is_contiguous else self.copy()
        return _core.PackedBits(source)

    # ------------------------------------------------------------------ element access
    def __getitem__(self, key):
        is_element, target = self._resolve(key)
        if is_element:
            i, j = target
            return np.frombuffer(self._get_raw(i, j), dtype=self.dtype)[0]
        return _wrap(target)

    def __setitem__(self, key, value):
        is_element, target = self._resolve(key)
        if is_element:
            if np.ndim(value) != 0 or _is_pycauset(value):
                raise _core.PyCausetValueError("setting an array element with a sequence: the target is a single element")
            self._set_raw(target[0], target[1], np.array(value, dtype=self.dtype).tobytes())
            return
        _interop.assign(_wrap(target), value)

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        body = _interop.preview(self)
        where = f", storage='{self.storage}'" + (f", path='{self.path}'" if self.path else "")
        return f"pycauset.{type(self).__name__}(shape={self.shape}, dtype={self.dtype_name}{where})\n{body}"

    __str__ = __repr__


class Matrix(_ArrayBase):
    """A 2-D pycauset array, in RAM or in a file, behaving like a NumPy array.

    Create one with :func:`pycauset.matrix`, :func:`pycauset.zeros` and friends. ``Matrix(data, dtype=None)``
    is the same as ``pycauset.matrix(data, dtype)``.
    """

    def __init__(self, data, dtype=None):
        native = _interop.import_data(data, dtype=dtype, ndim=2, wrap=lambda n: n)
        _core.Array.__init__(self, native)

    @property
    def shape(self):
        """``(rows, cols)``."""
        return (self._rows, self._cols)

    def _resolve(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        if any(k is Ellipsis for k in key):
            key = tuple(slice(None) if k is Ellipsis else k for k in key)
        if len(key) > 2:
            raise _core.PyCausetIndexError(
                f"too many indices for matrix: matrix is 2-dimensional, but {len(key)} were indexed")
        if len(key) == 1:
            key = (key[0], slice(None))
        rows, cols = self.shape
        r, c = key
        if isinstance(r, slice) and isinstance(c, slice):
            r0, rn, rs = _slice_bounds(r, rows)
            c0, cn, cs = _slice_bounds(c, cols)
            return False, self._sliced(r0, rn, rs, c0, cn, cs)
        if isinstance(r, slice):
            j = _normalize_index(c, cols, 1)
            r0, rn, rs = _slice_bounds(r, rows)
            return False, self._column(j)._sliced(0, 1, 1, r0, rn, rs)
        i = _normalize_index(r, rows, 0)
        if isinstance(c, slice):
            c0, cn, cs = _slice_bounds(c, cols)
            return False, self._row(i)._sliced(0, 1, 1, c0, cn, cs)
        return True, (i, _normalize_index(c, cols, 1))


class Vector(_ArrayBase):
    """A 1-D pycauset array, in RAM or in a file, behaving like a NumPy array.

    Create one with :func:`pycauset.vector` or :func:`pycauset.zeros` with an integer shape.
    """

    def __init__(self, data, dtype=None):
        native = _interop.import_data(data, dtype=dtype, ndim=1, wrap=lambda n: n)
        _core.Array.__init__(self, native)

    @property
    def shape(self):
        """``(n,)``."""
        return (self._cols,)

    def _resolve(self, key):
        if isinstance(key, tuple):
            if len(key) != 1:
                raise _core.PyCausetIndexError(
                    f"too many indices for vector: vector is 1-dimensional, but {len(key)} were indexed")
            key = key[0]
        if key is Ellipsis:
            key = slice(None)
        if isinstance(key, slice):
            c0, cn, cs = _slice_bounds(key, self._cols)
            return False, self._sliced(0, 1, 1, c0, cn, cs)
        return True, (0, _normalize_index(key, self._cols, 0))
