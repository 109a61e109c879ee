"""pycauset.linalg: inverse, solve, determinants, Hermitian eigen-decomposition and norms.

Every function accepts pycauset objects, NumPy arrays and nested lists, and follows
``numpy.linalg``: bool and integer input computes in float64, float32/complex64 stay single
precision, and a singular matrix raises ``numpy.linalg.LinAlgError``.

When operands and result fit the memory budget (``pycauset.set_memory_limit``) one LAPACK
sequence runs on RAM buffers. Otherwise ``inv``, ``solve``, ``det`` and ``slogdet`` run an
out-of-core blocked LU (left-looking column panels with partial pivoting over full columns) whose
factor and result live in spill files; see ``documentation/internals/lu.md``.
"""
from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager

import numpy as np

from ._array import _wrap, asarray_like
from ._dtypes import _core
from ._progress import ProgressBar, bar_delay, resolve

__all__ = ["LinAlgError", "inv", "solve", "solve_triangular", "det", "slogdet", "eigh", "eigvalsh", "svd", "cholesky",
           "qr", "lstsq", "norm",
           "SlogdetResult", "EighResult", "SVDResult", "QRResult"]

LinAlgError = np.linalg.LinAlgError

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SlogdetResult.__doc__ = "Result of slogdet: det = sign * exp(logabsdet) (as numpy.linalg.SlogdetResult)."

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EighResult.__doc__ = "Result of eigh: ascending eigenvalues and unit eigenvectors in columns."

QRResult = namedtuple("QRResult", ["Q", "R"])
QRResult.__doc__ = "Result of qr: a = Q @ R (as numpy.linalg.QRResult)."

SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
SVDResult.__doc__ = "Result of svd: a = U @ diag(S) @ Vh, singular values S descending (as numpy.linalg.SVDResult)."


def __dir__():
    return sorted(__all__)


@contextmanager
def _progress_callback(progress, label):
    """Yield a ``callback(done_flops, total_flops)`` drawing a progress bar, or None."""
    if not resolve(progress):  # None: the process-wide setting (pycauset.set_progress, PYCAUSET_PROGRESS)
        yield None
        return
    with ProgressBar(label, unit="FLOP", delay=bar_delay(progress)) as bar:
        yield bar


def _square_operand(a):
    return asarray_like(a)


def inv(a, *, progress=None):
    """Return the inverse of a square matrix.

    Parameters
    ----------
    a : Matrix or array_like, shape (n, n)
        The matrix to invert. Bool and integer input computes in float64.
    progress : bool, optional
        Show a progress bar with rate and ETA (useful for out-of-core sizes). Default ``None``: the
        process-wide setting (:func:`pycauset.set_progress`).

    Returns
    -------
    Matrix
        ``inv(a)``, in RAM when it fits the memory budget, else file-backed.

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``a`` is not square or is singular (an exactly zero pivot).

    Notes
    -----
    Direct path: LAPACK ``getrf`` + ``getri``. Out-of-core path: blocked LU with partial pivoting
    over full columns into a spill file, then the inverse column block by column block with
    triangular solves (``trsm``/``gemm`` on streamed panels). The input is never modified.

    Examples
    --------
    >>> import pycauset
    >>> a = pycauset.matrix([[4.0, 7.0], [2.0, 6.0]])
    >>> pycauset.to_numpy(pycauset.linalg.inv(a)).round(2).tolist()
    [[0.6, -0.7], [-0.2, 0.4]]
    """
    a = _square_operand(a)
    with _progress_callback(progress, f"inv {'x'.join(map(str, a.shape))}") as callback:
        return _wrap(_core.inv(a, "auto", callback))


