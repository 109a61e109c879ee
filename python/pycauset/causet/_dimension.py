"""Dimension estimators of a causal set: Myrheim–Meyer (ordering fraction) and midpoint scaling."""
from __future__ import annotations

import math

__all__ = ["ordering_fraction_of_dimension", "myrheim_meyer_dimension", "midpoint_dimension"]


def ordering_fraction_of_dimension(d: float) -> float:
    """Return the expected ordering fraction of a causal diamond in d-dimensional Minkowski space.

    ``r(d) = Gamma(d + 1) Gamma(d / 2) / (2 Gamma(3d / 2))``: 1/2, 8/35 and 1/10 for d = 2, 3, 4
    (Myrheim 1978; Meyer 1988; Surya, Living Rev. Relativ. 22:5, 2019, §3). It decreases strictly in d,
    from r(1) = 1. Computed with ``lgamma`` so that it stays finite for every d in [1, 20].
    """
    return 0.5 * math.exp(math.lgamma(d + 1) + math.lgamma(d / 2) - math.lgamma(1.5 * d))


def myrheim_meyer_dimension(fraction: float) -> float:
    """Return the d in [1, 20] with ``r(d) = fraction`` (bisection to machine precision).

    A fraction at or above r(1) = 1 (a chain) gives 1.0, one at or below r(20) gives 20.0, and NaN
    (no relations to count, or fewer than two elements) gives NaN.
    """
    if math.isnan(fraction) or fraction <= 0:
        return math.nan
    low, high = 1.0, 20.0
    if fraction >= 1.0:  # r(1) = 1 exactly (lgamma would round it)
        return low
    if fraction <= ordering_fraction_of_dimension(high):
        return high
    while True:
        middle = 0.5 * (low + high)
        if middle in (low, high):  # the bracket cannot shrink further
            return middle
        if ordering_fraction_of_dimension(middle) > fraction:
            low = middle
        else:
            high = middle


def midpoint_dimension(largest_interval: int, midpoint_size: int) -> float:
    """Return ``log2(n_ab / m)``, the midpoint-scaling dimension.

    ``n_ab`` is the size of the largest interval I(a, b) and ``m`` the size of its best midpoint's smaller
    half, ``max over z in I(a, b) of min(|I(a, z)|, |I(z, b)|)``: halving the proper time divides the
    volume by 2^d (Bombelli; Reid, Phys. Rev. D 67, 024034, 2003; Surya 2019, §3). NaN when either is 0.
    """
    if largest_interval <= 0 or midpoint_size <= 0:
        return math.nan
    return math.log2(largest_interval / midpoint_size)
