"""The dask hand-off: to_dask reads tiles lazily, from_dask / da.store stream into pycauset objects, with the
threaded scheduler and a distributed LocalCluster of 2 worker processes."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset

from conftest import assert_eq, make_array, to_pycauset

da = pytest.importorskip("dask.array")


@pytest.mark.parametrize("storage_kind", ["ram", "file"])
def test_to_dask_reads_blocks_and_reduces(storage_kind):
    a = make_array((130, 70), "float64", seed=1)
    x = pycauset.to_dask(to_pycauset(a, storage_kind), chunks=(40, 32))
    assert x.shape == a.shape and x.dtype == a.dtype and x.chunks[0] == (40, 40, 40, 10)
    np.testing.assert_allclose(x.sum().compute(scheduler="threads"), a.sum())
    np.testing.assert_allclose(x.mean(axis=0).compute(), a.mean(axis=0))
    np.testing.assert_array_equal(x[5:100:3, 7].compute(), a[5:100:3, 7])
    np.testing.assert_array_equal((x.T @ x).compute(), a.T @ a)


def test_dask_reductions_on_pycauset_chunks_pass_dtype_and_keepdims():
    # dask's own from_array hands pycauset objects to np.sum(chunk, dtype=, keepdims=): NumPy's fallback.
    a = make_array((64, 48), "int32", seed=2)
    x = da.from_array(pycauset.matrix(a), chunks=(16, 16), asarray=False)
    assert int(x.sum(dtype=np.int64).compute()) == int(a.sum(dtype=np.int64))


@pytest.mark.parametrize("dtype", ["float32", "int16", "bool", "complex128"])
def test_from_dask_and_store_stream_into_pycauset(dtype, tmp_path, budget):
    a = make_array((200, 150), dtype, seed=3)
    x = da.from_array(a, chunks=(64, 50))
    budget(1 << 20)  # the 200 x 150 target may spill: slices are assigned chunk by chunk
    out = pycauset.from_dask(x)
    assert_eq(out, a)
    saved = pycauset.from_dask(x, path=tmp_path / "x.pycauset")
    assert saved.storage == "file"
    assert_eq(saved, a)
    target = pycauset.zeros((200, 150), dtype=dtype)
    da.store(x, target, lock=True)
    assert_eq(target, a)


def test_vectors_and_bad_ranks():
    v = make_array((1000,), "float64", seed=4)
    assert_eq(pycauset.from_dask(da.from_array(v, chunks=300)), v)
    np.testing.assert_array_equal(pycauset.to_dask(pycauset.vector(v), chunks=300).compute(), v)
    with pytest.raises(ValueError, match="1-D and 2-D"):
        pycauset.from_dask(da.zeros((2, 2, 2)))


@pytest.mark.slow
def test_distributed_local_cluster_with_two_workers(tmp_path):
    distributed = pytest.importorskip("distributed")
    a = make_array((300, 200), "float64", seed=5)
    path = tmp_path / "a.pycauset"
    pycauset.save(pycauset.matrix(a), path)
    loaded = pycauset.load(path)  # travels to the worker processes by reference
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            x = pycauset.to_dask(loaded, chunks=(100, 100))
            np.testing.assert_allclose(x.sum(axis=1).compute(), a.sum(axis=1))
            out = pycauset.from_dask(da.from_array(a, chunks=(100, 100)) * 2)
            assert_eq(out, a * 2)
