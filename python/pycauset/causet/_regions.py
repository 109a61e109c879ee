"""Regions of flat spacetime to sprinkle into: the causal diamond, the box and the periodic cylinder.

A point is a row ``[t, x_1, ..., x_{d-1}]`` of flat Minkowski coordinates (c = 1). Every region samples
exactly uniformly (no rejection), so ``n`` points cost ``O(n d)`` random numbers, reproducibly for a seed.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._errors import CausetValueError

__all__ = ["Region", "MinkowskiDiamond", "MinkowskiBox", "MinkowskiCylinder"]

# Area of the unit k-sphere S^k: 2 pi^((k+1)/2) / Gamma((k+1)/2); Omega_0 = 2, Omega_1 = 2 pi, Omega_2 = 4 pi.
def _sphere_area(k: int) -> float:
    return 2.0 * math.pi ** ((k + 1) / 2) / math.gamma((k + 1) / 2)


def _check_dimension(d) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or int(d) not in (2, 3, 4):
        raise CausetValueError(f"the spacetime dimension d must be 2, 3 or 4, got d = {d!r}")
    return int(d)


def _check_length(name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CausetValueError(f"{name} must be a positive finite number, got {value!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise CausetValueError(f"{name} must be a positive finite number, got {name} = {value!r}")
    return value


def _check_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise CausetValueError(f"the number of points n must be an integer >= 0, got n = {n!r}")
    return int(n)


def _as_points(points, d: int) -> np.ndarray:
    """Return ``points`` as a float64 array whose last axis has length d."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 0 or array.shape[-1] != d:
        raise CausetValueError(f"points of a {d}-dimensional region need {d} coordinates [t, x_1, ...] along the last "
                               f"axis, got an array of shape {array.shape}")
    return array


class Region:
    """A region of d-dimensional Minkowski space (base class).

    Subclasses define ``volume``, ``contains``, ``sample`` and the spatial periods used by the
    relation test; ``relation`` is shared.
    """

    d: int
    #: Period of each spatial direction (0.0 = not periodic), length d - 1.
    periods: tuple

    def relation(self, x, y):
        """Return whether x precedes y: ``t_y - t_x > 0`` and ``(t_y - t_x)^2 > |x_y - x_x|^2``.

        Periodic directions use the minimum image ``|dx| -> min(|dx|, L - |dx|)``. The squared interval
        is evaluated as ``((dt^2 - dx_1^2) - dx_2^2) - ...``, the order of the C++ kernel, so both give
        the same answer bit for bit.

        Parameters
        ----------
        x, y : array_like
            Points ``[t, x_1, ..., x_{d-1}]``, or arrays of points along the last axis (broadcast).

        Returns
        -------
        bool or numpy.ndarray of bool
        """
        x = _as_points(x, self.d)
        y = _as_points(y, self.d)
        dt = y[..., 0] - x[..., 0]
        interval = dt * dt
        for a in range(1, self.d):
            dx = np.abs(y[..., a] - x[..., a])
            period = self.periods[a - 1]
            if period > 0:
                dx = np.minimum(dx, period - dx)
            interval = interval - dx * dx
        related = (dt > 0) & (interval > 0)
        return bool(related) if related.ndim == 0 else related

    def sample(self, n, seed=None) -> np.ndarray:
        """Return ``n`` independent uniform points of the region as an ``(n, d)`` float64 array.

        Parameters
        ----------
        n : int
            Number of points.
        seed : int, numpy.random.SeedSequence or None
            Seed of the ``numpy.random.Generator(PCG64(seed))`` stream; the same seed gives the same points.
        """
        n = _check_count(n)
        return self._sample(n, np.random.Generator(np.random.PCG64(seed)))

    def _spec(self) -> dict:
        """Return the constructor arguments, for saving (``type(self).__name__`` names the class)."""
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self._spec() == other._spec()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self._spec().items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self._spec().items())
        return f"{type(self).__name__}({args})"


