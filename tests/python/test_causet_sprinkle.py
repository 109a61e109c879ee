"""Sprinkling and the causal matrix: exact agreement with a dense NumPy reference, reproducibility,
natural labelling, validation, statistics of the sprinkler, and the causal matrix out of core."""
from __future__ import annotations

import hashlib
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pycauset
from pycauset import causet

from causet_reference import DIMENSIONS, REGIONS, make_region
from causet_reference import causal_matrix as reference_causal_matrix


def causal_bits(cs):
    return pycauset.to_numpy(cs.causal, allow_huge=True)


@pytest.mark.parametrize("n", [1, 2, 3, 64, 65, 129])
@pytest.mark.parametrize("kind", REGIONS)
@pytest.mark.parametrize("d", DIMENSIONS)
def test_causal_matrix_equals_the_dense_reference(d, kind, n):
    region = make_region(kind, d, T=1.0, L=0.7)
    cs = causet.sprinkle(region, n=n, seed=n + 10 * d)
    points = pycauset.to_numpy(cs.coordinates)
    assert cs.n == n and cs.d == d and cs.region == region
    assert cs.causal.dtype == np.bool_ and cs.causal.shape == (n, n)
    np.testing.assert_array_equal(causal_bits(cs), reference_causal_matrix(points, list(region.periods)))
    assert cs.relations() == int(reference_causal_matrix(points, list(region.periods)).sum())


@pytest.mark.parametrize("kind", REGIONS)
@pytest.mark.parametrize("d", DIMENSIONS)
def test_causal_matrix_equals_the_reference_at_2000_points(d, kind):
    region = make_region(kind, d, T=1.0, L=0.5)
    cs = causet.sprinkle(region, n=2003, seed=d)
    expected = reference_causal_matrix(pycauset.to_numpy(cs.coordinates), list(region.periods))
    np.testing.assert_array_equal(causal_bits(cs), expected)


def test_the_sprinkled_points_are_the_region_sample_in_natural_order():
    region = causet.MinkowskiDiamond(3, T=2.0)
    cs = causet.sprinkle(region, n=300, seed=42)
    sample = region.sample(300, seed=42)
    np.testing.assert_array_equal(pycauset.to_numpy(cs.coordinates), sample[cs.order])
    assert sorted(cs.order.tolist()) == list(range(300))
    assert np.all(np.diff(sample[cs.order][:, 0]) >= 0)
    assert cs.seed == 42 and cs.density == pytest.approx(300 / region.volume)


def test_a_seed_fixes_the_causal_set_whatever_the_thread_count():
    region = causet.MinkowskiCylinder(2, T=1.0, L=1.0)
    previous = pycauset.get_num_threads()
    try:
        pycauset.set_num_threads(1)
        one = causet.sprinkle(region, n=700, seed=9)
        pycauset.set_num_threads(2)
        two = causet.sprinkle(region, n=700, seed=9)
    finally:
        pycauset.set_num_threads(previous)
    assert bytes(one.causal.packbits()) == bytes(two.causal.packbits())
    assert not np.array_equal(causal_bits(one), causal_bits(causet.sprinkle(region, n=700, seed=10)))


def test_without_a_seed_a_fresh_one_is_recorded_and_repeats_the_sprinkling():
    region = causet.MinkowskiDiamond(2)
    first = causet.sprinkle(region, n=50)
    assert isinstance(first.seed, int)
    again = causet.sprinkle(region, n=50, seed=first.seed)
    np.testing.assert_array_equal(causal_bits(first), causal_bits(again))


def test_poisson_sprinkling_draws_its_count_from_the_seeded_stream():
    region = causet.MinkowskiBox(3, T=1.0, L=2.0)
    cs = causet.sprinkle(region, density=100.0, seed=5)
    expected = np.random.Generator(np.random.PCG64(5)).poisson(100.0 * region.volume)
    assert cs.n == expected and cs.density == 100.0
    counts = [causet.sprinkle(causet.MinkowskiDiamond(2), density=400.0, seed=s).n for s in range(30)]
    # Poisson(200): mean 200, sd sqrt(200); the mean of 30 within 5 standard errors.
    assert abs(np.mean(counts) - 200) < 5 * math.sqrt(200 / 30)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one of n"),
    ({"n": 10, "density": 1.0}, "exactly one of n"),
    ({"n": -1}, "n must be"),
    ({"n": 2.5}, "n must be"),
    ({"density": 0.0}, "density"),
    ({"density": -3.0}, "density"),
    ({"n": 5, "seed": -1}, "seed"),
])
def test_sprinkle_validates_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        causet.sprinkle(causet.MinkowskiDiamond(2), **kwargs)
    assert isinstance(info.value, pycauset.PyCausetError)


