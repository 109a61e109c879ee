"""An independent dense NumPy reference for the causal-set observables (small n only: O(n^2) memory).

Written from the definitions, not from pycauset's code: pair tests on full coordinate differences, the
interval counts as the integer product C @ C, the longest chain by a plain DP, the action from its
published formulas term by term.
"""
from __future__ import annotations

import math

import numpy as np

from pycauset import causet

DIMENSIONS = [2, 3, 4]
REGIONS = ["diamond", "box", "cylinder"]


def make_region(kind, d, T=1.0, L=1.0):
    """A region of the given kind ("diamond", "box" or "cylinder")."""
    if kind == "diamond":
        return causet.MinkowskiDiamond(d, T=T)
    if kind == "box":
        return causet.MinkowskiBox(d, T=T, L=L)
    return causet.MinkowskiCylinder(d, T=T, L=L)


def causal_matrix(points, periods=None):
    """C[i, j] = (t_j - t_i > 0) and (t_j - t_i)^2 > |dx|^2 (minimum image for period L > 0)."""
    points = np.asarray(points, dtype=np.float64)
    n, d = points.shape
    periods = periods or [0.0] * (d - 1)
    dt = points[None, :, 0] - points[:, None, 0]
    interval = dt * dt
    for a in range(1, d):
        dx = np.abs(points[None, :, a] - points[:, None, a])
        if periods[a - 1] > 0:
            dx = np.minimum(dx, periods[a - 1] - dx)
        interval = interval - dx * dx
    return (dt > 0) & (interval > 0)


def interval_sizes(C):
    """(C C)[i, j] = |I(i, j)|, as int64 (a float64 BLAS product: exact, counts are far below 2^53)."""
    c = np.asarray(C, dtype=np.float64)
    return (c @ c).astype(np.int64)


def abundances(C, kmax):
    """N_0 .. N_kmax: related pairs by interval size."""
    sizes = interval_sizes(C)[np.asarray(C, dtype=bool)]
    return np.array([(sizes == k).sum() for k in range(kmax + 1)], dtype=np.int64)


def links(C):
    return np.asarray(C, dtype=bool) & (interval_sizes(C) == 0)


def height(C):
    C = np.asarray(C, dtype=bool)
    n = C.shape[0]
    if n == 0:
        return 0
    longest = np.ones(n, dtype=np.int64)
    for j in range(n):
        predecessors = np.flatnonzero(C[:, j])
        if predecessors.size:
            longest[j] = 1 + longest[predecessors].max()
    return int(longest.max())


def is_transitive(C):
    C = np.asarray(C, dtype=bool)
    return not ((interval_sizes(C) > 0) & ~C).any()


def myrheim_meyer(fraction):
    """Solve Gamma(d+1) Gamma(d/2) / (2 Gamma(3d/2)) = fraction by bisection on [1, 20] (NaN if fraction <= 0)."""
    if not fraction > 0:
        return math.nan
    r = lambda d: math.gamma(d + 1) * math.gamma(d / 2) / (2 * math.gamma(1.5 * d))  # noqa: E731
    lo, hi = 1.0, 20.0
    if fraction >= r(lo):
        return lo
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if r(mid) > fraction else (lo, mid)
    return (lo + hi) / 2


def midpoint_dimension(C):
    """log2(n_ab / m): (a, b) the related pair with the largest interval (first in row-major order)."""
    C = np.asarray(C, dtype=bool)
    sizes = interval_sizes(C)
    masked = np.where(C, sizes, -1)
    if not C.any() or masked.max() <= 0:
        return math.nan
    a, b = np.unravel_index(np.argmax(masked), masked.shape)
    inside = np.flatnonzero(C[a] & C[:, b])
    m = max(min(sizes[a, z], sizes[z, b]) for z in inside)
    return math.log2(sizes[a, b] / m) if m > 0 else math.nan


def action(d, n, N, epsilon=1.0):
    """Benincasa–Dowker action from its published formulas (Surya 2019 §4; Dowker & Glaser 2013)."""
    N = [int(v) for v in N] + [0] * 4
    c3 = (math.pi / (3 * math.sqrt(2))) ** (2 / 3) / math.gamma(5 / 3)
    if epsilon == 1.0:
        if d == 2:
            return 2 * (n - 2 * N[0] + 4 * N[1] - 2 * N[2])
        if d == 3:
            return c3 * (n - N[0] + 27 / 8 * N[1] - 9 / 4 * N[2])
        return 4 / math.sqrt(6) * (n - N[0] + 9 * N[1] - 16 * N[2] + 8 * N[3])
    e, e1 = epsilon, epsilon / (1 - epsilon)
    total = 0.0
    terms = []
    for k, count in enumerate(N):
        if d == 2:
            f = (1 - e) ** k * (1 - 2 * k * e1 + 0.5 * k * (k - 1) * e1 ** 2)
        elif d == 3:
            f = (1 - e) ** k * (1 - 27 / 8 * k * e1 + 9 / 8 * k * (k - 1) * e1 ** 2)
        else:
            f = (1 - e) ** k * (1 - 9 * k * e1 + 8 * k * (k - 1) * e1 ** 2 - 4 / 3 * k * (k - 1) * (k - 2) * e1 ** 3)
        terms.append(count * f)
    total = math.fsum(terms)
    if d == 2:
        return 2 * e * (n - 2 * e * total)
    if d == 3:
        return c3 * (e ** (2 / 3) * n - e ** (5 / 3) * total)
    return 4 / math.sqrt(6) * (math.sqrt(e) * n - e ** 1.5 * total)


def harmonic(m):
    return math.fsum(1.0 / i for i in range(1, m + 1))


def expected_abundance_2d(n, k):
    """E[N_k] for n points in a 2-D diamond (exact at every n)."""
    return n * (harmonic(n - 1) - harmonic(k)) + (k + 1) * (harmonic(n) - harmonic(k + 1)) - 2 * (n - 1 - k)
