"""One timed side of the out-of-core gate (pycauset or the NumPy memmap baseline), run in its own
process so it can be placed in a capped memory group; prints one JSON line with its measurements."""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _ooc_baseline import memmap_inverse, memmap_matmul  # noqa: E402
from _probes import AnonPeakSampler, io_counters, io_delta, major_faults  # noqa: E402

_CHECK_SAMPLES = 4


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_matmul(a: np.ndarray, b: np.ndarray, row_of_result) -> float:
    """Largest relative error of a few sampled rows of the product against NumPy on the same inputs."""
    rng = np.random.default_rng(7)
    worst = 0.0
    for i in rng.choice(a.shape[0], size=min(_CHECK_SAMPLES, a.shape[0]), replace=False):
        ref = np.asarray(a[i]) @ b
        got = row_of_result(int(i))
        worst = max(worst, float(np.abs(got - ref).max() / np.abs(ref).max()))
    return worst


def _check_inverse(a: np.ndarray, column_of_result) -> float:
    """Largest scaled residual ‖A·x_j − e_j‖∞ / (‖A‖∞·‖x_j‖∞·n) over a few sampled columns x_j."""
    n = a.shape[0]
    rng = np.random.default_rng(7)
    worst = 0.0
    for j in rng.choice(n, size=min(_CHECK_SAMPLES, n), replace=False):
        x = column_of_result(int(j))
        r = np.empty(n)
        for r0 in range(0, n, 1024):  # stream A in row blocks
            r[r0:r0 + 1024] = np.asarray(a[r0:r0 + 1024]) @ x
        r[j] -= 1.0
        worst = max(worst, float(np.abs(r).max() / (n * np.abs(x).max())))
    return worst


def _measure(fn) -> dict:
    """Run ``fn`` once, recording wall time, I/O counters, major faults and peak anonymous memory."""
    io0, mf0 = io_counters(), major_faults()
    with AnonPeakSampler() as mem:
        t0 = time.perf_counter()
        info = fn()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "io": io_delta(io0, io_counters()), "major_faults": major_faults() - mf0,
            "anon_baseline_bytes": mem.baseline_bytes, "anon_peak_bytes": mem.peak_bytes, "plan": info}


def run_numpy(op: str, workdir: str, budget: int) -> dict:
    """The baseline: blocked NumPy kernels over np.memmap files (np.load(mmap_mode='r') inputs)."""
    a = np.load(os.path.join(workdir, "a.npy"), mmap_mode="r")
    n = a.shape[0]
    if op == "matmul":
        b = np.load(os.path.join(workdir, "b.npy"), mmap_mode="r")
        out_path = os.path.join(workdir, "c_numpy.npy")
        c = np.lib.format.open_memmap(out_path, mode="w+", dtype=np.float64, shape=(n, b.shape[1]))

        def work():
            plan = memmap_matmul(a, b, c, budget)
            c.flush()  # the result is on disk when the clock stops (same for pycauset: fsync)
            return plan
        rec = _measure(work)
        rec["check_rel_error"] = _check_matmul(a, b, lambda i: np.asarray(c[i]))
    else:
        out_path = os.path.join(workdir, "x_numpy.npy")
        x = np.lib.format.open_memmap(out_path, mode="w+", dtype=np.float64, shape=(n, n))

        def work():
            plan = memmap_inverse(a, x, budget, workdir)
            x.flush()
            return plan
        rec = _measure(work)
        rec["check_residual"] = _check_inverse(a, lambda j: np.array(x[:, j]))
    rec["result_storage"] = "file"
    rec["blas_threads_note"] = "NumPy BLAS at its default thread count"
    os.unlink(out_path)
    return rec


def _to_numpy(pc, obj) -> np.ndarray:
    try:
        return np.asarray(pc.to_numpy(obj, allow_huge=True))
    except TypeError:
        return np.asarray(pc.to_numpy(obj))


def run_pycauset(op: str, workdir: str, budget: int) -> dict:
    """pycauset on the same values: inputs loaded from .pycauset containers, result in a spill file."""
    import pycauset as pc

    pc.set_memory_limit(budget)
    a_np = np.load(os.path.join(workdir, "a.npy"), mmap_mode="r")  # for the checks only
    a = pc.load(os.path.join(workdir, "a.pycauset"))
    if op == "matmul":
        b = pc.load(os.path.join(workdir, "b.pycauset"))
        holder = {}

        def work():
            holder["c"] = pc.matmul(a, b)
            if holder["c"].path:
                _fsync(holder["c"].path)
            return {"result_storage": holder["c"].storage}
        rec = _measure(work)
        c = holder["c"]
        b_np = np.load(os.path.join(workdir, "b.npy"), mmap_mode="r")
        rec["check_rel_error"] = _check_matmul(a_np, b_np, lambda i: _to_numpy(pc, c[i]))
    else:
        holder = {}

        def work():
            holder["x"] = pc.linalg.inv(a)
            if holder["x"].path:
                _fsync(holder["x"].path)
            return {"result_storage": holder["x"].storage}
        rec = _measure(work)
        x = holder["x"]
        rec["check_residual"] = _check_inverse(a_np, lambda j: _to_numpy(pc, x[:, j]))
    rec["result_storage"] = rec["plan"]["result_storage"]
    rec["pycauset_threads"] = pc.get_num_threads()
    info = pc.memory_info()
    rec["memory_info"] = {k: v for k, v in info.items() if isinstance(v, (int, float, str, type(None)))}
    return rec


def main(argv: list[str]) -> int:
    side, op, workdir, budget = argv[0], argv[1], argv[2], int(argv[3])
    rec = run_numpy(op, workdir, budget) if side == "numpy" else run_pycauset(op, workdir, budget)
    with open("/proc/self/status") as f:
        rec["vm_hwm_kib"] = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    print("RESULT " + json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
