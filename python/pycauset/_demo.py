"""The demo: a guided run that does real out-of-core work under a deliberately small memory budget."""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

import pycauset


def _mib(nbytes: int) -> str:
    return f"{nbytes / 2**20:,.1f} MiB"


def _step(title: str) -> None:
    print(f"\n== {title}")


def run_demo(size: int = 3072, budget="32M", progress=None) -> int:
    """Run the tour and print a summary; return 0 when every check passed."""
    checks = []

    def check(name, ok):
        checks.append((name, bool(ok)))
        print(f"   [{'ok' if ok else 'FAILED'}] {name}")

    pycauset.set_memory_limit(budget)
    limit = pycauset.get_memory_limit()
    blas = pycauset.blas_info()
    print(f"pycauset {pycauset.__version__}: budget {_mib(limit)}, {pycauset.get_num_threads()} threads, "
          f"OpenBLAS core {blas['core']} (AVX-512: {blas['avx512']})")

    _step("1. Placement: small objects stay in RAM, big ones spill to files")
    small = pycauset.matrix(np.arange(12.0).reshape(3, 4))
    big = pycauset.random.uniform((size, size), seed=1)
    print(f"   small {small.shape}: {small.storage};  big {big.shape} ({_mib(big.nbytes)}): {big.storage} at {big.path}")
    check("big matrix lives in a spill file", big.storage == "file")
    info = pycauset.memory_info()
    print(f"   memory_info: ram {_mib(info['ram_bytes'])}, file {_mib(info['file_bytes'])}, spills {info['spills']}")
    # Two RAM-sized matrices that together exceed the budget: the least recently used one spills.
    side = int((limit * 0.6 / 8) ** 0.5)
    first = pycauset.random.normal((side, side), seed=2)
    second = pycauset.random.normal((side, side), seed=3)
    print(f"   two {side}x{side} matrices ({_mib(first.nbytes)} each): first -> {first.storage}, second -> {second.storage}")
    check("least recently used matrix spilled", first.storage == "file" and second.storage == "ram")

    _step("2. NumPy round trip")
    view = np.asarray(small)
    print(f"   np.asarray(small) shares memory (read-only view): writeable={view.flags.writeable}")
    back = pycauset.matrix(view.T * 2)
    check("NumPy -> pycauset -> NumPy is exact", np.array_equal(pycauset.to_numpy(back), view.T * 2))
    try:
        np.asarray(big)
        check("export guard refuses a file-backed matrix", False)
    except pycauset.ExportGuardError as error:
        print(f"   np.asarray(big) -> ExportGuardError: {str(error)[:90]}...")
        check("export guard refuses a file-backed matrix", True)

    _step(f"3. Out-of-core matmul, N={size} (operands and result exceed the budget)")
    other = pycauset.random.uniform((size, size), seed=4)
    start = time.perf_counter()
    product = pycauset.matmul(big, other, progress=progress)
    seconds = time.perf_counter() - start
    gflops = 2 * size**3 / seconds / 1e9
    print(f"   C = A @ B: {seconds:.2f} s, {gflops:.1f} GFLOP/s, result in {product.storage}")
    rows = [0, size // 2, size - 1]
    sample_ok = True
    for i in rows:
        a_row = pycauset.to_numpy(big[i], allow_huge=True)
        b_col = pycauset.to_numpy(other[:, size // 3], allow_huge=True)
        sample_ok &= np.isclose(product[i, size // 3], a_row @ b_col, rtol=1e-10)
    check("sampled entries of A @ B match NumPy", sample_ok)

    _step(f"4. Out-of-core inverse, N={size} (matrix and inverse exceed the budget)")
    n = size
    a = pycauset.random.uniform((n, n), seed=5)
    start = time.perf_counter()
    inverse = pycauset.linalg.inv(a, progress=progress)
    seconds = time.perf_counter() - start
    print(f"   inv(A): {seconds:.2f} s, {2 * n**3 / seconds / 1e9:.1f} GFLOP/s, result in {inverse.storage}")
    check("inverse was computed out of core into a file", inverse.storage == "file")
    columns = [0, n // 2, n - 1]
    residual = 0.0
    for j in columns:
        x = pycauset.to_numpy(inverse[:, j], allow_huge=True)
        ax = pycauset.to_numpy(pycauset.matmul(a, pycauset.vector(x)), allow_huge=True)
        e = np.zeros(n)
        e[j] = 1.0
        residual = max(residual, float(np.linalg.norm(ax - e)))
    print(f"   max residual |A x_j - e_j| over sampled columns: {residual:.2e}")
    check("inverse residual is small", residual < 1e-6)

    _step("5. Save and load (atomic container, read-only mapping, copy-on-write)")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "product.pycauset")
        start = time.perf_counter()
        pycauset.save(product, path)
        saved = time.perf_counter() - start
        loaded = pycauset.load(path)
        print(f"   saved {_mib(os.path.getsize(path))} in {saved:.2f} s; loaded: {loaded.storage}, O(1) mapping")
        check("loaded values equal the saved ones", loaded[size - 1, 0] == product[size - 1, 0])
        loaded[0, 0] = -1.0
        reread = pycauset.load(path)
        check("mutating a loaded matrix leaves the file intact", reread[0, 0] == product[0, 0])
        del loaded, reread

    _step("6. A causal set: sprinkle a 2-D diamond, count relations, estimate the dimension")
    from . import causet

    points = max(2000, size)
    start = time.perf_counter()
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=points, seed=1)
    sprinkled = time.perf_counter() - start
    fraction = cs.ordering_fraction()
    print(f"   {points} points: causal matrix of {_mib((points * points + 7) // 8)} of bits in {sprinkled:.2f} s "
          f"({cs.causal.storage}); ordering fraction {fraction:.4f} (expected 1/2), Myrheim-Meyer dimension "
          f"{cs.dimension():.3f}, N_0..N_2 {cs.interval_abundances(kmax=2).tolist()}")
    # sd of the ordering fraction of n points in a 2-D diamond: about 0.333 / sqrt(n) (Surya 2019).
    check("ordering fraction within 5 sigma of 1/2", abs(fraction - 0.5) < 5 * 0.333 / points ** 0.5)

    _step("Summary")
    info = pycauset.memory_info()
    print(f"   budget {_mib(info['budget'])}; live RAM {_mib(info['ram_bytes'])}, live files {_mib(info['file_bytes'])}, "
          f"spill events {info['spills']}")
    failed = [name for name, ok in checks if not ok]
    print(f"   {len(checks) - len(failed)}/{len(checks)} checks passed" + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0
