"""Seeded random arrays, generated in parallel tiles; the values depend only on the seed, not on threads."""
from __future__ import annotations

import secrets

import numpy as np

from ._array import _wrap
from ._creation import _canonical_shape
from ._dtypes import _core, normalize_dtype

__all__ = ["uniform", "normal"]


def _generate(shape, dtype, distribution, a, b, seed):
    name = normalize_dtype(dtype)
    if name == "bool":
        raise TypeError("random arrays need a numeric dtype, got bool; compare a uniform array with a threshold instead")
    if seed is None:
        seed = secrets.randbits(64)
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    ndim, rows, cols = _canonical_shape(shape)
    return _wrap(_core.random(name, ndim, rows, cols, distribution, float(a), float(b), seed & (2**64 - 1)))


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
        raise ValueError(f"scale must be non-negative, got {scale}")
    return _generate(shape, dtype, "normal", loc, scale, seed)
