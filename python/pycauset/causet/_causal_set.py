"""CausalSet: a finite partial order in natural labelling, held as its causal matrix, and its observables.

Conventions (Surya, Living Rev. Relativ. 22:5, 2019, §§2–3): elements are labelled in natural order
(sorted by time), so the causal matrix ``C`` is strictly upper triangular with ``C[i, j]`` true iff
``i`` precedes ``j``; intervals are open, ``I(i, j) = {z : i < z < j}`` and ``|I(i, j)| = (C C)[i, j]``;
``N_k`` is the number of related pairs whose interval has exactly ``k`` elements (``N_0``: the links).

Every observable reduces the packed bits of ``C`` in C++: popcounts, the longest-chain DP, and the
bit-product kernels that count ``(C C)[i, j]`` tile by tile and reduce each tile at once (a histogram,
a predicate, a maximum), so no N x N integer matrix is ever stored.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from .. import _array
from .._dtypes import _core
from .._interop import to_numpy
from .._progress import ProgressBar, bar_delay, resolve
from ._action import LAYERS_NEEDED, benincasa_dowker_action, check_action_arguments
from ._dimension import midpoint_dimension, myrheim_meyer_dimension
from ._errors import CausetTypeError, CausetValueError
from ._fields import FieldsMixin

__all__ = ["CausalSet"]


def _causal_matrix(C):
    """Return C as a square bool pycauset Matrix, strictly upper triangular, or raise."""
    C = _array.concrete(C)  # a lazy expression is evaluated (into a file when large)
    if isinstance(C, _array.Matrix):
        if C.dtype != np.bool_:
            raise CausetTypeError(f"a causal matrix must have dtype bool, got {C.dtype}; convert it with C.astype(bool)")
        matrix = C
    else:
        array = np.asarray(C)
        if array.dtype != np.bool_:
            if array.dtype.kind not in "biu" or not np.isin(array, (0, 1)).all():
                raise CausetValueError(f"a causal matrix must be a bool matrix (or 0/1 integers), got dtype "
                                       f"{array.dtype} with other values")
            array = array.astype(bool)
        if array.ndim != 2:
            raise CausetValueError(f"a causal matrix must be a square 2-D matrix, got rank {array.ndim}")
        matrix = _array.asarray_like(array)
    rows, cols = matrix.shape
    if rows != cols:
        raise CausetValueError(f"a causal matrix must be square, got shape ({rows}, {cols})")
    wrong = _core.count_true_on_or_below_diagonal(matrix)
    if wrong:
        raise CausetValueError(f"a causal matrix must be strictly upper triangular (natural labelling: C[i, j] only "
                               f"for i < j), but {wrong} entries on or below the diagonal are true; relabel the "
                               f"elements in an order compatible with the relation first")
    return matrix


@contextlib.contextmanager
def _progress(label: str, enabled):
    """Yield a progress(done, total) callable drawing a bar if enabled (None: the process-wide setting), else None."""
    if not resolve(enabled):
        yield None
        return
    with ProgressBar(label, delay=bar_delay(enabled)) as bar:
        yield bar


def _check_density(density) -> float:
    try:
        value = float(density)
    except (TypeError, ValueError):
        raise CausetValueError(f"density must be a positive finite number, got {density!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise CausetValueError(f"density must be a positive finite number, got density = {density!r}")
    return value


class CausalSet(FieldsMixin):
    """A causal set in natural labelling, given by its causal matrix.

    Parameters
    ----------
    C : Matrix or array_like of bool
        The ``n x n`` causal matrix: ``C[i, j]`` true iff element ``i`` precedes element ``j``. It must be
        strictly upper triangular (natural labelling); transitivity is not checked (see :meth:`is_transitive`).
        A pycauset bool matrix is used as it is, not copied (so it may live in a file); other input is
        imported.
    density : float, default 1.0
        The sprinkling density rho; lengths are in units of ``rho^(-1/d)``.

    Attributes
    ----------
    n : int
        Number of elements.
    d : int or None
        Spacetime dimension of the region or coordinates, None for an abstract order.
    region : Region or None
        Where the elements were sprinkled.
    density : float
        rho: ``n / volume`` for a fixed-n sprinkling, the requested density for a Poisson one.
    seed : int or None
        Seed of the sprinkling (None when not sprinkled).
    coordinates : Matrix or None
        ``(n, d)`` float64 coordinates ``[t, x_1, ...]`` in natural order.
    causal : Matrix
        The causal matrix ``C`` (bool, bit-packed; spills to a file when over the memory budget).
    order : numpy.ndarray or None
        The permutation that put the given or sampled points into natural order:
        ``coordinates = points[order]``.

    Raises
    ------
    ValueError
        If C is not square or not strictly upper triangular, or density is not positive.
    TypeError
        If C is a pycauset matrix of another dtype than bool.

    Examples
    --------
    >>> import numpy as np
    >>> from pycauset import causet
    >>> diamond = causet.CausalSet(np.array([[0, 1, 1, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=bool))
    >>> diamond.relations(), diamond.height(), diamond.interval_abundances().tolist()
    (5, 3, [4, 0, 1])
    """

    def __init__(self, C, density=1.0):
        self._init(_causal_matrix(C), _check_density(density))

    def _init(self, causal, density, region=None, seed=None, coordinates=None, order=None):
        self.causal = causal
        self.n = int(causal.shape[0])
        self.density = float(density)
        self.region = region
        self.seed = seed
        self.coordinates = coordinates
        self.order = order
        if region is not None:
            self.d = region.d
        elif coordinates is not None:
            self.d = int(coordinates.shape[1])
        else:
            self.d = None

    @classmethod
    def _from_parts(cls, causal, density, region=None, seed=None, coordinates=None, order=None):
        """Assemble a causal set whose matrix is already known to be valid (sprinkled or loaded)."""
        causet = cls.__new__(cls)
        causet._init(causal, density, region, seed, coordinates, order)
        return causet

    def __repr__(self) -> str:
        where = f", region={self.region!r}" if self.region is not None else ""
        return f"CausalSet(n={self.n}{where}, density={self.density!r}, storage={self.causal.storage!r})"

    # ---- counting -------------------------------------------------------------------------------

    def relations(self) -> int:
        """Return R, the number of related pairs (a popcount of the packed causal matrix)."""
        return int(_core.count_true(self.causal))

    def ordering_fraction(self) -> float:
        """Return ``R / binom(n, 2)``, the fraction of pairs that are related (NaN for n < 2).

        For a sprinkling into a d-dimensional causal diamond its expectation is
        ``Gamma(d + 1) Gamma(d / 2) / (2 Gamma(3d / 2))`` (Myrheim 1978; Meyer 1988).
        """
        pairs = self.n * (self.n - 1) // 2
        return self.relations() / pairs if pairs else math.nan

    def height(self, *, progress: bool | None = None) -> int:
        """Return the number of elements in a longest chain (0 for the empty causal set).

        In a 2-D diamond, ``E[height] ~ 2 sqrt(n) - 1.7711 n^(1/6)`` (Baik, Deift & Johansson 1999).
        ``progress=True`` draws a progress bar (rows done).
        """
        with _progress(f"longest chain of {self.n} elements", progress) as bar:
            return int(_core.longest_chain(self.causal, bar))

    def is_transitive(self, *, progress: bool | None = None) -> bool:
        """Return whether the relation is transitively closed: ``(C C)[i, j] > 0`` implies ``C[i, j]``.

        One fused bit-product pass counts the unrelated pairs (i < j) with a common element between
        them; the order is transitive exactly when there are none.
        """
        if self.n < 3:
            return True
        with _progress(f"transitivity of {self.n} elements", progress) as bar:
            histogram = _core.bit_product_histogram(self.causal, self.causal, self.causal, 0, triangular=True,
                                                    invert_mask=True, progress=bar)
        return int(histogram[1]) == 0

    def links(self, *, progress: bool | None = None):
        """Return the link matrix ``L = C and not (C C > 0)`` (bool, bit-packed): the covering relations.

        ``L[i, j]`` is true iff i precedes j with nothing in between (an empty open interval).
        """
        with _progress(f"links of {self.n} elements", progress) as bar:
            return _array._wrap(_core.bit_product_predicate(self.causal, self.causal, self.causal, True,
                                                            progress=bar))

    def interval_abundances(self, kmax=None, *, progress: bool | None = None) -> np.ndarray:
        """Return ``N_0 .. N_kmax``: the number of related pairs whose open interval has k elements.

        Parameters
        ----------
        kmax : int, optional
            Largest interval size to count; defaults to ``n - 2``, the largest possible (then the counts
            sum to R).
        progress : bool, optional
            Draw a progress bar while the product runs.

        Returns
        -------
        numpy.ndarray of int64, length ``kmax + 1``

        Notes
        -----
        One pass of the bit-product kernel over the strict upper triangle computes each tile of counts
        ``(C C)[i, j]`` and adds the entries with ``C[i, j]`` to a histogram: about ``n^3 / 6`` bit
        operations and no stored integer matrix. For a fixed-n sprinkling of a 2-D diamond,
        ``E[N_k] = n (H_{n-1} - H_k) + (k + 1)(H_n - H_{k+1}) - 2 (n - 1 - k)`` exactly (H: harmonic numbers).
        """
        if kmax is None:
            kmax = self.n - 2
        elif isinstance(kmax, bool) or not isinstance(kmax, (int, np.integer)) or kmax < 0:
            raise CausetValueError(f"kmax must be an integer >= 0 or None, got kmax = {kmax!r}")
        kmax = int(kmax)
        abundances = np.zeros(max(kmax + 1, 0), dtype=np.int64)
        # No interval holds more than n - 2 elements: count up to there, the rest stays zero.
        counted = min(kmax, self.n - 2)
        if counted < 0:
            return abundances
        with _progress(f"interval abundances of {self.n} elements", progress) as bar:
            histogram = _core.bit_product_histogram(self.causal, self.causal, self.causal, counted, triangular=True,
                                                    progress=bar)
        abundances[: counted + 1] = np.asarray(histogram, dtype=np.int64)[: counted + 1]
        return abundances

    # ---- estimators and the action --------------------------------------------------------------

    def dimension(self, method: str = "myrheim-meyer", *, progress: bool | None = None) -> float:
        """Estimate the spacetime dimension from the order alone.

        Parameters
        ----------
        method : {"myrheim-meyer", "midpoint"}
            ``"myrheim-meyer"``: the d in [1, 20] whose diamond ordering fraction
            ``Gamma(d+1) Gamma(d/2) / (2 Gamma(3d/2))`` equals the observed ``R / binom(n, 2)`` (Myrheim 1978;
            Meyer 1988), by bisection; NaN without relations. ``"midpoint"``: take the related pair (a, b) with
            the largest interval, ``n_ab = |I(a, b)|``, and its best midpoint,
            ``m = max over z in I(a, b) of min(|I(a, z)|, |I(z, b)|)``; then ``d = log2(n_ab / m)`` (Reid 2003;
            Surya 2019, §3); NaN when ``n_ab`` or ``m`` is 0.
        progress : bool, optional
            Draw a progress bar while the midpoint method's product runs.

        Returns
        -------
        float
        """
        if method == "myrheim-meyer":
            return myrheim_meyer_dimension(self.ordering_fraction())
        if method == "midpoint":
            return self._midpoint_dimension(progress)
        raise CausetValueError(f"unknown dimension method {method!r}; use 'myrheim-meyer' or 'midpoint'")

    def _midpoint_dimension(self, progress) -> float:
        C = self.causal
        with _progress(f"largest interval of {self.n} elements", progress) as bar:
            largest, a, b = _core.bit_product_max(C, C, C, True, progress=bar)
        if largest <= 0:
            return math.nan
        # |I(a, z)| for every z: row a of C C; |I(z, b)|: column b of C C; z in I(a, b): C[a, z] and C[z, b].
        # Vectors of n elements, exported even when C lives in a file.
        to_z = to_numpy(_array._wrap(_core.bit_matmul(C[a:a + 1, :], C, "int64")[0]), allow_huge=True).ravel()
        from_z = to_numpy(_array._wrap(_core.bit_matmul(C, C[:, b:b + 1], "int64")[0]), allow_huge=True).ravel()
        between = to_numpy(C[a, :], allow_huge=True) & to_numpy(C[:, b], allow_huge=True)
        midpoint = int(np.minimum(to_z, from_z)[between].max()) if between.any() else 0
        return midpoint_dimension(int(largest), midpoint)

    def action(self, d=None, epsilon=1.0, *, progress: bool | None = None) -> float:
        """Return the Benincasa–Dowker action ``S^(d)`` (in units of hbar), local or smeared.

        Parameters
        ----------
        d : int, optional
            Dimension of the action, 2, 3 or 4; defaults to the causal set's own dimension.
        epsilon : float, default 1.0
            Smearing ``eps = rho_k / rho`` in (0, 1]. At 1 the local action uses ``N_0 .. N_{d-1}``; below 1
            the smeared action uses every ``N_k``.
        progress : bool, optional
            Draw a progress bar while the interval abundances are counted.

        Notes
        -----
        2-D: ``2 (N - 2 N_0 + 4 N_1 - 2 N_2)``; 3-D: ``c_3 (N - N_0 + (27/8) N_1 - (9/4) N_2)``;
        4-D: ``(4 / sqrt 6) (N - N_0 + 9 N_1 - 16 N_2 + 8 N_3)`` (Benincasa & Dowker 2010; Dowker & Glaser
        2013); the smeared forms are in :func:`pycauset.causet._action.benincasa_dowker_action`. For a 2-D
        diamond ``E[S] = 2`` exactly, but one sprinkling fluctuates by about ``20 sqrt(n)``.
        """
        if d is None:
            if self.d is None:
                raise CausetValueError("this causal set has no dimension (no region or coordinates); pass d=2, 3 or 4")
            d = self.d
        epsilon = check_action_arguments(d, epsilon)
        if epsilon == 1.0 and d in LAYERS_NEEDED:
            abundances = self.interval_abundances(kmax=LAYERS_NEEDED[d] - 1, progress=progress)
        else:
            abundances = self.interval_abundances(progress=progress)
        return benincasa_dowker_action(d, self.n, abundances, epsilon)
