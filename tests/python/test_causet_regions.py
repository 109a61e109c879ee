"""Regions of Minkowski space: volumes, membership, the relation test and the exact samplers."""
from __future__ import annotations

import math

import numpy as np
import pytest

import pycauset
from pycauset import causet

from causet_reference import DIMENSIONS, REGIONS, make_region


@pytest.mark.parametrize("d, zeta", [(2, 0.5), (3, math.pi / 12), (4, math.pi / 24)])
def test_diamond_volume_is_zeta_d_T_to_the_d(d, zeta):
    assert causet.MinkowskiDiamond(d).volume == pytest.approx(zeta, rel=1e-14)
    assert causet.MinkowskiDiamond(d, T=3.0).volume == pytest.approx(zeta * 3.0 ** d, rel=1e-14)


@pytest.mark.parametrize("d", DIMENSIONS)
def test_box_and_cylinder_volume(d):
    assert causet.MinkowskiBox(d, T=2.0, L=3.0).volume == pytest.approx(2.0 * 3.0 ** (d - 1), rel=1e-14)
    assert causet.MinkowskiCylinder(d, T=2.0, L=3.0).volume == pytest.approx(2.0 * 3.0 ** (d - 1), rel=1e-14)


@pytest.mark.parametrize("kind", REGIONS)
@pytest.mark.parametrize("d", DIMENSIONS)
def test_samples_lie_inside_and_repeat_per_seed(kind, d):
    region = make_region(kind, d, T=2.0, L=1.5)
    points = region.sample(500, seed=3)
    assert points.shape == (500, d) and points.dtype == np.float64
    assert region.contains(points).all()
    np.testing.assert_array_equal(points, region.sample(500, seed=3))
    assert not np.array_equal(points, region.sample(500, seed=4))
    assert region.sample(0, seed=1).shape == (0, d)


@pytest.mark.parametrize("d", DIMENSIONS)
def test_diamond_sampler_is_uniform(d):
    # Volume fractions of the diamond: the inner diamond |t| + |x| <= T/4 holds 2^-d of it, the slab
    # |t| <= T/4 holds 1 - 2^-d (each tip cap is a cone of half the height), the future half 1/2.
    n = 40000
    points = causet.MinkowskiDiamond(d, T=2.0).sample(n, seed=11)
    radius = np.linalg.norm(points[:, 1:], axis=1)
    for observed, p in [
        (np.mean(np.abs(points[:, 0]) + radius <= 0.5), 2.0 ** -d),
        (np.mean(np.abs(points[:, 0]) <= 0.5), 1 - 2.0 ** -d),
        (np.mean(points[:, 0] > 0), 0.5),
        (np.mean(points[:, 1] > 0), 0.5),
    ]:
        assert abs(observed - p) < 5 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("kind", ["box", "cylinder"])
@pytest.mark.parametrize("d", DIMENSIONS)
def test_box_sampler_is_uniform(kind, d):
    n = 40000
    points = make_region(kind, d, T=2.0, L=3.0).sample(n, seed=5)
    scale = np.array([2.0] + [3.0] * (d - 1))
    fraction = np.mean(points < scale / 3, axis=0)
    assert np.all(np.abs(fraction - 1 / 3) < 5 * math.sqrt(2 / 9 / n))


def test_contains_edges():
    diamond = causet.MinkowskiDiamond(2, T=2.0)
    assert diamond.contains([[0.0, 0.0], [0.5, 0.5], [1.0, 0.0]]).tolist() == [True, True, True]
    assert diamond.contains([[0.5, 0.6], [-1.01, 0.0]]).tolist() == [False, False]
    box = causet.MinkowskiBox(3, T=1.0, L=2.0)
    assert box.contains([[0.5, 2.0, 0.0], [0.5, 2.01, 0.0], [-0.1, 1.0, 1.0]]).tolist() == [True, False, False]
    cylinder = causet.MinkowskiCylinder(2, T=1.0, L=2.0)
    assert cylinder.contains([[0.5, 1.99], [0.5, 2.0]]).tolist() == [True, False]


def test_relation_is_strictly_timelike_and_future_directed():
    region = causet.MinkowskiBox(3, T=10.0, L=10.0)
    origin = [0.0, 0.0, 0.0]
    assert region.relation(origin, [1.0, 0.5, 0.5]) is True
    assert region.relation([1.0, 0.5, 0.5], origin) is False  # past
    assert region.relation(origin, [1.0, 1.0, 0.0]) is False  # null: dt^2 == |dx|^2
    assert region.relation(origin, [1.0, 0.8, 0.8]) is False  # spacelike
    assert region.relation(origin, origin) is False
    many = region.relation(np.zeros((2, 3)), np.array([[2.0, 1.0, 1.0], [1.0, 1.0, 1.0]]))
    assert many.tolist() == [True, False]


def test_cylinder_relation_uses_the_minimum_image():
    x, y = [0.0, 0.05], [0.2, 0.95]  # |dx| = 0.9, minimum image 0.1 < dt = 0.2
    assert causet.MinkowskiCylinder(2, T=1.0, L=1.0).relation(x, y) is True
    assert causet.MinkowskiBox(2, T=1.0, L=1.0).relation(x, y) is False
    four = causet.MinkowskiCylinder(4, T=1.0, L=1.0)
    assert four.relation([0.0, 0.05, 0.95, 0.5], [0.3, 0.95, 0.05, 0.5]) is True  # images 0.1, 0.1, 0


@pytest.mark.parametrize("make, name", [
    (lambda: causet.MinkowskiDiamond(5), "d"),
    (lambda: causet.MinkowskiDiamond(1), "d"),
    (lambda: causet.MinkowskiDiamond(2.5), "d"),
    (lambda: causet.MinkowskiDiamond(True), "d"),
    (lambda: causet.MinkowskiDiamond(2, T=0.0), "T"),
    (lambda: causet.MinkowskiDiamond(2, T=-1.0), "T"),
    (lambda: causet.MinkowskiBox(2, T=math.inf), "T"),
    (lambda: causet.MinkowskiBox(3, L=0), "L"),
    (lambda: causet.MinkowskiCylinder(4, L=math.nan), "L"),
    (lambda: causet.MinkowskiCylinder(3, L="wide"), "L"),
])
def test_bad_parameters_raise_value_error_naming_them(make, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b") as info:
        make()
    assert isinstance(info.value, pycauset.PyCausetError)


def test_bad_points_and_counts_raise():
    region = causet.MinkowskiDiamond(3)
    with pytest.raises(ValueError, match="3 coordinates"):
        region.contains(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n"):
        region.sample(-1, seed=0)


def test_regions_compare_and_print_by_value():
    assert causet.MinkowskiBox(2, T=2.0) == causet.MinkowskiBox(2, T=2.0)
    assert causet.MinkowskiBox(2) != causet.MinkowskiCylinder(2)
    assert repr(causet.MinkowskiCylinder(3, L=2.0)) == "MinkowskiCylinder(d=3, T=1.0, L=2.0)"


def test_causet_is_a_lazily_imported_submodule():
    assert "causet" in dir(pycauset)
    assert pycauset.causet is causet
    assert sorted(causet.__all__) == sorted(dir(causet))
