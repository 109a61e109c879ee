"""DLPack: RAM-backed dense objects export read-only and zero-copy; others say how to export."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset

from conftest import NUMERIC_DTYPES, make_array, to_pycauset


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
def test_from_dlpack_shares_memory_read_only(dtype):
    a = make_array((5, 7), dtype, seed=1)
    M = pycauset.matrix(a)
    for obj, expected in [(M, a), (M.T, a.T), (M[1:4, ::2], a[1:4, ::2]), (pycauset.vector(a[0]), a[0])]:
        got = np.from_dlpack(obj)
        np.testing.assert_array_equal(got, expected)
        assert not got.flags.writeable
    assert np.shares_memory(np.from_dlpack(M), pycauset.to_numpy(M, copy=False))
    assert M.__dlpack_device__() == (1, 0)


def test_file_backed_and_bool_objects_refuse_with_the_way_out():
    with pytest.raises(TypeError, match="to_numpy"):
        np.from_dlpack(to_pycauset(make_array((4, 4), "float64"), "file"))
    with pytest.raises(pycauset.PyCausetError):
        np.from_dlpack(pycauset.matrix(np.eye(3, dtype=bool)))
