"""Fields on causal sets: the retarded propagator, Pauli–Jordan, the SJ spectrum, Wightman function and
entanglement entropy, against a dense NumPy reference on the same causal set, exact small cases, and the
continuum statistics (fixed seeds, 5-sigma bounds)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import pycauset
from pycauset import causet

from conftest import to_pycauset


def _dense_propagator(cs, mass):
    """Reference: K_R = Φ (I + (m²/ρ) Φ)^{-1} with a general dense inverse (independent of the kernel)."""
    if cs.d == 2:
        phi = 0.5 * pycauset.to_numpy(cs.causal).T.astype(np.float64)
    else:
        c = pycauset.to_numpy(cs.causal).astype(np.float64)
        links = (c > 0) & ((c @ c) == 0)
        phi = math.sqrt(cs.density) / (2 * math.pi * math.sqrt(6)) * links.T.astype(np.float64)
    return phi @ np.linalg.inv(np.eye(cs.n) + mass**2 / cs.density * phi)


def _positive_part(delta):
    lam, vec = np.linalg.eigh(1j * delta)
    keep = lam > 0
    return (vec[:, keep] * lam[keep]) @ vec[:, keep].conj().T, np.sort(lam[keep])[::-1]


def test_two_element_sign_convention():
    cs = causet.from_coordinates(np.array([[0.0, 0.0], [1.0, 0.0]]))
    np.testing.assert_array_equal(pycauset.to_numpy(cs.propagator()), [[0.0, 0.0], [0.5, 0.0]])
    np.testing.assert_array_equal(pycauset.to_numpy(cs.pauli_jordan()), [[0.0, -0.5], [0.5, 0.0]])
    np.testing.assert_allclose(cs.sj_spectrum(), [0.5])
    w = pycauset.to_numpy(cs.sj_wightman())
    np.testing.assert_allclose(w, [[0.25, -0.25j], [0.25j, 0.25]], atol=1e-15)


def test_four_dimensional_propagator_uses_links_not_relations():
    chain = np.array([[0.0, 0, 0, 0], [1.0, 0, 0, 0], [2.0, 0, 0, 0]])
    cs = causet.from_coordinates(chain, density=4.0)
    k = pycauset.to_numpy(cs.propagator())
    s = math.sqrt(4.0) / (2 * math.pi * math.sqrt(6))
    np.testing.assert_allclose(k, [[0, 0, 0], [s, 0, 0], [0, s, 0]], rtol=1e-15)  # K[2, 0] = 0: no link 0-2


def test_other_dimensions_and_bad_masses_raise():
    cs = causet.sprinkle(causet.MinkowskiDiamond(3), n=20, seed=1)
    with pytest.raises(NotImplementedError, match="d = 2 and d = 4"):
        cs.propagator()
    with pytest.raises(pycauset.PyCausetError):
        cs.propagator()
    cs2 = causet.sprinkle(causet.MinkowskiDiamond(2), n=20, seed=1)
    with pytest.raises(ValueError, match="mass must be"):
        cs2.propagator(-1.0)
    with pytest.raises(ValueError, match="positive number of eigenvalues"):
        cs2.sj_spectrum(k=0)
    with pytest.raises(IndexError, match="subset indices"):
        cs2.entanglement_entropy([0, 25])


@pytest.mark.parametrize("d,region", [(2, "diamond"), (2, "box"), (4, "diamond"), (4, "cylinder")])
@pytest.mark.parametrize("n", [1, 2, 3, 64, 65, 300])
@pytest.mark.parametrize("mass", [0.0, 1.7])
def test_propagator_and_pauli_jordan_match_a_dense_reference(d, region, n, mass):
    make = {"diamond": causet.MinkowskiDiamond, "box": causet.MinkowskiBox, "cylinder": causet.MinkowskiCylinder}
    cs = causet.sprinkle(make[region](d), n=n, seed=n + d)
    expected = _dense_propagator(cs, mass)
    k = pycauset.to_numpy(cs.propagator(mass))
    np.testing.assert_allclose(k, expected, rtol=1e-10, atol=1e-12)
    assert not np.triu(k).any()  # lower triangular: row = later element
    np.testing.assert_allclose(pycauset.to_numpy(cs.pauli_jordan(mass)), expected - expected.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d,mass", [(2, 0.0), (2, 2.0), (4, 0.0)])
def test_spectrum_wightman_against_the_eigenvectors_of_i_delta(d, mass):
    cs = causet.sprinkle(causet.MinkowskiDiamond(d), n=150, seed=7)
    delta = pycauset.to_numpy(cs.pauli_jordan(mass))
    w_ref, lam = _positive_part(delta)
    lam = lam[lam > 150 * np.finfo(float).eps * lam[0]]
    np.testing.assert_allclose(cs.sj_spectrum(mass), lam, rtol=1e-10, atol=1e-12 * lam[0])
    np.testing.assert_allclose(pycauset.to_numpy(cs.sj_wightman(mass)), w_ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mass", [0.0, 1.0])
def test_iterative_top_of_the_spectrum_equals_the_dense_one(mass):
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=600, seed=8)
    full = cs.sj_spectrum(mass)
    np.testing.assert_allclose(cs.sj_spectrum(mass, k=12), full[:12], rtol=1e-8)


def test_entropy_of_the_pure_state_is_zero_and_truncation_matches_a_reference():
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=200, seed=9)
    assert abs(cs.entanglement_entropy(np.arange(200), truncate=False)) < 1e-8
    # Reference of the double truncation, written independently with eigh of both restricted matrices.
    delta = pycauset.to_numpy(cs.pauli_jordan())
    lam, vec = np.linalg.eigh(1j * delta)
    keep = np.abs(lam) > math.sqrt(200) / (4 * math.pi)
    idelta_t = (vec[:, keep] * lam[keep]) @ vec[:, keep].conj().T
    pos = keep & (lam > 0)
    w_t = (vec[:, pos] * lam[pos]) @ vec[:, pos].conj().T
    sub = np.arange(0, 200, 2)
    l2, v2 = np.linalg.eigh(idelta_t[np.ix_(sub, sub)])
    k2 = np.abs(l2) > math.sqrt(len(sub)) / (4 * math.pi)
    mu = np.linalg.eigvals(np.linalg.solve(np.diag(l2[k2]), v2[:, k2].conj().T @ w_t[np.ix_(sub, sub)] @ v2[:, k2])).real
    expected = sum(m * math.log(abs(m)) for m in mu if abs(m) > 1e-12)
    assert cs.entanglement_entropy(sub) == pytest.approx(expected, rel=1e-8, abs=1e-10)
    mask = np.zeros(200, bool)
    mask[sub] = True
    assert cs.entanglement_entropy(mask) == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_out_of_core_propagator_equals_the_in_ram_one(budget):
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=700, seed=10)
    in_ram = pycauset.to_numpy(cs.propagator(1.3))
    spilled = causet.CausalSet(to_pycauset(pycauset.to_numpy(cs.causal), "file"), density=cs.density)
    spilled.d = 2
    budget(1 << 20)
    k = spilled.propagator(1.3)
    assert k.storage == "file"
    np.testing.assert_allclose(pycauset.to_numpy(k, allow_huge=True), in_ram, rtol=1e-12, atol=1e-14)


def _laguerre(n, x):
    return sum(math.comb(n, k) * (-x) ** k / math.factorial(k) for k in range(n + 1))


def test_two_dimensional_tips_average_to_half_the_laguerre_polynomial():
    # Exactly n interior points: E[K_R(top, bottom)] = ½ L_n(m²τ²/(4n)) (Johnston), here with x = 0.8.
    n, tau, samples = 12, 1.0, 300
    mass = math.sqrt(0.8 * 4 * n) / tau
    region = causet.MinkowskiDiamond(2, T=tau)
    values = []
    for seed in range(samples):
        inner = region.sample(n, seed=seed)
        points = np.vstack([[-tau / 2, 0.0], inner, [tau / 2, 0.0]])
        cs = causet.from_coordinates(points, density=n / region.volume)
        k = pycauset.to_numpy(cs.propagator(mass))
        values.append(k[n + 1, 0])
    mean, sd = np.mean(values), np.std(values, ddof=1)
    assert abs(mean - 0.5 * _laguerre(n, 0.8)) < 5 * sd / math.sqrt(samples)


def _tan_roots(count):
    """Sorted positive roots of {kπ} ∪ {tan x = 2x} (bisection; 1.1656, π, 4.6042, 2π, ...)."""
    roots = [k * math.pi for k in range(1, count + 1)]
    for k in range(count):
        lo, hi = max(0.5, k * math.pi - math.pi / 2 + 1e-9), k * math.pi + math.pi / 2 - 1e-9
        for _ in range(200):
            mid = (lo + hi) / 2
            (lo, hi) = (mid, hi) if math.tan(mid) - 2 * mid < 0 else (lo, mid)
        roots.append((lo + hi) / 2)
    return sorted(roots)[:count]


def test_massless_diamond_spectrum_follows_the_continuum():
    n, samples = 1000, 4
    x = np.asarray(_tan_roots(4))
    ratios, counts = [], []
    for seed in range(samples):
        spectrum = causet.sprinkle(causet.MinkowskiDiamond(2), n=n, seed=100 + seed).sj_spectrum()
        ratios.append(spectrum[:4] * 4 * x / n)  # λ_j ≈ n / (4 x_j)
        counts.append((spectrum > math.sqrt(n) / (4 * math.pi)).sum() / (2 * math.sqrt(n)))
    ratios = np.asarray(ratios)
    # 5 sigma of the mean over the sprinklings, plus 2% for the finite-n corrections (about 1% at n = 1000).
    bound = 5 * ratios.std(axis=0, ddof=1) / math.sqrt(samples) + 0.02
    assert np.all(np.abs(ratios.mean(axis=0) - 1) < bound), (ratios.mean(axis=0), bound)
    assert abs(np.mean(counts) - 1) < 0.06  # about 2√n eigenvalues above √n/(4π)
