"""Python threads running pycauset work at the same time: kernels release the GIL and stay correct."""
from __future__ import annotations

import threading

import numpy as np

import pycauset


def _run_in_threads(worker, count=4):
    errors = []

    def guarded(k):
        try:
            worker(k)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_concurrent_imports_exports_and_products_are_correct():
    def worker(k):
        rng = np.random.default_rng(k)
        for _ in range(5):
            a = rng.random((150, 120))
            b = rng.random((120, 90))
            m = pycauset.matrix(a)
            np.testing.assert_array_equal(pycauset.to_numpy(m.T), a.T)
            np.testing.assert_allclose(pycauset.to_numpy(pycauset.matmul(m, pycauset.matrix(b))), a @ b, rtol=1e-12)

    _run_in_threads(worker)


def test_concurrent_spilling_under_a_small_budget_keeps_values(budget):
    budget(2 * 2**20)

    def worker(k):
        arrays = [pycauset.random.uniform((300, 300), seed=100 * k + i) for i in range(4)]  # 720 KB each
        expected = [pycauset.to_numpy(pycauset.random.uniform((300, 300), seed=100 * k + i), allow_huge=True)
                    for i in range(4)]
        for array, values in zip(arrays, expected):
            np.testing.assert_array_equal(pycauset.to_numpy(array, allow_huge=True), values)

    _run_in_threads(worker)
    info = pycauset.memory_info()
    assert info["spills"] > 0
