"""The Benincasa–Dowker action of a causal set from its interval abundances N_k, local and smeared.

Sources: Benincasa & Dowker, Phys. Rev. Lett. 104, 181301 (2010), arXiv:1001.2725 (2-D and 4-D);
Dowker & Glaser, Class. Quantum Grav. 30, 195016 (2013), arXiv:1305.2588 (all d, smeared); Surya,
Living Rev. Relativ. 22:5 (2019), §4; Cunningham & Krioukov, arXiv:1709.03013 (3-D coefficients).
"""
from __future__ import annotations

import math

import numpy as np

from ._errors import CausetNotImplementedError, CausetValueError

__all__ = ["LAYERS_NEEDED", "benincasa_dowker_action", "check_action_arguments"]

# c_3 = (pi / (3 sqrt 2))^(2/3) / Gamma(5/3).
_C3 = (math.pi / (3 * math.sqrt(2))) ** (2 / 3) / math.gamma(5 / 3)

# Per dimension: overall factor, exponents (a, b) of eps in S(eps) = K (eps^a N - eps^b sum_n N_n f(n)),
# and the coefficients c_k of f(n) = sum_k c_k n(n-1)...(n-k+1) eps^k (1 - eps)^(n-k).
# At eps = 1 only n = k survives: f(k) = c_k k!, which gives the local coefficients of N_k. In 2-D the
# factor 2 of S_2 = 2 eps (N - 2 eps sum N_n f_2(n)) is folded into f: c = 2 (1, -2, 1/2).
_ACTIONS = {
    2: (2.0, 1.0, 2.0, (2.0, -4.0, 1.0)),
    3: (_C3, 2 / 3, 5 / 3, (1.0, -27 / 8, 9 / 8)),
    4: (4 / math.sqrt(6), 0.5, 1.5, (1.0, -9.0, 8.0, -4 / 3)),
}

#: Layers N_0 .. N_{k} the local (eps = 1) action of each dimension uses.
LAYERS_NEEDED = {d: len(coefficients) for d, (_, _, _, coefficients) in _ACTIONS.items()}


def _falling(n: np.ndarray, k: int) -> np.ndarray:
    out = np.ones_like(n, dtype=np.float64)
    for i in range(k):
        out *= n - i
    return out


def check_action_arguments(d, epsilon) -> float:
    """Raise unless d is 2, 3 or 4 and epsilon lies in (0, 1]; return epsilon as a float."""
    if isinstance(d, bool) or d not in _ACTIONS:
        raise CausetNotImplementedError(f"the Benincasa–Dowker action is implemented for d = 2, 3, 4, got d = {d!r}")
    try:
        value = float(epsilon)
    except (TypeError, ValueError):
        value = math.nan
    if not (0 < value <= 1):
        raise CausetValueError(f"the smearing parameter epsilon must lie in (0, 1], got epsilon = {epsilon!r}")
    return value


def benincasa_dowker_action(d: int, n_elements: int, abundances, epsilon: float = 1.0) -> float:
    """Return the Benincasa–Dowker action ``S^(d)`` in units of hbar, from the interval abundances.

    Parameters
    ----------
    d : int
        Dimension of the action, 2, 3 or 4.
    n_elements : int
        N, the number of elements.
    abundances : array_like of int
        ``N_0, N_1, ...``: the number of related pairs whose open interval has k elements. The local action
        (``epsilon = 1``) needs ``N_0 .. N_{d-1}`` (``N_0 .. N_2`` in 2-D); the smeared one needs all of them.
    epsilon : float
        Smearing parameter ``eps = rho_k / rho`` in (0, 1]; 1 is the local action.

    Notes
    -----
    Local (``eps = 1``):

    - 2-D: ``S = 2 (N - 2 N_0 + 4 N_1 - 2 N_2)``
    - 3-D: ``S = c_3 (N - N_0 + (27/8) N_1 - (9/4) N_2)``, ``c_3 = (pi / (3 sqrt 2))^(2/3) / Gamma(5/3)``
    - 4-D: ``S = (4 / sqrt 6) (N - N_0 + 9 N_1 - 16 N_2 + 8 N_3)``

    Smeared, with ``e_1 = eps / (1 - eps)``:

    - ``f_2(n) = (1-eps)^n [1 - 2 n e_1 + n(n-1) e_1^2 / 2]``, ``S_2 = 2 eps (N - 2 eps sum N_n f_2(n))``
    - ``f_3(n) = (1-eps)^n [1 - (27/8) n e_1 + (9/8) n(n-1) e_1^2]``,
      ``S_3 = c_3 (eps^(2/3) N - eps^(5/3) sum N_n f_3(n))``
    - ``f_4(n) = (1-eps)^n [1 - 9 n e_1 + 8 n(n-1) e_1^2 - (4/3) n(n-1)(n-2) e_1^3]``,
      ``S_4 = (4 / sqrt 6) (sqrt(eps) N - eps^(3/2) sum N_n f_4(n))``

    ``(1-eps)^n e_1^k`` is evaluated as ``eps^k (1-eps)^(n-k)``, finite for every eps in (0, 1]; eps = 1
    uses the local formula directly. The two terms cancel to O(N) from O(N^2): the sum is accumulated with
    ``math.fsum`` (exactly rounded).
    """
    epsilon = check_action_arguments(d, epsilon)
    factor, a, b, coefficients = _ACTIONS[d]
    counts = np.asarray(abundances, dtype=np.int64)
    if epsilon == 1.0:
        local = [coefficient * math.factorial(k) for k, coefficient in enumerate(coefficients)]
        layers = [int(counts[k]) if k < counts.size else 0 for k in range(len(local))]
        return factor * math.fsum([float(n_elements)] + [-c * layer for c, layer in zip(local, layers)])
    n = np.arange(counts.size, dtype=np.float64)
    weights = np.zeros(counts.size)
    for k, coefficient in enumerate(coefficients):
        # n(n-1)..(n-k+1) vanishes for n < k, where (1 - eps)^(n - k) would be a negative power.
        exponent = np.maximum(n - k, 0.0)
        weights += coefficient * _falling(n, k) * epsilon ** k * (1.0 - epsilon) ** exponent
    terms = counts.astype(np.float64) * weights
    return factor * (epsilon ** a * n_elements - epsilon ** b * math.fsum(terms.tolist()))
