"""Sprinkling: a Poisson (or fixed-n) uniform sample of a region, in natural order, and its causal matrix.

The points come from one NumPy ``Generator(PCG64(seed))`` stream, so a seed fixes the causal set whatever
the number of threads; the pair tests and the packed causal matrix are built in C++ in bands of rows,
spread over the threads and spilled to a file when the matrix exceeds the memory budget.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _array
from .._creation import matrix as _matrix
from .._dtypes import _core
from .._progress import ProgressBar, bar_delay, resolve
from ._causal_set import CausalSet, _check_density
from ._errors import CausetTypeError, CausetValueError
from ._regions import Region, _check_count

__all__ = ["sprinkle", "from_coordinates"]


def _build(points: np.ndarray, region, density: float, seed, order, progress) -> CausalSet:
    """Return the causal set of ``points`` (already in natural order)."""
    n, d = points.shape
    periods = list(region.periods) if region is not None else [0.0] * (d - 1)
    if resolve(progress) and n > 1:
        with ProgressBar(f"causal matrix of {n} points", unit="pairs", delay=bar_delay(progress)) as bar:
            causal = _core.causal_matrix(points, periods, bar)
    else:
        causal = _core.causal_matrix(points, periods)
    coordinates = _matrix(points)
    return CausalSet._from_parts(_array._wrap(causal), density, region, seed, coordinates, order)


def _natural_order(points: np.ndarray):
    """Return (points sorted by time, the permutation used); stable, so equal times keep their order."""
    order = np.argsort(points[:, 0], kind="stable")
    return np.ascontiguousarray(points[order]), order


def sprinkle(region, n=None, density=None, seed=None, *, progress: bool | None = None) -> CausalSet:
    """Sprinkle points uniformly into a region and return their causal set, in natural labelling.

    Parameters
    ----------
    region : MinkowskiDiamond, MinkowskiBox or MinkowskiCylinder
        Where to sprinkle.
    n : int, optional
        Exactly ``n`` points (a fixed-n sprinkling); ``density = n / region.volume``.
    density : float, optional
        A Poisson sprinkling of density rho: the number of points is drawn from ``Poisson(rho V)``.
        Give exactly one of ``n`` and ``density``.
    seed : int, optional
        Seed of the ``numpy.random.Generator(PCG64(seed))`` stream; the same seed gives the same causal set
        on any number of threads. When omitted, a fresh seed is drawn and recorded in ``causet.seed``.
    progress : bool, optional
        Draw a progress bar while the causal matrix is built.

    Returns
    -------
    CausalSet
        With ``region``, ``density``, ``seed``, ``coordinates`` (sorted by time), ``order`` (the sort
        permutation of the sampled points) and the causal matrix ``causal``.

    Raises
    ------
    ValueError
        If both or neither of ``n`` and ``density`` are given, or either is invalid.
    TypeError
        If ``region`` is not a region.

    Notes
    -----
    The causal matrix has ``C[i, j]`` true iff ``t_j - t_i > 0`` and ``(t_j - t_i)^2 > |x_j - x_i|^2``
    (minimum image in periodic directions); it is stored as packed bits, ``n^2 / 8`` bytes, in RAM or in a
    spill file. A Poisson sprinkling draws its count first and then its points from the same stream.

    Examples
    --------
    >>> from pycauset import causet
    >>> cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=200, seed=1)
    >>> cs.n, cs.density
    (200, 400.0)
    >>> 0.4 < cs.ordering_fraction() < 0.6
    True
    """
    if not isinstance(region, Region):
        raise CausetTypeError(f"region must be a MinkowskiDiamond, MinkowskiBox or MinkowskiCylinder, got "
                              f"{type(region).__name__}")
    if (n is None) == (density is None):
        raise CausetValueError("give exactly one of n (a fixed number of points) and density (a Poisson sprinkling), "
                               f"got n={n!r} and density={density!r}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)  # recorded, so the sprinkling can be repeated
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise CausetValueError(f"seed must be a non-negative integer or None, got seed = {seed!r}")
    seed = int(seed)
    rng = np.random.Generator(np.random.PCG64(seed))
    if n is not None:
        count = _check_count(n)
        rho = count / region.volume
    else:
        rho = _check_density(density)
        count = int(rng.poisson(rho * region.volume))
    points, order = _natural_order(region._sample(count, rng))
    return _build(points, region, rho, seed, order, progress)


def from_coordinates(points, region=None, density=None, *, progress: bool | None = None) -> CausalSet:
    """Return the causal set of given points of flat spacetime, sorted into natural order.

    Parameters
    ----------
    points : array_like, shape (n, d)
        Minkowski coordinates ``[t, x_1, ..., x_{d-1}]``, d = 2, 3 or 4, in any order.
    region : Region, optional
        The region the points belong to (checked); a MinkowskiCylinder makes the relation periodic.
    density : float, optional
        The density rho; defaults to ``n / region.volume``, or 1.0 without a region.
    progress : bool, optional
        Draw a progress bar while the causal matrix is built.

    Returns
    -------
    CausalSet
        ``coordinates`` holds the points sorted by time and ``order`` the permutation applied:
        ``coordinates = points[order]``.

    Raises
    ------
    ValueError
        If ``points`` is not an (n, d) array of finite numbers with d in 2..4, disagrees with the region's
        dimension, or lies outside the region.

    Examples
    --------
    >>> from pycauset import causet
    >>> cs = causet.from_coordinates([[1.0, 0.0], [0.0, 0.0], [2.0, 5.0]])
    >>> cs.order.tolist(), cs.relations()
    ([1, 0, 2], 1)
    """
    try:
        array = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise CausetValueError(f"points must be an (n, d) array of numbers: {error}") from None
    if array.ndim != 2 or array.shape[1] not in (2, 3, 4):
        raise CausetValueError(f"points must be an (n, d) array with d = 2, 3 or 4 coordinates [t, x_1, ...], got "
                               f"shape {array.shape}")
    if not np.isfinite(array).all():
        raise CausetValueError("points must be finite numbers; found NaN or infinity")
    n = array.shape[0]
    if region is not None:
        if not isinstance(region, Region):
            raise CausetTypeError(f"region must be a Region (e.g. MinkowskiDiamond), got {type(region).__name__}")
        if region.d != array.shape[1]:
            raise CausetValueError(f"the points have d = {array.shape[1]} coordinates but the region has d = {region.d}")
        outside = np.flatnonzero(~region.contains(array))
        if outside.size:
            raise CausetValueError(f"{outside.size} of the points lie outside {region!r} (the first is point "
                                   f"{outside[0]}: {array[outside[0]].tolist()})")
    if density is None:
        density = n / region.volume if region is not None and n > 0 else 1.0
    density = _check_density(density)
    sorted_points, order = _natural_order(array)
    return _build(sorted_points, region, density, None, order, progress)