def test_sprinkle_needs_a_region():
    with pytest.raises(TypeError, match="region"):
        causet.sprinkle("diamond", n=10)


def test_from_coordinates_sorts_into_natural_order():
    rng = np.random.default_rng(0)
    points = rng.random((200, 3))
    cs = causet.from_coordinates(points)
    order = np.argsort(points[:, 0], kind="stable")
    np.testing.assert_array_equal(cs.order, order)
    np.testing.assert_array_equal(pycauset.to_numpy(cs.coordinates), points[order])
    np.testing.assert_array_equal(causal_bits(cs), reference_causal_matrix(points[order]))
    assert cs.density == 1.0 and cs.region is None and cs.seed is None and cs.d == 3


def test_from_coordinates_with_a_region_uses_its_periods_and_volume():
    region = causet.MinkowskiCylinder(2, T=1.0, L=1.0)
    points = region.sample(150, seed=2)[::-1]
    cs = causet.from_coordinates(points, region=region)
    assert cs.density == pytest.approx(150 / region.volume)
    np.testing.assert_array_equal(causal_bits(cs), reference_causal_matrix(points[cs.order], [1.0]))
    assert causet.from_coordinates(points, region=region, density=7.0).density == 7.0


@pytest.mark.parametrize("points, region, message", [
    (np.zeros((3, 5)), None, "d = 2, 3 or 4"),
    (np.zeros(4), None, "d = 2, 3 or 4"),
    ([[0.0, np.nan]], None, "finite"),
    (np.zeros((2, 3)), causet.MinkowskiDiamond(2), "region has d = 2"),
    ([[0.0, 0.9]], causet.MinkowskiDiamond(2), "outside"),
    ([[0.5, 1.0]], causet.MinkowskiCylinder(2), "outside"),
])
def test_from_coordinates_validates(points, region, message):
    with pytest.raises(ValueError, match=message):
        causet.from_coordinates(points, region=region)


def test_causal_set_from_a_matrix_must_be_strictly_upper_triangular():
    good = np.triu(np.ones((4, 4), dtype=bool), 1)
    assert causet.CausalSet(good).relations() == 6
    assert causet.CausalSet(pycauset.matrix(good)).relations() == 6
    assert causet.CausalSet(good.astype(np.int8), density=2.0).density == 2.0
    for bad in (good.T, good | np.eye(4, dtype=bool)):
        with pytest.raises(ValueError, match="strictly upper triangular") as info:
            causet.CausalSet(bad)
        assert isinstance(info.value, pycauset.PyCausetError)
        with pytest.raises(ValueError, match="strictly upper triangular"):
            causet.CausalSet(pycauset.matrix(bad))
    with pytest.raises(ValueError, match="square"):
        causet.CausalSet(np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="bool"):
        causet.CausalSet(np.full((2, 2), 2))
    with pytest.raises(TypeError, match="bool"):
        causet.CausalSet(pycauset.zeros((2, 2)))
    with pytest.raises(ValueError, match="density"):
        causet.CausalSet(good, density=0)


def test_a_sliced_view_is_checked_too():
    big = np.triu(np.ones((9, 9), dtype=bool), 1)
    view = pycauset.matrix(big)[1:8, 1:8]
    assert causet.CausalSet(view).relations() == 21
    with pytest.raises(ValueError, match="strictly upper triangular"):
        causet.CausalSet(pycauset.matrix(big.T.copy())[1:8, 1:8])


# ---- statistics of the sprinkler (fixed seeds, 5-sigma bounds) -----------------------------------

