"""Quantum fields on a causal set: the retarded propagator, the Pauli–Jordan function, the Sorkin–Johnston
(SJ) vacuum and its spacetime entanglement entropy.

Conventions (physics orientation): ``K_R[x, y] != 0`` only if ``y ≺ x`` (row = later element), so in natural
labelling ``K_R`` is lower triangular; ``Δ = K_R − K_Rᵀ`` is real antisymmetric and ``iΔ`` Hermitian. For the
2-element causal set ``Δ = [[0, −½], [½, 0]]``.

Sources: S. Johnston, arXiv:0806.3083 and arXiv:0909.0944 (the propagators); S. Surya, Living Rev. Relativ.
22:5 (2019), §5 (review); R. Sorkin and Y. Yazdi, arXiv:1611.10281 (entropy, double truncation);
N. Afshordi et al., arXiv:1207.7101 (the SJ state on causal sets).
"""
from __future__ import annotations

import math

import numpy as np

from .._array import _wrap
from .._dtypes import _core

__all__ = ["FieldsMixin"]


# ---------------------------------------------------------------------------------------------- Φ and K_R

def _phi(cs):
    """``(M, s)`` with ``Φ = s·Mᵀ``: ``M = C, s = ½`` in 2-D; ``M = L`` (the links), ``s = √ρ/(2π√6)`` in 4-D."""
    if cs.d == 2:
        return cs.causal, 0.5
    if cs.d == 4:
        return cs.links(), math.sqrt(cs.density) / (2.0 * math.pi * math.sqrt(6.0))
    raise _core.PyCausetNotImplementedError(
        f"the retarded propagator is defined here for d = 2 and d = 4 (Johnston), got d = {cs.d}; "
        "sprinkle into a 2-D or 4-D region or build the causal set from 2-D or 4-D coordinates")


def _check_mass(mass) -> float:
    mass = float(mass)
    if not math.isfinite(mass) or mass < 0:
        raise _core.PyCausetValueError(f"mass must be a finite number >= 0, got {mass!r}")
    return mass


def propagator(cs, mass=0.0, *, progress: bool | None = None):
    """Johnston's retarded propagator ``K_R = Φ (I + (m²/ρ) Φ)⁻¹`` (see ``CausalSet.propagator``)."""
    mass = _check_mass(mass)
    links_or_causal, s = _phi(cs)
    phi_t = links_or_causal.T  # Φ = s·Mᵀ: lower triangular, row = later element
    if mass == 0.0:
        return (phi_t * s).eval()  # massless: K_R = Φ, no solve
    # Φ and (I + aΦ) commute, so K_R = (I + aΦ)⁻¹ Φ: a unit-lower-triangular system whose factor and
    # right-hand side are both read from the bits of M (never a float copy), the zero panels above the
    # diagonal of each column block skipped.
    a = mass * mass / cs.density
    from ..linalg import _progress_callback

    with _progress_callback(progress, f"propagator n={cs.n}") as callback:
        native = _core.solve_triangular(phi_t, phi_t, lower=True, unit_diagonal=True, scale=a * s,
                                        identity_plus=True, rhs_scale=s, rhs_lower=True, progress=callback)
    return _wrap(native)


def pauli_jordan(cs, mass=0.0, *, progress: bool | None = None):
    """The Pauli–Jordan function ``Δ = K_R − K_Rᵀ`` (see ``CausalSet.pauli_jordan``)."""
    k = propagator(cs, mass, progress=progress)
    return (k - k.T).eval()


# ---------------------------------------------------------------------------------------------- spectra

def _dense(matrix, what: str, copies: float):
    """A NumPy copy of ``matrix`` for a dense LAPACK step, after checking the budget holds ``copies`` of it."""
    from ..linalg import _in_ram_operand

    return _in_ram_operand(matrix, what, copies)


