"""Seeded random arrays, generated in parallel tiles; the values depend only on the seed, not on threads."""
from __future__ import annotations

import secrets

import numpy as np

from ._array import _wrap
from ._creation import _canonical_shape
from ._dtypes import _core, normalize_dtype

__all__ = ["uniform", "normal", "integers", "bernoulli"]

_TILE = 2**20  # elements per tile of integers/bernoulli: fixed, so the values never depend on the block size


def _seed(seed) -> int:
    if seed is None:
        return secrets.randbits(64)
    seed = int(seed)
    if seed < 0:
        raise _core.PyCausetValueError(f"seed must be a non-negative integer, got {seed}")
    return seed & (2**64 - 1)


def _generate(shape, dtype, distribution, a, b, seed):
    name = normalize_dtype(dtype)
    if name == "bool":
        raise _core.PyCausetTypeError("random arrays need a numeric dtype, got bool; use pycauset.random.bernoulli "
                                      "for random bool arrays")
    ndim, rows, cols = _canonical_shape(shape)
    return _wrap(_core.random(name, ndim, rows, cols, distribution, float(a), float(b), _seed(seed)))


def uniform(shape, low=0.0, high=1.0, seed=None, dtype=np.float64):
    """Return an array of draws from the uniform distribution on ``[low, high)``.

    Element k (row-major) is a function of ``(seed, k)`` only (a counter-based generator), so any
    size is generated in parallel tiles and the result does not depend on the thread count.
    Integer dtypes receive ``floor`` of the draw; complex dtypes draw real and imaginary parts.

    Examples
    --------
    >>> import pycauset
    >>> a = pycauset.random.uniform((2, 3), seed=7)
    >>> b = pycauset.random.uniform((2, 3), seed=7)
    >>> bool((pycauset.to_numpy(a) == pycauset.to_numpy(b)).all())
    True
    """
    return _generate(shape, dtype, "uniform", low, high, seed)


def normal(shape, loc=0.0, scale=1.0, seed=None, dtype=np.float64):
    """Return an array of draws from the normal distribution N(loc, scale²) (Box-Muller on counter draws)."""
    if scale < 0:
        raise _core.PyCausetValueError(f"scale must be non-negative, got {scale}")
    return _generate(shape, dtype, "normal", loc, scale, seed)


def _tiles(shape, dtype, seed, draw):
    """Allocate ``shape`` and fill it tile by tile: tile t holds the row-major elements
    ``t * _TILE ... (t + 1) * _TILE - 1``, drawn by ``draw(generator, n)`` from a PCG64 stream seeded by
    ``(seed, t)`` only, so the values depend on neither the thread count nor the memory budget."""
    from ._creation import empty

    out = empty(shape, dtype=dtype)
    flat = out.ravel()  # a fresh array is contiguous: a view
    seed = _seed(seed)
    for tile, start in enumerate(range(0, out.size, _TILE)):
        stop = min(out.size, start + _TILE)
        generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(tile,))))
        flat[start:stop] = draw(generator, stop - start)
    return out


def integers(low, high, shape, seed=None, dtype=np.int64):
    """Return an array of random integers from ``[low, high)``, uniformly, as ``Generator.integers``.

    Parameters
    ----------
    low, high : int
        The half-open range; ``high`` is excluded.
    shape : int or tuple
    seed : int, optional
        Reproducible for a seed, whatever the thread count or memory budget.
    dtype : integer dtype
        int8 ... uint64 (default int64).

    Notes
    -----
    Generated in tiles of 2**20 elements, each from NumPy's PCG64 seeded by ``(seed, tile index)``, and
    written straight into the result (which the budget may place in a spill file).

    Examples
    --------
    >>> import pycauset
    >>> a = pycauset.random.integers(0, 10, (2, 3), seed=1)
    >>> a.dtype, bool(((a >= 0) & (a < 10)).all())
    (dtype('int64'), True)
    """
    name = normalize_dtype(dtype)
    if np.dtype(name).kind not in "iu":
        raise _core.PyCausetTypeError(f"integers needs an integer dtype (int8 ... uint64), got {name}; "
                                      "use random.uniform for floats, random.bernoulli for bool")
    if high <= low:
        raise _core.PyCausetValueError(f"integers needs low < high, got low={low}, high={high}")
    info = np.iinfo(name)
    if low < info.min or high - 1 > info.max:
        raise _core.PyCausetValueError(f"the range [{low}, {high}) does not fit dtype {name} "
                                       f"([{info.min}, {info.max}]); choose a wider dtype")
    return _tiles(shape, name, seed, lambda g, n: g.integers(low, high, size=n, dtype=name))


def bernoulli(shape, p=0.5, seed=None):
    """Return a bool array whose elements are True with probability ``p``, independently.

    Stored bit-packed (one bit per element). Reproducible for a seed as :func:`integers`.

    Examples
    --------
    >>> import pycauset
    >>> a = pycauset.random.bernoulli((100, 100), p=0.25, seed=3)
    >>> a.dtype, 2000 < int(a.sum()) < 3000
    (dtype('bool'), True)
    """
    if not 0.0 <= p <= 1.0:
        raise _core.PyCausetValueError(f"bernoulli needs a probability 0 <= p <= 1, got p={p}")
    return _tiles(shape, "bool", seed, lambda g, n: g.random(n) < p)