def solve(a, b, *, progress=None):
    """Solve ``a @ x = b`` for ``x`` with one LU factorisation (the inverse is never formed).

    Parameters
    ----------
    a : Matrix or array_like, shape (n, n)
        Coefficient matrix.
    b : Vector, Matrix or array_like, shape (n,) or (n, k)
        Right-hand side(s). A 1-D ``b`` gives a 1-D ``x`` (NumPy 2 rule).
    progress : bool, optional
        Show a progress bar with rate and ETA. Default ``None``: the process-wide setting.

    Returns
    -------
    Vector or Matrix
        ``x`` with the dtype NumPy would give (promotion of ``a`` and ``b``, at least float).

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``a`` is not square or is singular.
    ValueError
        If ``b`` does not have ``n`` rows.

    Examples
    --------
    >>> import pycauset
    >>> x = pycauset.linalg.solve([[3.0, 1.0], [1.0, 2.0]], [9.0, 8.0])
    >>> pycauset.to_numpy(x).tolist()
    [2.0, 3.0]
    """
    a = _square_operand(a)
    b = asarray_like(b)
    with _progress_callback(progress, f"solve {'x'.join(map(str, a.shape))}") as callback:
        return _wrap(_core.solve(a, b, "auto", callback))


def solve_triangular(a, b, lower=False, unit_diagonal=False, *, progress=None):
    """Solve ``a @ x = b`` for a triangular ``a``, as ``scipy.linalg.solve_triangular``.

    Parameters
    ----------
    a : Matrix or array_like, shape (n, n)
        The triangular factor; only its ``lower`` (or upper) triangle is read. It may be ``bool`` (e.g. a
        causal matrix's transpose): its panels are converted as they are read.
    b : Vector, Matrix or array_like, shape (n,) or (n, k)
        Right-hand side(s). A 1-D ``b`` gives a 1-D ``x``.
    lower : bool
        Use the lower triangle of ``a`` (default: the upper one).
    unit_diagonal : bool
        Take the diagonal of ``a`` as ones without reading it.
    progress : bool, optional
        Show a progress bar with rate and ETA. Default ``None``: the process-wide setting.

    Returns
    -------
    Vector or Matrix
        ``x``, of NumPy's promoted dtype (at least float64 for bool and integer input).

    Raises
    ------
    numpy.linalg.LinAlgError
        If a diagonal element is zero (and ``unit_diagonal`` is false).
    ValueError
        If ``a`` is not square or ``b`` does not have ``n`` rows.

    Notes
    -----
    Within the memory budget: one BLAS ``trsm`` on RAM copies. Beyond it: per block of right-hand
    columns held in RAM, the row panels of ``a`` stream past (the next read while the current one is
    applied), each a GEMM update plus a ``trsm`` on its diagonal block. Cost: n² k flops, a third of the
    LU route of ``solve``.

    Examples
    --------
    >>> import pycauset
    >>> x = pycauset.linalg.solve_triangular([[2.0, 0.0], [1.0, 1.0]], [4.0, 5.0], lower=True)
    >>> pycauset.to_numpy(x).tolist()
    [2.0, 3.0]
    """
    a = _square_operand(a)
    b = asarray_like(b)
    with _progress_callback(progress, f"solve_triangular {'x'.join(map(str, a.shape))}") as callback:
        return _wrap(_core.solve_triangular(a, b, lower=bool(lower), unit_diagonal=bool(unit_diagonal),
                                            progress=callback))


def _slogdet_scalars(a, progress, what):
    with _progress_callback(progress, f"{what} {'x'.join(map(str, a.shape))}") as callback:
        sign, logabsdet, dtype_name = _core.slogdet(a, "auto", callback)
    dtype = np.dtype(dtype_name)
    real = np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype
    sign = dtype.type(sign) if dtype.kind == "c" else dtype.type(sign.real)
    return sign, real.type(logabsdet)