def _positive_pairs(singular_values: np.ndarray, n: int) -> np.ndarray:
    """The positive eigenvalues of iΔ from the singular values of Δ (each λ appears twice, as ±λ of iΔ):
    every other singular value, descending, without the exact kernel (relative tolerance)."""
    s = np.sort(np.asarray(singular_values))[::-1]
    lam = s[0::2][: n // 2]
    if lam.size == 0:
        return lam
    tol = max(n, 1) * np.finfo(np.float64).eps * lam[0]
    return lam[lam > tol]


def sj_spectrum(cs, mass=0.0, k=None, *, progress: bool | None = None):
    """The positive eigenvalues of ``iΔ``, descending (see ``CausalSet.sj_spectrum``)."""
    if k is None:
        delta = _dense(pauli_jordan(cs, mass, progress=progress), "sj_spectrum", 3)
        # The eigenvalues of iΔ are ± the singular values of the real antisymmetric Δ: real arithmetic, no
        # complex matrix, no squaring of the condition number.
        return _positive_pairs(np.linalg.svd(delta, compute_uv=False), cs.n)
    k = int(k)
    if k < 1:
        raise _core.PyCausetValueError(f"k must be a positive number of eigenvalues, got {k}")
    k = min(k, cs.n // 2)
    if 4 * k + 32 >= cs.n:
        return sj_spectrum(cs, mass, progress=progress)[:k]  # small: the dense spectrum is cheaper
    return _top_eigenvalues(cs, mass, k)


def _delta_operator(cs, mass):
    """``x -> Δ x`` for an (n, b) NumPy block: from the bits of C (massless 2-D: Δ x = ½(Cᵀx − Cx)) or, for
    a massive field or 4-D, from K_R (stored once)."""
    from .._creation import matrix

    if mass == 0.0 and cs.d == 2:
        c = cs.causal
        c_t = _wrap(_core.copy_bits(c.T))  # Cᵀ packed by rows once: every product below is a row-wise sum

        def apply(x):
            xs = matrix(x)
            return 0.5 * (_to_numpy(c_t @ xs) - _to_numpy(c @ xs))

        return apply
    k = propagator(cs, mass)

    def apply(x):
        xs = matrix(x)
        return _to_numpy(k @ xs) - _to_numpy(k.T @ xs)

    return apply


def _to_numpy(m):
    from .._interop import to_numpy

    return to_numpy(m, allow_huge=True)


def _top_eigenvalues(cs, mass, k, block=8, tol=1e-10):
    """The k largest eigenvalues of iΔ by block Lanczos on ΔᵀΔ = −Δ² (eigenvalues λ², each twice), with
    full reorthogonalisation; matvecs use the bits of C for the massless 2-D field.

    With Q the orthonormal Krylov basis and T = Qᵀ(ΔᵀΔ)Q, a Ritz pair (θ, Qs) has the residual
    ‖R s_last‖, where the next block of the recurrence is Q_next R and s_last is the last block of s: the
    iteration stops when the 2k largest Ritz values have relative residuals below ``tol``.
    """
    n = cs.n
    apply = _delta_operator(cs, mass)
    want = 2 * k
    block = min(block, n)
    rng = np.random.default_rng(0)
    q = np.linalg.qr(rng.standard_normal((n, block)))[0]
    basis = np.zeros((n, 0))
    t = np.zeros((0, 0))
    theta = np.zeros(0)
    while True:
        mq = -apply(apply(q))  # ΔᵀΔ q = −Δ(Δ q)
        coupling = basis.T @ mq  # (m x b): the new column block of T (its transpose is the row block)
        corner = q.T @ mq
        t = np.block([[t, coupling], [coupling.T, (corner + corner.T) / 2]])
        basis = np.hstack([basis, q])
        theta, vectors = np.linalg.eigh(t)
        top = np.argsort(theta)[::-1][:want]
        if basis.shape[1] >= n:
            break
        nxt = mq - basis @ (basis.T @ mq)
        nxt -= basis @ (basis.T @ nxt)  # twice is enough (Kahan)
        q, r = np.linalg.qr(nxt)
        if basis.shape[1] >= want:
            residual = np.linalg.norm(r @ vectors[-block:, top], axis=0)
            if np.all(residual <= tol * max(theta[top[0]], np.finfo(np.float64).tiny)):
                break
        if np.min(np.abs(np.diag(r))) <= 1e-14 * max(theta[top[0]], 1.0):
            # An invariant subspace was found: continue from fresh random directions.
            q = rng.standard_normal((n, block))
            q -= basis @ (basis.T @ q)
            q = np.linalg.qr(q - basis @ (basis.T @ q))[0]
    lam = np.sqrt(np.clip(theta[top], 0.0, None))
    return _positive_pairs(lam, n)[:k]


def sj_wightman(cs, mass=0.0, *, progress: bool | None = None):
    """The SJ Wightman function ``W``, the positive part of ``iΔ`` (see ``CausalSet.sj_wightman``)."""
    from .._creation import matrix

    delta = _dense(pauli_jordan(cs, mass, progress=progress), "sj_wightman", 5)
    # W = ½(|Δ| + iΔ) with |Δ| = (ΔᵀΔ)^{1/2} = V Σ Vᵀ from the SVD Δ = U Σ Vᵀ: real arithmetic throughout.
    _, sigma, vt = np.linalg.svd(delta)
    absolute = (vt.T * sigma) @ vt
    return matrix(0.5 * (absolute + 1j * delta))


# ---------------------------------------------------------------------------------------------- entropy

def _hermitian_modes(h, cut):
    """Eigenpairs of the Hermitian ``h`` with |λ| > cut."""
    lam, vec = np.linalg.eigh(h)
    keep = np.abs(lam) > cut
    return lam[keep], vec[:, keep]


def _entropy(w, i_delta, cut):
    """S = Σ μ ln|μ| for W v = μ iΔ v on the modes of iΔ with |λ| > cut."""
    lam, vec = _hermitian_modes(i_delta, cut)
    if lam.size == 0:
        return 0.0
    w_modes = vec.conj().T @ w @ vec
    mu = np.linalg.eigvals(w_modes / lam[:, None])  # (D⁻¹ W) u = μ u, D = diag(λ)
    mu = np.real_if_close(mu, tol=1e6).real
    terms = [m * math.log(abs(m)) for m in mu if abs(m) > 1e-12]
    return math.fsum(terms)


def entanglement_entropy(cs, subset, mass=0.0, truncate=True, *, progress: bool | None = None):
    """The SJ spacetime entanglement entropy of the elements in ``subset`` (see
    ``CausalSet.entanglement_entropy``)."""
    idx = np.asarray(subset)
    if idx.dtype == np.bool_:
        if idx.shape != (cs.n,):
            raise _core.PyCausetValueError(f"a boolean subset must have shape ({cs.n},), got {idx.shape}")
        idx = np.flatnonzero(idx)
    idx = np.unique(idx.astype(np.int64, copy=False))
    if idx.size and (idx[0] < 0 or idx[-1] >= cs.n):
        raise _core.PyCausetIndexError(f"subset indices must lie in [0, {cs.n}), got {idx[0]}..{idx[-1]}")
    if idx.size == 0:
        return 0.0
    delta = _dense(pauli_jordan(cs, mass, progress=progress), "entanglement_entropy", 6)
    n, n_sub = cs.n, idx.size
    rel = n * np.finfo(np.float64).eps * max(np.abs(delta).max(initial=0.0), 1e-300)
    # The modes of iΔ from the real SVD Δ = U Σ Vᵀ (a real gesdd is several times faster than the complex
    # eigh of iΔ, and as accurate): the eigenvalues ±σ of iΔ are the singular values, each twice, and the
    # positive part of iΔ restricted to the kept modes is W = ½(V Σ Vᵀ + i U Σ Vᵀ).
    u, sigma, vt = np.linalg.svd(delta)
    del delta
    # Double truncation: keep the modes of the whole set with |λ| > √n/(4π) ...
    keep = sigma > (math.sqrt(n) / (4 * math.pi) if truncate else rel)
    u_sub, v_sub, sigma = u[np.ix_(idx, keep)], vt[keep][:, idx], sigma[keep]
    del u, vt
    i_delta_sub = 1j * ((u_sub * sigma) @ v_sub)
    w_sub = 0.5 * ((v_sub.T * sigma) @ v_sub + i_delta_sub)
    # ... and, restricted to the subset, those of its own iΔ above √n_sub/(4π).
    cut = math.sqrt(n_sub) / (4 * math.pi) if truncate else rel * n_sub
    return _entropy(w_sub, i_delta_sub, cut)


class FieldsMixin:
    """The field-theory methods of :class:`CausalSet` (2-D and 4-D causal sets)."""

    def propagator(self, mass=0.0, *, progress: bool | None = None):
        """Johnston's retarded propagator ``K_R = Φ (I + (m²/ρ) Φ)⁻¹``.

        ``Φ = ½ Cᵀ`` in 2-D and ``Φ = √ρ/(2π√6) Lᵀ`` in 4-D (the links ``L``, not ``C``). ``K_R[x, y] != 0`` only
        if ``y ≺ x``: lower triangular in natural labelling (row = later element).

        Parameters
        ----------
        mass : float
            The field's mass m ≥ 0 (in units of ``ρ^(-1/d)``). Massless: ``K_R = Φ``, no solve.
        progress : bool, optional
            Show a progress bar for the solve.

        Returns
        -------
        Matrix
            float64, n x n; placed by the memory budget (a spill file when large).

        Raises
        ------
        NotImplementedError
            For d other than 2 and 4.

        Notes
        -----
        ``Φ`` and ``I + aΦ`` commute, so ``K_R = (I + aΦ)⁻¹ Φ`` solves a unit-lower-triangular system by
        substitution (never an LU or an inverse), reading both the factor and the right-hand side from the
        bits of ``C`` (or ``L``) panel by panel, in RAM or out of core. Johnston, arXiv:0806.3083, 0909.0944.

        Examples
        --------
        >>> import numpy as np
        >>> from pycauset import causet
        >>> cs = causet.from_coordinates(np.array([[0.0, 0.0], [1.0, 0.0]]))
        >>> np.asarray(cs.propagator()).tolist()
        [[0.0, 0.0], [0.5, 0.0]]
        """
        return propagator(self, mass, progress=progress)

    def pauli_jordan(self, mass=0.0, *, progress: bool | None = None):
        """The Pauli–Jordan function ``Δ = K_R − K_Rᵀ`` (real antisymmetric; ``iΔ`` is Hermitian).

        For the 2-element causal set ``Δ = [[0, −½], [½, 0]]`` (physics sign).

        Examples
        --------
        >>> import numpy as np
        >>> from pycauset import causet
        >>> cs = causet.from_coordinates(np.array([[0.0, 0.0], [1.0, 0.0]]))
        >>> np.asarray(cs.pauli_jordan()).tolist()
        [[0.0, -0.5], [0.5, 0.0]]
        """
        return pauli_jordan(self, mass, progress=progress)

    def sj_spectrum(self, mass=0.0, k=None, *, progress: bool | None = None):
        """The positive eigenvalues of ``iΔ``, descending (a NumPy float64 array).

        Parameters
        ----------
        mass : float
        k : int, optional
            Only the ``k`` largest. Without it every positive eigenvalue is returned: the singular values of
            the real antisymmetric ``Δ`` (each eigenvalue pair ±λ of ``iΔ`` is one singular value pair), in RAM
            and real arithmetic; the exact kernel of Δ is dropped with a relative tolerance.
        progress : bool, optional

        Notes
        -----
        With ``k``, block Lanczos on ``ΔᵀΔ`` with full reorthogonalisation finds the 2k largest eigenvalues
        ``λ²`` (each twice); for the massless 2-D field its matrix-vector products are ``Δx = ½(Cᵀx − Cx)``
        on the packed bits of ``C`` (no n x n float matrix), so it reaches sizes whose ``K_R`` would not fit.
        Continuum (2-D massless diamond): ``λ_j ≈ n / (4 x_j)`` with x_j the positive roots of
        {kπ} ∪ {tan x = 2x} (Afshordi et al., arXiv:1207.7101).
        """
        return sj_spectrum(self, mass, k, progress=progress)

    def sj_wightman(self, mass=0.0, *, progress: bool | None = None):
        """The Sorkin–Johnston Wightman function ``W``: the positive part of ``iΔ`` (complex128 Matrix).

        ``W = Σ_{λ>0} λ v v† = ½(|Δ| + iΔ)`` with ``|Δ| = (ΔᵀΔ)^{1/2}`` from the SVD of Δ (real arithmetic).
        In RAM: ``MemoryError`` naming the budget when a few n x n matrices do not fit.
        """
        return sj_wightman(self, mass, progress=progress)

    def entanglement_entropy(self, subset, mass=0.0, truncate=True, *, progress: bool | None = None):
        """The Sorkin–Johnston spacetime entanglement entropy ``S = Σ μ ln|μ|`` of the elements in ``subset``.

        Parameters
        ----------
        subset : array_like of int or bool
            Element indices (natural labelling) or a boolean mask of length n.
        mass : float
        truncate : bool
            The double truncation of Sorkin and Yazdi (arXiv:1611.10281): keep the modes of ``iΔ`` of the
            whole set with ``|λ| > √n/(4π)``, restrict ``iΔ`` and ``W`` to the subset, and keep the modes of the
            restricted ``iΔ`` above ``√n_sub/(4π)``. Without it, the modes above a relative round-off tolerance.
        progress : bool, optional

        Returns
        -------
        float
            ``S``, from the generalised eigenproblem ``W v = μ iΔ v`` on the kept modes. The untruncated SJ
            state of the whole set is pure: ``S = 0``.
        """
        return entanglement_entropy(self, subset, mass, truncate, progress=progress)
