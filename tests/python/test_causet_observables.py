"""Observables of causal sets: exact agreement with a dense NumPy reference, hand-made posets with known
answers, and the sprinkler's statistics against the continuum (fixed seeds, 5-sigma bounds)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import pycauset
from pycauset import causet

import causet_reference as ref
from causet_reference import DIMENSIONS, REGIONS, make_region


def same_float(a, b, tol=1e-10):
    if math.isnan(b):
        return math.isnan(a)
    return abs(a - b) <= tol * max(1.0, abs(b))


def chain(n):
    return np.triu(np.ones((n, n), dtype=bool), 1)


# The 4-element diamond: 0 < 1, 0 < 2, 1 < 3, 2 < 3 and (transitively) 0 < 3.
DIAMOND4 = np.array([[0, 1, 1, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=bool)


# ---- hand-made posets --------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 10, 70])
def test_chain(n):
    cs = causet.CausalSet(chain(n))
    assert cs.relations() == n * (n - 1) // 2
    assert cs.height() == n
    assert cs.is_transitive()
    np.testing.assert_array_equal(pycauset.to_numpy(cs.links()), np.eye(n, k=1, dtype=bool))
    np.testing.assert_array_equal(cs.interval_abundances(), np.arange(n - 1, 0, -1))  # N_k = n - 1 - k
    if n >= 2:
        assert cs.ordering_fraction() == 1.0
        assert cs.dimension() == 1.0


@pytest.mark.parametrize("n", [1, 2, 65])
def test_antichain(n):
    cs = causet.CausalSet(np.zeros((n, n), dtype=bool))
    assert cs.relations() == 0 and cs.height() == 1 and cs.is_transitive()
    assert not pycauset.to_numpy(cs.links()).any()
    assert not cs.interval_abundances().any()
    assert math.isnan(cs.dimension()) and math.isnan(cs.dimension("midpoint"))
    assert cs.action(2) == 2 * n and cs.action(4) == pytest.approx(4 / math.sqrt(6) * n)


def test_empty_causal_set():
    cs = causet.CausalSet(np.zeros((0, 0), dtype=bool))
    assert cs.n == 0 and cs.relations() == 0 and cs.height() == 0
    assert math.isnan(cs.ordering_fraction()) and cs.interval_abundances().size == 0


def test_four_element_diamond():
    cs = causet.CausalSet(DIAMOND4)
    assert cs.relations() == 5 and cs.height() == 3 and cs.is_transitive()
    assert cs.ordering_fraction() == 5 / 6
    np.testing.assert_array_equal(cs.interval_abundances(), [4, 0, 1])
    np.testing.assert_array_equal(cs.interval_abundances(kmax=4), [4, 0, 1, 0, 0])
    np.testing.assert_array_equal(pycauset.to_numpy(cs.links()), DIAMOND4 & ~np.eye(4, k=3, dtype=bool))
    assert cs.action(2) == 2 * (4 - 2 * 4 + 4 * 0 - 2 * 1)
    assert cs.action(4) == pytest.approx(4 / math.sqrt(6) * (4 - 4 - 16 * 1))
    # (0, 3) has the largest interval {1, 2}; each midpoint splits it into halves of size 0: no midpoint.
    assert math.isnan(cs.dimension("midpoint"))


def test_a_relation_that_is_not_transitive():
    not_closed = np.zeros((3, 3), dtype=bool)
    not_closed[0, 1] = not_closed[1, 2] = True
    assert not causet.CausalSet(not_closed).is_transitive()
    not_closed[0, 2] = True
    assert causet.CausalSet(not_closed).is_transitive()


def test_midpoint_dimension_of_a_long_chain():
    # A chain of 2m + 3 elements: the largest interval (ends) holds 2m + 1, the best midpoint halves it.
    cs = causet.CausalSet(chain(23))
    assert cs.dimension("midpoint") == pytest.approx(math.log2(21 / 10))


# ---- every observable against the dense reference ------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 64, 65, 129])
@pytest.mark.parametrize("kind", REGIONS)
@pytest.mark.parametrize("d", DIMENSIONS)
def test_observables_equal_the_reference(d, kind, n):
    cs = causet.sprinkle(make_region(kind, d), n=n, seed=7 * n + d)
    C = pycauset.to_numpy(cs.causal)
    check_against_reference(cs, C)


@pytest.mark.parametrize("d", DIMENSIONS)
def test_observables_equal_the_reference_at_2000_points(d):
    cs = causet.sprinkle(causet.MinkowskiDiamond(d), n=2000, seed=d)
    check_against_reference(cs, pycauset.to_numpy(cs.causal))


def check_against_reference(cs, C):
    n = C.shape[0]
    pairs = n * (n - 1) // 2
    assert cs.relations() == int(C.sum())
    assert same_float(cs.ordering_fraction(), C.sum() / pairs if pairs else math.nan)
    assert cs.height() == ref.height(C)
    assert cs.is_transitive() == ref.is_transitive(C)
    np.testing.assert_array_equal(pycauset.to_numpy(cs.links()), ref.links(C))
    N = ref.abundances(C, max(n - 2, 3))
    np.testing.assert_array_equal(cs.interval_abundances(), N[: max(n - 1, 0)])
    np.testing.assert_array_equal(cs.interval_abundances(kmax=3), N[:4])
    assert same_float(cs.dimension(), ref.myrheim_meyer(C.sum() / pairs if pairs else math.nan))
    assert same_float(cs.dimension("midpoint"), ref.midpoint_dimension(C))
    for d in (2, 3, 4):
        for epsilon in (1.0, 0.7, 0.25):
            assert same_float(cs.action(d, epsilon), ref.action(d, n, N, epsilon), tol=1e-10 * max(1, n))


def test_action_defaults_to_the_region_dimension():
    cs = causet.sprinkle(causet.MinkowskiDiamond(3), n=100, seed=1)
    assert cs.action() == cs.action(3)
    with pytest.raises(ValueError, match="pass d="):
        causet.CausalSet(DIAMOND4).action()


@pytest.mark.parametrize("call, error, message", [
    (lambda cs: cs.action(5), NotImplementedError, "d = 2, 3, 4"),
    (lambda cs: cs.action(2, 0.0), ValueError, "epsilon"),
    (lambda cs: cs.action(2, 1.5), ValueError, "epsilon"),
    (lambda cs: cs.dimension("spectral"), ValueError, "myrheim-meyer"),
    (lambda cs: cs.interval_abundances(kmax=-1), ValueError, "kmax"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message) as info:
        call(causet.CausalSet(DIAMOND4))
    assert isinstance(info.value, pycauset.PyCausetError)


def test_smeared_action_tends_to_the_local_one():
    cs = causet.sprinkle(causet.MinkowskiDiamond(4), n=300, seed=3)
    for d in (2, 3, 4):
        assert cs.action(d, 1 - 1e-9) == pytest.approx(cs.action(d), rel=1e-5, abs=1e-5)


# ---- statistics against the continuum -----------------------------------------------------------

def test_two_dimensional_abundance_means_are_exact():
    # E[N_k] for a fixed-n 2-D diamond is exact at every n; the mean of 16 sprinklings within 5 standard errors.
    n, runs = 300, 16
    samples = np.array([causet.sprinkle(causet.MinkowskiDiamond(2), n=n, seed=1000 + s).interval_abundances(kmax=3)
                        for s in range(runs)], dtype=float)
    for k in range(4):
        error = np.std(samples[:, k], ddof=1) / math.sqrt(runs)
        assert abs(samples[:, k].mean() - ref.expected_abundance_2d(n, k)) < 5 * error


def test_expected_links_formula_matches_the_abundance_formula():
    for n in (2, 10, 300):
        assert ref.expected_abundance_2d(n, 0) == pytest.approx((n + 1) * ref.harmonic(n) - 2 * n, rel=1e-12)


@pytest.mark.parametrize("d, expected, sd_coefficient", [(2, 2.0, 0.333 / 0.375), (3, 3.0, 0.297 / 0.1849),
                                                          (4, 4.0, 0.200 / 0.0842)])
def test_myrheim_meyer_dimension_of_a_diamond(d, expected, sd_coefficient):
    n = 2000
    cs = causet.sprinkle(causet.MinkowskiDiamond(d), n=n, seed=20 + d)
    assert abs(cs.dimension() - expected) < 5 * sd_coefficient / math.sqrt(n)


@pytest.mark.parametrize("d, p3", [(2, 1 / 6), (3, 4 / 175), (4, 1 / 350)])
def test_mean_number_of_three_chains(d, p3):
    # sum over pairs of |I| counts the 3-chains: E = binom(n, 3) P_3 (Meyer). Mean of 8 within 5 standard errors.
    n, runs = 200, 8
    chains = []
    for s in range(runs):
        N = causet.sprinkle(causet.MinkowskiDiamond(d), n=n, seed=300 + s).interval_abundances()
        chains.append(float(np.dot(np.arange(N.size), N)))
    error = np.std(chains, ddof=1) / math.sqrt(runs)
    assert abs(np.mean(chains) - math.comb(n, 3) * p3) < 5 * error


def test_observables_of_a_spilled_causal_matrix(budget):
    in_ram = causet.sprinkle(causet.MinkowskiDiamond(2), n=3001, seed=4)
    expected = (in_ram.relations(), in_ram.height(), in_ram.interval_abundances(kmax=5).tolist(),
                bytes(in_ram.links().packbits()), in_ram.dimension("midpoint"))
    budget(1 << 20)
    spilled = causet.sprinkle(causet.MinkowskiDiamond(2), n=3001, seed=4)
    assert spilled.causal.storage == "file"
    assert (spilled.relations(), spilled.height(), spilled.interval_abundances(kmax=5).tolist(),
            bytes(spilled.links().packbits()), spilled.dimension("midpoint")) == expected


def test_progress_bars_are_drawn(capsys):
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=400, seed=2)
    expected = cs.interval_abundances(kmax=2)
    np.testing.assert_array_equal(cs.interval_abundances(kmax=2, progress=True), expected)
    assert cs.height(progress=True) == cs.height()
    assert "interval abundances of 400 elements" in capsys.readouterr().err