def slogdet(a, *, progress=None):
    """Return the sign and the natural log of the absolute value of the determinant.

    Parameters
    ----------
    a : Matrix or array_like, shape (n, n)
    progress : bool, optional
        Show a progress bar with rate and ETA (useful for out-of-core sizes). Default ``None``: the
        process-wide setting (:func:`pycauset.set_progress`).

    Returns
    -------
    SlogdetResult
        ``(sign, logabsdet)`` as NumPy scalars: ``sign`` is +-1 (a unit complex number for complex
        input) and ``det = sign * exp(logabsdet)``. A singular matrix gives ``(0, -inf)``.

    Notes
    -----
    Computed from the LU diagonal (sum of logarithms, so no overflow for large n) and the parity
    of the row interchanges; out of core when the matrix exceeds the memory budget.

    Examples
    --------
    >>> import pycauset
    >>> sign, logabsdet = pycauset.linalg.slogdet([[1.0, 2.0], [3.0, 4.0]])
    >>> float(sign), round(float(logabsdet), 6)
    (-1.0, 0.693147)
    """
    return SlogdetResult(*_slogdet_scalars(_square_operand(a), progress, "slogdet"))


def det(a, *, progress=None):
    """Return the determinant of a square matrix (a NumPy scalar).

    Parameters
    ----------
    a : Matrix or array_like, shape (n, n)
    progress : bool, optional
        Show a progress bar with rate and ETA (useful for out-of-core sizes). Default ``None``: the
        process-wide setting (:func:`pycauset.set_progress`).

    Returns
    -------
    numpy scalar
        ``sign * exp(logabsdet)`` from :func:`slogdet` (as NumPy computes it; may overflow to inf
        where ``slogdet`` does not). 0 for a singular matrix.

    Examples
    --------
    >>> import pycauset
    >>> round(float(pycauset.linalg.det([[1.0, 2.0], [3.0, 4.0]])), 12)
    -2.0
    """
    a = _square_operand(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise _core.PyCausetLinAlgError(f"det: expected a square matrix, got shape {tuple(a.shape)}")
    sign, logabsdet = _slogdet_scalars(a, progress, "det")
    with np.errstate(over="ignore"):
        return sign * np.exp(logabsdet).astype(sign.dtype)


def eigh(a, UPLO="L"):
    """Return the eigenvalues and eigenvectors of a Hermitian (real symmetric) matrix.

    Parameters
    ----------
    a : Matrix or array_like, shape (n, n)
        Only the triangle named by ``UPLO`` is read.
    UPLO : {'L', 'U'}, optional
        Use the lower (default) or upper triangle.

    Returns
    -------
    EighResult
        ``(w, v)``: ascending real eigenvalues (Vector) and unit eigenvectors in the columns of
        ``v`` (Matrix), so ``a @ v[:, i] = w[i] * v[:, i]``.

    Raises
    ------
    MemoryError
        If the matrix, its eigenvectors and LAPACK's workspace (about four n x n matrices) exceed
        the memory budget's room plus a fixed over-budget allowance of 16 MiB: eigh runs in RAM only
        (the allowance lets small matrices, up to n = 700 in float64, decompose at any budget); raise
        the budget with ``pycauset.set_memory_limit``.
    numpy.linalg.LinAlgError
        If ``a`` is not square or the algorithm does not converge.

    Examples
    --------
    >>> import pycauset
    >>> w, v = pycauset.linalg.eigh([[2.0, 1.0], [1.0, 2.0]])
    >>> pycauset.to_numpy(w).round(6).tolist()
    [1.0, 3.0]
    """
    if UPLO not in ("L", "U"):
        raise _core.PyCausetValueError(f"UPLO argument must be 'L' or 'U', got {UPLO!r}")
    w, v = _core.eigh(_square_operand(a), UPLO)
    return EighResult(_wrap(w), _wrap(v))


def _in_ram_operand(a, name: str, matrices: float):
    """``a`` as a NumPy array for a LAPACK routine that has no out-of-core algorithm here, after checking
    that about ``matrices`` arrays of its size (input, outputs, workspace) fit the memory budget plus the
    fixed over-budget allowance of the in-RAM-only routines (16 MiB, as eigh: small problems run at any
    budget)."""
    from ._config import get_memory_limit
    from ._interop import to_numpy

    a = asarray_like(a)
    if a.ndim != 2:
        raise _core.PyCausetValueError(f"{name}: expected a 2-D matrix, got an array of dimension {a.ndim}")
    item = max(8, np.dtype(a.dtype).itemsize) * (2 if a.dtype.kind == "c" else 1)
    need = int(matrices * a.shape[0] * a.shape[1] * item)
    budget = get_memory_limit()
    allowance = _core.IN_RAM_OVER_BUDGET_ALLOWANCE
    if need > budget + allowance:
        raise _core.PyCausetMemoryError(
            f"{name} of a {a.shape[0]}x{a.shape[1]} matrix runs in RAM and needs about {need / 2**20:.0f} MiB, "
            f"more than the memory budget of {budget / 2**20:.0f} MiB plus the {allowance >> 20} MiB over-budget "
            "allowance of in-RAM-only routines; raise the budget with pycauset.set_memory_limit")
    return to_numpy(a, allow_huge=True)


def eigvalsh(a, UPLO="L"):
    """Return the eigenvalues of a Hermitian (real symmetric) matrix, ascending, as ``numpy.linalg.eigvalsh``.

    Runs in RAM (LAPACK's divide and conquer); a matrix whose copy and workspace (about three of its size)
    exceed the memory budget raises ``MemoryError`` naming the budget.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.to_numpy(pycauset.linalg.eigvalsh([[2.0, 1.0], [1.0, 2.0]])).round(6).tolist()
    [1.0, 3.0]
    """
    from ._creation import vector

    if UPLO not in ("L", "U"):
        raise _core.PyCausetValueError(f"UPLO argument must be 'L' or 'U', got {UPLO!r}")
    dense = _in_ram_operand(a, "eigvalsh", 3)
    if dense.shape[0] != dense.shape[1]:
        raise _core.PyCausetLinAlgError(f"eigvalsh: expected a square matrix, got shape {dense.shape}")
    return vector(np.linalg.eigvalsh(dense, UPLO=UPLO))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``, as ``numpy.linalg.svd`` (S descending).

    Runs in RAM (LAPACK ``gesdd``); a matrix whose copy, factors and workspace exceed the memory budget
    raises ``MemoryError`` naming the budget. With ``compute_uv=False`` only ``S`` is returned.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.to_numpy(pycauset.linalg.svd([[3.0, 0.0], [0.0, -4.0]], compute_uv=False)).tolist()
    [4.0, 3.0]
    """
    from ._creation import matrix, vector

    dense = _in_ram_operand(a, "svd", 4 if compute_uv else 2)
    if not compute_uv:
        return vector(np.linalg.svd(dense, compute_uv=False, hermitian=hermitian))
    u, s, vh = np.linalg.svd(dense, full_matrices=full_matrices, hermitian=hermitian)
    return SVDResult(matrix(u), vector(s), matrix(vh))


def cholesky(a, upper=False):
    """Cholesky factor of a Hermitian positive-definite matrix, as ``numpy.linalg.cholesky``: lower ``L`` with
    ``a = L @ L.conj().T`` (``upper=True``: the upper factor).

    Runs in RAM (LAPACK ``potrf``) within the memory budget, like :func:`svd`; ``LinAlgError`` when ``a`` is not
    positive definite.

    Examples
    --------
    >>> import pycauset
    >>> pycauset.to_numpy(pycauset.linalg.cholesky([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    from ._creation import matrix

    dense = _in_ram_operand(a, "cholesky", 2)
    if dense.shape[0] != dense.shape[1]:
        raise _core.PyCausetLinAlgError(f"cholesky: expected a square matrix, got shape {dense.shape}")
    try:
        lower = np.linalg.cholesky(dense)
    except np.linalg.LinAlgError as error:
        raise _core.PyCausetLinAlgError(f"cholesky: {error}") from None
    return matrix(lower.conj().T if upper else lower)


def qr(a, mode="reduced"):
    """QR decomposition ``a = Q @ R``, as ``numpy.linalg.qr`` (modes ``"reduced"``, ``"complete"``, ``"r"``).

    Runs in RAM (LAPACK ``geqrf``/``orgqr``) within the memory budget, like :func:`svd`.

    Examples
    --------
    >>> import pycauset
    >>> q, r = pycauset.linalg.qr([[3.0, 0.0], [4.0, 1.0]])
    >>> float(abs(pycauset.to_numpy(r)[0, 0]))
    5.0
    """
    from ._creation import matrix

    if mode not in ("reduced", "complete", "r"):
        raise _core.PyCausetValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    dense = _in_ram_operand(a, "qr", 3)
    if mode == "r":
        return matrix(np.linalg.qr(dense, mode="r"))
    q, r = np.linalg.qr(dense, mode=mode)
    return QRResult(matrix(q), matrix(r))


def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a @ x ≈ b``, as ``numpy.linalg.lstsq``: ``(x, residuals, rank, s)``.

    Runs in RAM (LAPACK ``gelsd``) within the memory budget, like :func:`svd`; ``x`` is a pycauset object, the
    rest NumPy values.

    Examples
    --------
    >>> import pycauset
    >>> x, res, rank, s = pycauset.linalg.lstsq([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 3.0])
    >>> pycauset.to_numpy(x).round(6).tolist(), int(rank)
    ([1.0, 2.0], 2)
    """
    from ._creation import matrix, vector
    from ._interop import to_numpy

    dense = _in_ram_operand(a, "lstsq", 3)
    rhs = to_numpy(asarray_like(b), allow_huge=True)
    if rhs.ndim not in (1, 2) or rhs.shape[0] != dense.shape[0]:
        raise _core.PyCausetValueError(
            f"lstsq: b must have {dense.shape[0]} rows (a is {dense.shape[0]}x{dense.shape[1]}), got shape {rhs.shape}")
    x, residuals, rank, s = np.linalg.lstsq(dense, rhs, rcond=rcond)
    return (vector(x) if x.ndim == 1 else matrix(x)), residuals, rank, s


# ----------------------------------------------------------------------------------------------
# norm: streamed over row blocks, so any size works within the budget.

def _block_rows(obj):
    """Return how many rows (or elements of a vector) to export per block (about 8 MiB)."""
    row_bytes = obj.dtype.itemsize * (obj.shape[-1] if obj.ndim == 2 else 1)
    return max(1, (8 << 20) // max(1, row_bytes))


def _blocks(obj):
    """Yield consecutive NumPy copies of row blocks of a Matrix (elements of a Vector)."""
    from ._interop import to_numpy

    n = obj.shape[0]
    step = _block_rows(obj)
    for start in range(0, n, step):
        blk = to_numpy(obj[start:start + step], copy=True, allow_huge=True)
        yield blk if blk.dtype.kind in "fc" else blk.astype(np.float64)  # as numpy.linalg.norm


def _vector_norm(x, ord):
    """Vector norm (any ord but 2) of a 1-D pycauset object streamed in blocks (NumPy's definitions)."""
    if ord == np.inf:
        return max((float(np.abs(blk).max(initial=0.0)) for blk in _blocks(x)), default=0.0)
    if ord == -np.inf:
        return min((float(np.abs(blk).min(initial=np.inf)) for blk in _blocks(x)), default=np.inf)
    if ord == 0:
        return float(sum(int(np.count_nonzero(blk)) for blk in _blocks(x)))
    if isinstance(ord, str):
        raise _core.PyCausetValueError(f"Invalid norm order {ord!r} for vectors")
    acc = 0.0
    for blk in _blocks(x):
        acc += float(np.sum(np.abs(blk) ** ord))
    return acc ** (1.0 / ord)


def _abs_sums(x, axis):
    """Return sums of |x| along ``axis`` (0: per column, 1: per row) as a NumPy vector."""
    if axis == 0:
        total = np.zeros(x.shape[1])
        for blk in _blocks(x):
            total += np.abs(blk).sum(axis=0)
        return total
    return np.concatenate([np.abs(blk).sum(axis=1) for blk in _blocks(x)] or [np.zeros(0)])


def _fits_budget(x) -> bool:
    from ._config import get_memory_limit

    return 4 * x.nbytes <= get_memory_limit()


def _matrix_norm(x, ord):
    """Matrix norm (any ord but Frobenius) of a 2-D pycauset object (NumPy's definitions)."""
    if ord in (1, -1):
        sums = _abs_sums(x, 0)
        return float(sums.max() if ord == 1 else sums.min())
    if ord in (np.inf, -np.inf):
        sums = _abs_sums(x, 1)
        return float(sums.max() if ord == np.inf else sums.min())
    if ord in (2, -2, "nuc"):
        if not _fits_budget(x):
            raise _core.PyCausetNotImplementedError(
                f"norm(ord={ord!r}) of a matrix needs its singular values; pycauset computes them in RAM "
                f"only and this {x.shape[0]}x{x.shape[1]} matrix ({x.nbytes} bytes) exceeds the memory "
                "budget: raise it with pycauset.set_memory_limit, or use ord='fro' / 1 / inf")
        from ._interop import to_numpy

        return float(np.linalg.norm(to_numpy(x, allow_huge=True), ord))
    raise _core.PyCausetValueError(f"Invalid norm order {ord!r} for matrices")


def _norm_dtype(x):
    """numpy.linalg.norm's result dtype: float32 for float32/complex64, else float64."""
    return np.float32 if x.dtype in (np.float32, np.complex64) else np.float64


def norm(x, ord=None, axis=None):
    """Return a matrix or vector norm, as ``numpy.linalg.norm``.

    Parameters
    ----------
    x : Matrix, Vector or array_like
    ord : {None, 'fro', 'nuc', inf, -inf, int, float}, optional
        Vectors: None/2 (Euclidean), inf, -inf, 0 (count of nonzeros), any p. Matrices: None/'fro'
        (Frobenius), 1, -1, inf, -inf, and 2, -2, 'nuc' (singular values, in RAM only).
    axis : {None, 0, 1}, optional
        For a matrix, compute vector norms along this axis (returned as a Vector).

    Returns
    -------
    numpy scalar or Vector
        float32 for float32/complex64 input, else float64 (as NumPy).

    Raises
    ------
    NotImplementedError
        For ord=2, -2 or 'nuc' of a matrix larger than the memory budget (no out-of-core SVD).

    Notes
    -----
    Frobenius and 2-norms use the fused tiled reduction of ``pycauset.norm``; the other orders
    stream the data in row blocks of about 8 MiB, so file-backed objects of any size work.

    Examples
    --------
    >>> import pycauset
    >>> float(pycauset.linalg.norm(pycauset.vector([3.0, 4.0])))
    5.0
    """
    x = asarray_like(x)
    euclidean = ord is None or (ord == 2 and (x.ndim == 1 or axis is not None)) or (ord == "fro" and axis is None)
    if euclidean and (axis is None or x.ndim == 2):
        from ._reductions import norm as fused_norm  # the one Frobenius / 2-norm (fused, tiled)

        return fused_norm(x, axis=None if axis is None else axis % 2)
    if axis is None:
        value = _vector_norm(x, ord) if x.ndim == 1 else _matrix_norm(x, ord)
        return _norm_dtype(x)(value)
    if x.ndim == 1:
        if axis not in (0, -1):
            raise _core.PyCausetValueError(f"axis {axis} is out of bounds for a 1-D vector")
        return _norm_dtype(x)(_vector_norm(x, ord))
    if axis not in (0, 1, -1, -2):
        raise _core.PyCausetValueError(f"axis {axis} is out of bounds for a 2-D matrix; use None, 0 or 1")
    if isinstance(ord, str):
        raise _core.PyCausetValueError(f"Invalid norm order {ord!r} for vectors")
    from ._creation import vector

    rows = x if axis % 2 == 1 else x.T  # norms of the rows of `rows`
    parts = [np.linalg.norm(blk, ord=ord, axis=1) for blk in _blocks(rows)]
    return vector(np.concatenate(parts).astype(_norm_dtype(x)) if parts else np.zeros(0, _norm_dtype(x)))
