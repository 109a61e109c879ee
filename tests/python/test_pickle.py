"""Pickling and deep copies: RAM objects by value, saved files by reference, large spills refused."""
from __future__ import annotations

import copy
import multiprocessing
import pickle

import numpy as np
import pytest

import pycauset

from conftest import DTYPES, assert_eq, make_array, to_pycauset


@pytest.mark.parametrize("dtype", DTYPES)
def test_ram_objects_round_trip_by_value(dtype):
    a = make_array((13, 17), dtype, seed=1)
    for obj, expected in [(pycauset.matrix(a), a), (pycauset.vector(a[0]), a[0]), (pycauset.matrix(a).T, a.T),
                          (pycauset.matrix(a)[2:9:2, 3:], a[2:9:2, 3:])]:
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj) and back.storage == "ram"
        assert_eq(back, expected)
        assert_eq(copy.deepcopy(obj), expected)


def test_expressions_pickle_as_their_result():
    a = make_array((5, 6), "float64", seed=2)
    A = pycauset.matrix(a)
    assert_eq(pickle.loads(pickle.dumps(A * 2 + 1)), a * 2 + 1)


def test_saved_files_pickle_by_reference(tmp_path):
    a = make_array((300, 200), "float64", seed=3)
    path = tmp_path / "m.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    loaded = pycauset.load(path)
    data = pickle.dumps(loaded[10:250:3, 5:].T)
    assert len(data) < 1000  # the path and the view, not 480 KB of elements
    back = pickle.loads(data)
    assert back.storage == "file" and back.path == loaded.path
    assert_eq(back, a[10:250:3, 5:].T)


def test_large_spills_are_refused_with_the_way_out(budget):
    big = to_pycauset(make_array((600, 600), "float64", seed=4), "file")
    budget(1 << 20)  # allowance 256 KiB; the object is 2.7 MiB
    with pytest.raises(TypeError, match="Save it first") as info:
        pickle.dumps(big)
    assert isinstance(info.value, pycauset.PyCausetError)
    small = to_pycauset(make_array((10, 10), "float64", seed=5), "file")
    assert_eq(pickle.loads(pickle.dumps(small)), make_array((10, 10), "float64", seed=5))


def _total(m):
    return float(pycauset.sum(m))


def test_multiprocessing_sends_objects_to_workers():
    a = make_array((20, 30), "float64", seed=6)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_total, (pycauset.matrix(a),)) == pytest.approx(a.sum())
