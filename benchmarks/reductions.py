"""Reductions in RAM against NumPy: Frobenius norm, sum, mean, min and max of N x N matrices.

Usage::

    python benchmarks/reductions.py [--sizes 4096 8192] [--dtypes float64 float32 int32 int64]
                                    [--repeats 7] [--quick] [--out benchmarks/results/reductions.json]

Each reduction reads every element once, so at these sizes (128 MiB-512 MiB of float64, far beyond the
caches) both sides are bounded by memory bandwidth. Pairs compared, on the same data:

- ``norm``: ``pycauset.linalg.norm(M)`` against ``numpy.linalg.norm(a)`` (NumPy: BLAS dot on the
  flattened array, threaded like ours);
- ``sum``, ``mean``, ``min``, ``max``: the methods ``M.sum()`` ... against ``a.sum()`` ... (NumPy: one
  thread; the functions ``pycauset.sum(M)`` ... run the same kernel as the methods).

After two warm-up rounds of all five, the two sides alternate ``--repeats`` times (so a change in the machine's load
hits both), each call after a 0.15 s pause (so neither runs while the other's threads still spin); ratio = NumPy's median time / pycauset's median time, > 1 when pycauset is faster. The results
are checked against NumPy's (float64 sums and norms within 1e-12 relative, float32 ones within 1e-6 of
NumPy's float64 result, min/max and integer sums exactly). Targets
(issue 14): ratio >= 1.0 for every reduction at N = 4096 and 8192, float64 and float32. Informational:
the exit status is 0 unless a result is wrong. The machine record (CPU model, threads, load average) goes
with every result: compare ratios within one run only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import format_machine, machine_record, write_record  # noqa: E402

OPS = ("norm", "sum", "mean", "min", "max")
# Pause before each timed call: OpenBLAS's threads (NumPy's norm is a threaded BLAS dot) keep spinning
# for ~0.1 s after a call, and TBB's briefly, taking the cores from whatever runs next. Measured on
# the 2-core VM: pycauset's float32 norm at N=4096 took 5.8 ms right after NumPy's norm, 2.6 ms alone.
_SETTLE_S = 0.15


def _sides(pc, np, name: str):
    """(pycauset call, NumPy call) of reduction `name`, each taking (M, a)."""
    if name == "norm":
        return (lambda M, a: pc.linalg.norm(M)), (lambda M, a: np.linalg.norm(a))
    return (lambda M, a: getattr(M, name)()), (lambda M, a: getattr(a, name)())


def _data(np, n: int, dtype: str):
    rng = np.random.default_rng(n)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-1000, 1000, size=(n, n)).astype(dtype)
    return (rng.random((n, n)) - 0.25).astype(dtype)


def _check(np, name: str, got, a) -> float:
    """Relative difference of pycauset's result from NumPy's; raises when it is too large to be right.

    float32 sums and norms are checked against NumPy's on the values in float64: pycauset accumulates
    them in double, NumPy in float32 (its float32 norm of 16 M elements can be off by ~1e-5)."""
    reference = a.astype(np.float64) if a.dtype == np.float32 and name in ("sum", "mean", "norm") else a
    want = float(np.linalg.norm(reference) if name == "norm" else getattr(reference, name)())
    got = float(got)
    rel = abs(got - want) / max(abs(want), 1e-300)
    exact = name in ("min", "max") or (a.dtype.kind in "iu" and name == "sum")
    limit = 0.0 if exact else (1e-6 if a.dtype == np.float32 else 1e-12)
    if rel > limit:
        raise AssertionError(f"{name} {a.dtype}: pycauset {got!r} vs NumPy {want!r} (relative {rel:.1e} > {limit:.0e})")
    return rel


def bench(pc, np, n: int, dtype: str, repeats: int) -> list[dict]:
    a = _data(np, n, dtype)
    M = pc.matrix(a)
    rows = []
    checked = {name: _check(np, name, _sides(pc, np, name)[0](M, a), a) for name in OPS}
    for _ in range(2):  # warm-up of every op first: the first passes over fresh data are slower
        for name in OPS:
            for side in _sides(pc, np, name):
                side(M, a)
    for name in OPS:
        ours, theirs = _sides(pc, np, name)
        rel = checked[name]
        t_pc, t_np = [], []
        for _ in range(repeats):
            for side, times in ((ours, t_pc), (theirs, t_np)):
                time.sleep(_SETTLE_S)
                t0 = time.perf_counter()
                side(M, a)
                times.append(time.perf_counter() - t0)
        med_pc, med_np = statistics.median(t_pc), statistics.median(t_np)
        rows.append({"op": name, "n": n, "dtype": dtype, "bytes": a.nbytes, "repeats": repeats,
                     "pycauset_seconds": t_pc, "numpy_seconds": t_np,
                     "pycauset_gb_per_s": a.nbytes / med_pc / 1e9, "numpy_gb_per_s": a.nbytes / med_np / 1e9,
                     "ratio_numpy_over_pycauset": med_np / med_pc,
                     "ratio_of_best_times": min(t_np) / min(t_pc), "relative_difference": rel})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[4096, 8192])
    parser.add_argument("--dtypes", nargs="*", default=["float64", "float32", "int32", "int64"])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="N = 1024, 5 repeats (a smoke test)")
    parser.add_argument("--out", type=str, default=str(Path(__file__).parent / "results" / "reductions.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = [1024], 5
        if args.out.endswith("reductions.json"):
            args.out = args.out.replace("reductions.json", "reductions_quick.json")

    import numpy as np

    import pycauset as pc

    record = {"machine": machine_record(pc), "results": []}
    print(format_machine(record["machine"]))
    print(f"{'N':>5} {'dtype':8} {'op':5} {'pycauset ms':>11} {'NumPy ms':>9} {'pycauset GB/s':>13} "
          f"{'NumPy GB/s':>10} {'ratio':>6} {'best':>6}   (medians of {args.repeats}; ratio = NumPy time / "
          f"pycauset time; best: the same of the fastest runs, less sensitive to other work on the machine)")
    for n in args.sizes:
        for dtype in args.dtypes:
            for row in bench(pc, np, n, dtype, args.repeats):
                record["results"].append(row)
                print(f"{n:>5} {dtype:8} {row['op']:5} {1e3 * statistics.median(row['pycauset_seconds']):>11.2f} "
                      f"{1e3 * statistics.median(row['numpy_seconds']):>9.2f} {row['pycauset_gb_per_s']:>13.1f} "
                      f"{row['numpy_gb_per_s']:>10.1f} {row['ratio_numpy_over_pycauset']:>5.2f}x "
                      f"{row['ratio_of_best_times']:>5.2f}x", flush=True)
    targeted = [r for r in record["results"] if r["n"] in (4096, 8192) and r["dtype"] in ("float64", "float32")]
    if targeted:
        below = [f"{r['op']} {r['dtype']} N={r['n']} {r['ratio_numpy_over_pycauset']:.2f}x" for r in targeted
                 if r["ratio_numpy_over_pycauset"] < 1.0]
        print(f"target >= 1.0x NumPy at N = 4096, 8192 (float64, float32): {len(targeted) - len(below)} of "
              f"{len(targeted)} met" + (f"; below: {', '.join(below)}" if below else ""))
    record["load_average_after"] = list(os.getloadavg())
    write_record(args.out, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