class MinkowskiDiamond(Region):
    """The causal diamond (Alexandrov interval) between ``(-T/2, 0)`` and ``(T/2, 0)``: ``|t| + |x| <= T/2``.

    Parameters
    ----------
    d : int
        Spacetime dimension, 2, 3 or 4.
    T : float, default 1.0
        Proper time between the two tips.

    Notes
    -----
    Volume ``zeta_d T^d`` with ``zeta_d = Omega_{d-2} / (2^{d-1} d (d-1))``, ``Omega_k`` the area of the unit
    k-sphere: ``zeta_2 = 1/2``, ``zeta_3 = pi/12``, ``zeta_4 = pi/24`` (Surya, Living Rev. Relativ. 22:5, 2019).

    Sampling is exact, without rejection. The diamond is two cones of height T/2 glued at ``t = 0``; at
    distance ``s`` from a tip the cross-section is a ball of radius ``s``, whose volume grows as ``s^{d-1}``,
    so ``s = (T/2) U_1^{1/d}``, ``t = +-(T/2 - s)`` with a fair sign, and ``x = s U_2^{1/(d-1)} n`` with ``n``
    uniform on the sphere ``S^{d-2}`` (a normalised Gaussian vector).

    Examples
    --------
    >>> from pycauset import causet
    >>> region = causet.MinkowskiDiamond(2)
    >>> region.volume
    0.5
    >>> bool(region.contains(region.sample(100, seed=1)).all())
    True
    """

    def __init__(self, d, T=1.0):
        self.d = _check_dimension(d)
        self.T = _check_length("T", T)
        self.periods = (0.0,) * (self.d - 1)

    @property
    def volume(self) -> float:
        """The spacetime volume ``zeta_d T^d``."""
        zeta = _sphere_area(self.d - 2) / (2 ** (self.d - 1) * self.d * (self.d - 1))
        return zeta * self.T ** self.d

    def contains(self, points):
        """Return whether each point satisfies ``|t| + |x| <= T/2`` (boolean array over the leading axes)."""
        points = _as_points(points, self.d)
        radius = np.sqrt(np.sum(points[..., 1:] ** 2, axis=-1))
        return np.abs(points[..., 0]) + radius <= self.T / 2

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        d, half = self.d, self.T / 2
        s = half * rng.random(n) ** (1.0 / d)
        sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        radius = s * rng.random(n) ** (1.0 / (d - 1))
        direction = rng.standard_normal((n, d - 1))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        points = np.empty((n, d))
        points[:, 0] = sign * (half - s)
        points[:, 1:] = radius[:, None] * direction
        return points

    def _spec(self) -> dict:
        return {"d": self.d, "T": self.T}


class _Rectangular(Region):
    """``[0, T] x [0, L]^{d-1}``: what the box and the cylinder share (volume, sampling, parameters)."""

    def __init__(self, d, T=1.0, L=1.0):
        self.d = _check_dimension(d)
        self.T = _check_length("T", T)
        self.L = _check_length("L", L)

    @property
    def volume(self) -> float:
        """The spacetime volume ``T L^{d-1}``."""
        return self.T * self.L ** (self.d - 1)

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        points = rng.random((n, self.d))
        points[:, 0] *= self.T
        points[:, 1:] *= self.L
        return points

    def _spec(self) -> dict:
        return {"d": self.d, "T": self.T, "L": self.L}


class MinkowskiBox(_Rectangular):
    """The box ``[0, T] x [0, L]^{d-1}`` of Minkowski space, with hard spatial walls.

    Parameters
    ----------
    d : int
        Spacetime dimension, 2, 3 or 4.
    T : float, default 1.0
        Duration.
    L : float, default 1.0
        Side of the spatial cube.

    Notes
    -----
    Volume ``T L^{d-1}``; points are uniform in each coordinate. In 2-D with ``T = L`` the expected ordering
    fraction is exactly 1/2.

    Examples
    --------
    >>> from pycauset import causet
    >>> causet.MinkowskiBox(3, T=2.0, L=0.5).volume
    0.5
    """

    def __init__(self, d, T=1.0, L=1.0):
        super().__init__(d, T, L)
        self.periods = (0.0,) * (self.d - 1)

    def contains(self, points):
        """Return whether each point lies in ``[0, T] x [0, L]^{d-1}``."""
        points = _as_points(points, self.d)
        inside = (points[..., 0] >= 0) & (points[..., 0] <= self.T)
        return inside & np.all((points[..., 1:] >= 0) & (points[..., 1:] <= self.L), axis=-1)


class MinkowskiCylinder(_Rectangular):
    """The cylinder ``[0, T] x (S^1_L)^{d-1}``: every spatial direction periodic with period L.

    Parameters
    ----------
    d : int
        Spacetime dimension, 2, 3 or 4.
    T : float, default 1.0
        Duration.
    L : float, default 1.0
        Period of each spatial direction (circumference).

    Notes
    -----
    Spatial coordinates lie in ``[0, L)``; the relation uses the minimum image
    ``|dx| -> min(|dx|, L - |dx|)`` in every spatial direction (the flat torus). In 2-D with ``T = L`` the
    expected ordering fraction is exactly 7/12.

    Examples
    --------
    >>> from pycauset import causet
    >>> causet.MinkowskiCylinder(2).relation([0.0, 0.05], [0.2, 0.95])  # the image at distance 0.1
    True
    """

    def __init__(self, d, T=1.0, L=1.0):
        super().__init__(d, T, L)
        self.periods = (self.L,) * (self.d - 1)

    def contains(self, points):
        """Return whether each point lies in ``[0, T] x [0, L)^{d-1}``."""
        points = _as_points(points, self.d)
        inside = (points[..., 0] >= 0) & (points[..., 0] <= self.T)
        return inside & np.all((points[..., 1:] >= 0) & (points[..., 1:] < self.L), axis=-1)

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        points = super()._sample(n, rng)
        # random() < 1, but L * u can round up to L: keep spatial coordinates in [0, L).
        spatial = points[:, 1:]
        spatial[spatial >= self.L] = 0.0
        return points


_REGIONS = {cls.__name__: cls for cls in (MinkowskiDiamond, MinkowskiBox, MinkowskiCylinder)}


def _region_from_spec(name: str, spec: dict) -> Region:
    """Rebuild a region saved by ``_spec`` (used when loading a causal set)."""
    if name not in _REGIONS:
        raise CausetValueError(f"unknown region type {name!r}; expected one of {sorted(_REGIONS)}")
    return _REGIONS[name](**spec)