@pytest.mark.parametrize("d, fraction, sd_coefficient", [(2, 1 / 2, 0.333), (3, 8 / 35, 0.297), (4, 1 / 10, 0.200)])
def test_diamond_ordering_fraction_is_unbiased(d, fraction, sd_coefficient):
    n = 1500
    cs = causet.sprinkle(causet.MinkowskiDiamond(d), n=n, seed=100 + d)
    assert abs(cs.ordering_fraction() - fraction) < 5 * sd_coefficient / math.sqrt(n)


@pytest.mark.parametrize("kind, fraction", [("box", 1 / 2), ("cylinder", 7 / 12)])
def test_two_dimensional_box_and_cylinder_ordering_fractions(kind, fraction):
    # No closed-form variance here: compare the mean of 12 sprinklings with 5 of its standard errors.
    region = make_region(kind, 2, T=1.0, L=1.0)
    fractions = [causet.sprinkle(region, n=400, seed=s).ordering_fraction() for s in range(12)]
    assert abs(np.mean(fractions) - fraction) < 5 * np.std(fractions, ddof=1) / math.sqrt(len(fractions))


def test_causal_matrix_out_of_core_equals_the_in_ram_one(budget):
    region = causet.MinkowskiDiamond(2)
    in_ram = causet.sprinkle(region, n=3001, seed=77)
    assert in_ram.causal.storage == "ram"
    expected = bytes(in_ram.causal.packbits())
    relations, height = in_ram.relations(), in_ram.height()
    budget(1 << 20)  # 1 MiB: the 1.07 MiB of bits must go to a spill file
    spilled = causet.sprinkle(region, n=3001, seed=77)
    assert spilled.causal.storage == "file"
    assert bytes(spilled.causal.packbits()) == expected
    assert spilled.relations() == relations and spilled.height() == height


def test_progress_bar_is_drawn(capsys):
    causet.sprinkle(causet.MinkowskiDiamond(2), n=300, seed=1, progress=True)
    assert "causal matrix of 300 points" in capsys.readouterr().err


@pytest.mark.parametrize("level", ["baseline", "avx2", "avx512"])
def test_every_instruction_set_gives_the_same_bits(level):
    # PYCAUSET_SIMD lowers the copy of the pair-test loop in use (read once per process): a child per level.
    child = textwrap.dedent("""
        import hashlib, sys
        import pycauset
        from pycauset import causet
        digest = hashlib.sha256()
        for d in (2, 3, 4):
            for region in (causet.MinkowskiDiamond(d), causet.MinkowskiCylinder(d, L=0.6)):
                digest.update(bytes(causet.sprinkle(region, n=517, seed=d).causal.packbits()))
        print(digest.hexdigest())
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYCAUSET_SIMD=level)
    result = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    digest = hashlib.sha256()
    for d in (2, 3, 4):
        for region in (causet.MinkowskiDiamond(d), causet.MinkowskiCylinder(d, L=0.6)):
            cs = causet.sprinkle(region, n=517, seed=d)
            expected = reference_causal_matrix(pycauset.to_numpy(cs.coordinates), list(region.periods))
            digest.update(bytes(np.packbits(expected)))
    assert result.stdout.strip() == digest.hexdigest()


def test_ctrl_c_interrupts_the_causal_matrix_kernel():
    # The slowest copy of the pair tests on one thread takes about 10 s at n = 100000 (5e9 pair tests); SIGINT
    # 0.3 s in must stop it long before that, even on a loaded machine where the signal arrives late.
    child = textwrap.dedent("""
        import signal, sys, time
        import pycauset
        from pycauset import causet
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (a background job)
        pycauset.set_num_threads(1)
        print("go", flush=True)
        start = time.perf_counter()
        try:
            causet.sprinkle(causet.MinkowskiDiamond(2), n=100000, seed=1)
            print("finished", flush=True)
        except KeyboardInterrupt:
            print(f"interrupted after {time.perf_counter() - start:.2f} s", flush=True)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYCAUSET_SIMD="baseline")
    process = subprocess.Popen([sys.executable, "-c", child], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "go"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert out.startswith("interrupted"), out + err
    assert float(out.split()[2]) < 5.0
