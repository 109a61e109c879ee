"""Direct-path matmul vs NumPy (float64, n x n), and optionally an out-of-core run vs the in-RAM DGEMM rate.

Usage::

    python benchmarks/direct_gemm.py [--sizes 1024 4096] [--repeats 7] [--threads N]
                                     [--ooc 8192 --budget 256M] [--out benchmarks/results/direct_gemm.json]

Direct path: both sides multiply the same RAM-resident operands; runs alternate (NumPy, pycauset,
NumPy, ...) after one warm-up each, and the median time of each side is compared (ratio = NumPy time /
pycauset time, so >= 1 means pycauset is at least as fast). Out-of-core (``--ooc N``): the operands are
generated with ``pycauset.random.uniform`` under the budget (so they land in spill files) and
``pycauset.matmul`` runs once; its GFLOP/s is compared with pycauset's own in-RAM DGEMM rate at the
largest direct size, measured just before and just after it (mean). Peak anonymous memory (RssAnon high-water mark is not exposed, so RssAnon is
sampled) and tile I/O bytes are recorded.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path


def _rss_anon() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


class _PeakSampler:
    """Sample RssAnon every few milliseconds in a thread; report the peak."""

    def __init__(self, period: float = 0.005):
        self.period = period
        self.peak = _rss_anon()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_anon())
            time.sleep(self.period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_anon())


def _direct(pc, np, n: int, repeats: int) -> dict:
    rng = np.random.default_rng(n)
    a, b = rng.random((n, n)), rng.random((n, n))
    pa, pb = pc.matrix(a), pc.matrix(b)
    assert pa.storage == "ram" and pb.storage == "ram", "direct-path operands must be RAM-resident"
    np.matmul(a, b)
    pa @ pb  # warm-up both sides (thread pools, page faults of the first result)
    t_numpy, t_pycauset = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        c_np = a @ b
        t_numpy.append(time.perf_counter() - t0)
        del c_np
        t0 = time.perf_counter()
        c_pc = pa @ pb
        t_pycauset.append(time.perf_counter() - t0)
        del c_pc
    check = pc.to_numpy(pa @ pb)
    error = float(np.max(np.abs(check - a @ b)))
    med_np, med_pc = statistics.median(t_numpy), statistics.median(t_pycauset)
    flops = 2.0 * n**3
    return {
        "n": n, "repeats": repeats,
        "numpy_seconds": t_numpy, "pycauset_seconds": t_pycauset,
        "numpy_median_s": med_np, "pycauset_median_s": med_pc,
        "numpy_gflops": flops / med_np / 1e9, "pycauset_gflops": flops / med_pc / 1e9,
        "ratio_numpy_over_pycauset": med_np / med_pc,
        "max_abs_error": error,
    }


def _out_of_core(pc, np, n: int, budget: int, ram_gflops: float | None) -> dict:
    previous = pc.get_memory_limit()
    pc.set_memory_limit(budget)
    try:
        a = pc.random.uniform((n, n), seed=1)
        b = pc.random.uniform((n, n), seed=2)
        storages = (a.storage, b.storage)
        stats0 = pc._core.tile_io_stats()
        base_rss = _rss_anon()
        with _PeakSampler() as sampler:
            t0 = time.perf_counter()
            c = pc.matmul(a, b, progress=True)
            seconds = time.perf_counter() - t0
        stats1 = pc._core.tile_io_stats()
        # Spot-check a few rows against NumPy on the same values.
        rows = [0, n // 2, n - 1]
        a_rows = np.stack([pc.to_numpy(a[i], allow_huge=True) for i in rows])
        b_full_cols = pc.to_numpy(b[:, 0:64], allow_huge=True)
        c_rows = np.stack([pc.to_numpy(c[i, 0:64], allow_huge=True) for i in rows])
        error = float(np.max(np.abs(c_rows - a_rows @ b_full_cols)))
        gflops = 2.0 * n**3 / seconds / 1e9
        return {
            "n": n, "budget_bytes": budget, "operand_storage": storages, "result_storage": c.storage,
            "seconds": seconds, "gflops": gflops,
            "in_ram_gflops": ram_gflops, "ratio_vs_in_ram": gflops / ram_gflops if ram_gflops else None,
            "bytes_read": stats1["bytes_read"] - stats0["bytes_read"],
            "bytes_written": stats1["bytes_written"] - stats0["bytes_written"],
            "io_wait_seconds": stats1["wait_seconds"] - stats0["wait_seconds"],
            "rss_anon_before": base_rss, "rss_anon_peak": sampler.peak,
            "rss_anon_growth": sampler.peak - base_rss,
            "spot_check_max_abs_error": error,
        }
    finally:
        pc.set_memory_limit(previous)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1024, 4096])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="threads for both sides (default: pycauset's)")
    parser.add_argument("--ooc", type=int, default=None, help="also run an out-of-core n x n product")
    parser.add_argument("--budget", type=str, default="256M", help="memory budget of the out-of-core run")
    parser.add_argument("--out", type=str, default=str(Path(__file__).parent / "results" / "direct_gemm.json"))
    args = parser.parse_args(argv)
    if args.threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)  # NumPy's OpenBLAS reads it at import
    import numpy as np
    import pycauset as pc

    if args.threads is not None:
        pc.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).parent))
    from _machine import machine_record, parse_bytes

    record = {
        "benchmark": "direct_gemm",
        "machine": machine_record(pc),
        "pycauset_threads": pc.get_num_threads(),
        "numpy_openblas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS"),
        "blas_core_name": pc._core.blas_core_name(),
        "blas_config": pc._core.blas_config(),
        "load_average_before": os.getloadavg(),  # other processes on the cores skew every number
        "direct": [],
    }
    for n in args.sizes:
        result = _direct(pc, np, n, args.repeats)
        record["direct"].append(result)
        print(f"direct float64 {n}^2: numpy {result['numpy_median_s'] * 1e3:.1f} ms "
              f"({result['numpy_gflops']:.1f} GFLOP/s), pycauset {result['pycauset_median_s'] * 1e3:.1f} ms "
              f"({result['pycauset_gflops']:.1f} GFLOP/s), ratio {result['ratio_numpy_over_pycauset']:.3f}", flush=True)
    if args.ooc:
        result = _out_of_core(pc, np, args.ooc, parse_bytes(args.budget), None)
        # The in-RAM reference brackets the out-of-core run (the mean of the rate measured just before
        # and just after), so a change of machine load during the long run skews the ratio less.
        ref_n = args.sizes[-1] if args.sizes else 4096
        after = _direct(pc, np, ref_n, 3)["pycauset_gflops"]
        before = record["direct"][-1]["pycauset_gflops"] if record["direct"] else after
        ram = (before + after) / 2
        result.update(in_ram_gflops=ram, in_ram_gflops_before=before, in_ram_gflops_after=after,
                      ratio_vs_in_ram=result["gflops"] / ram)
        record["out_of_core"] = result
        print(f"out-of-core float64 {args.ooc}^2, budget {args.budget}: {result['seconds']:.2f} s, "
              f"{result['gflops']:.1f} GFLOP/s ({result['ratio_vs_in_ram'] or float('nan'):.3f} x in-RAM), "
              f"read {result['bytes_read'] / 2**30:.2f} GiB, wrote {result['bytes_written'] / 2**30:.2f} GiB, "
              f"RssAnon growth {result['rss_anon_growth'] / 2**20:.0f} MiB, I/O wait {result['io_wait_seconds']:.2f} s", flush=True)
    record["load_average_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, default=str))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
