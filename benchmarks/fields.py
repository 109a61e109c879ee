"""Fields on causal sets: the retarded propagator out of core, the SJ spectrum, and the entanglement entropy.

Usage::

    python benchmarks/fields.py [--kr 20000 --budget 1G] [--spectrum 4000] [--top 100000 --k 100]
                                [--ssee 2000 4000] [--quick] [--out benchmarks/results/fields.json]

- ``propagator``: ``K_R`` of a massive 2-D field (m = 1) on a diamond sprinkling of ``--kr`` points, with
  pycauset's budget at ``--budget`` (the n x n result spills), against NumPy's dense route in the same run,
  ``numpy.linalg.solve(I + (m²/ρ)Φ, Φ)`` (an LU of the same unit-triangular system). Rates are given in the
  flops each side really does (pycauset: about n³/3 for a triangular system with a triangular right-hand
  side; NumPy: 2/3 n³ + 2 n³), and the ratio of times. The results are compared on a few rows.
- ``spectrum``: every positive eigenvalue of ``iΔ`` at ``--spectrum`` points (singular values of the real Δ)
  against ``numpy.linalg.eigvalsh(1j * Δ)`` (complex Hermitian) in the same run, with their agreement.
- ``top``: the ``--k`` largest eigenvalues of the massless 2-D field at ``--top`` points by block Lanczos on
  the bits of C (no n x n float matrix), with the continuum law ``λ_j ≈ n / (4 x_j)``.
- ``ssee``: the truncated entanglement entropy of the inner half-size diamond in nested diamonds, and the
  coefficient b of the fit ``S = b ln(√n) + c`` (Sorkin and Yazdi: an area law, in 2-D a log).

Targets (issue: fields): the propagator >= 2x NumPy's dense route; the spectra agree with NumPy to 1e-8;
the top 100 at n = 10^5 follow the continuum. Record the machine: compare ratios within one run only.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import format_machine, machine_record, write_record  # noqa: E402


def _tan_roots(count):
    roots = [k * math.pi for k in range(1, count + 1)]
    for k in range(count):
        lo, hi = max(0.5, k * math.pi - math.pi / 2 + 1e-9), k * math.pi + math.pi / 2 - 1e-9
        for _ in range(200):
            mid = (lo + hi) / 2
            (lo, hi) = (mid, hi) if math.tan(mid) - 2 * mid < 0 else (lo, mid)
        roots.append((lo + hi) / 2)
    return sorted(roots)[:count]


def bench_propagator(pc, np, causet, n: int, budget: int) -> dict:
    mass = 1.0
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=n, seed=1)
    c = pc.to_numpy(cs.causal, allow_huge=True)
    # NumPy's dense route first (it needs RAM for several n x n float64 matrices).
    phi = 0.5 * c.T.astype(np.float64)
    del c
    system = np.eye(n) + mass**2 / cs.density * phi
    t0 = time.perf_counter()
    k_numpy = np.linalg.solve(system, phi)
    numpy_seconds = time.perf_counter() - t0
    del system, phi
    rows = [n // 3, n // 2, n - 1]
    reference = k_numpy[rows].copy()
    del k_numpy
    previous = pc.get_memory_limit()
    pc.set_memory_limit(budget)
    try:
        stats0 = pc._core.tile_io_stats()
        t0 = time.perf_counter()
        k = cs.propagator(mass)
        seconds = time.perf_counter() - t0
        stats1 = pc._core.tile_io_stats()
        storage = k.storage
        got = np.stack([pc.to_numpy(k[i], allow_huge=True) for i in rows])
        del k
    finally:
        pc.set_memory_limit(previous)
    error = float(np.max(np.abs(got - reference)))
    return {
        "n": n, "mass": mass, "budget_bytes": budget, "result_storage": storage,
        "pycauset_seconds": seconds, "numpy_seconds": numpy_seconds,
        "pycauset_gflops": n**3 / 3 / seconds / 1e9, "numpy_gflops": (2 / 3 + 2) * n**3 / numpy_seconds / 1e9,
        "ratio_numpy_over_pycauset_time": numpy_seconds / seconds, "max_abs_error_on_rows": error,
        "bytes_read": stats1["bytes_read"] - stats0["bytes_read"],
        "bytes_written": stats1["bytes_written"] - stats0["bytes_written"],
    }


def bench_spectrum(pc, np, causet, n: int) -> dict:
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=n, seed=2)
    t0 = time.perf_counter()
    ours = cs.sj_spectrum()
    seconds = time.perf_counter() - t0
    delta = pc.to_numpy(cs.pauli_jordan(), allow_huge=True)
    t0 = time.perf_counter()
    eig = np.linalg.eigvalsh(1j * delta)
    numpy_seconds = time.perf_counter() - t0
    positive = np.sort(eig[eig > n * np.finfo(float).eps * eig.max()])[::-1]
    m = min(len(positive), len(ours))
    return {
        "n": n, "pycauset_seconds": seconds, "numpy_seconds": numpy_seconds,
        "ratio_numpy_over_pycauset_time": numpy_seconds / seconds, "count": len(ours), "numpy_count": len(positive),
        "max_relative_difference": float(np.max(np.abs(ours[:m] - positive[:m])) / positive[0]),
    }


def bench_top(pc, np, causet, n: int, k: int) -> dict:
    t0 = time.perf_counter()
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=n, seed=3)
    sprinkle_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    top = cs.sj_spectrum(k=k)
    seconds = time.perf_counter() - t0
    ratio = top * 4 * np.asarray(_tan_roots(len(top))) / n
    return {
        "n": n, "k": k, "sprinkle_seconds": sprinkle_seconds, "seconds": seconds,
        "continuum_ratio_first_10": ratio[:10].tolist(), "continuum_ratio_mean": float(ratio.mean()),
        "continuum_ratio_sd": float(ratio.std()),
    }


def bench_ssee(pc, np, causet, sizes) -> dict:
    rows = []
    for n in sizes:
        cs = causet.sprinkle(causet.MinkowskiDiamond(2, T=1.0), n=n, seed=4)
        inner = causet.MinkowskiDiamond(2, T=0.5)
        subset = np.flatnonzero(inner.contains(pc.to_numpy(cs.coordinates)))
        t0 = time.perf_counter()
        entropy = cs.entanglement_entropy(subset)
        rows.append({"n": n, "subset": int(subset.size), "entropy": entropy, "seconds": time.perf_counter() - t0})
    x = np.log(np.sqrt([r["n"] for r in rows]))
    y = np.asarray([r["entropy"] for r in rows])
    b, c = np.polyfit(x, y, 1) if len(rows) > 1 else (float("nan"), float("nan"))
    return {"rows": rows, "fit_b": float(b), "fit_c": float(c)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kr", type=int, default=20000, help="n of the propagator run (0: skip)")
    parser.add_argument("--budget", type=str, default="1G")
    parser.add_argument("--spectrum", type=int, default=4000, help="n of the full spectrum (0: skip)")
    parser.add_argument("--top", type=int, default=100000, help="n of the top-k spectrum (0: skip)")
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--ssee", type=int, nargs="*", default=[2000, 4000])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--out", type=str, default=str(Path(__file__).parent / "results" / "fields.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.kr, args.budget, args.spectrum, args.top, args.k, args.ssee = 3000, "16M", 1000, 5000, 20, [500, 1000]
        if args.out.endswith("fields.json"):
            args.out = args.out.replace("fields.json", "fields_quick.json")

    import numpy as np

    import pycauset as pc
    from pycauset import causet

    record = {"machine": machine_record(pc)}
    print(format_machine(record["machine"]))
    if args.kr:
        r = record["propagator"] = bench_propagator(pc, np, causet, args.kr, pc._core.parse_byte_count(args.budget))
        print(f"K_R n={r['n']} (budget {r['budget_bytes'] / 2**20:.0f} MiB, result in {r['result_storage']}): "
              f"{r['pycauset_seconds']:.1f} s ({r['pycauset_gflops']:.1f} GFLOP/s) vs NumPy solve "
              f"{r['numpy_seconds']:.1f} s ({r['numpy_gflops']:.1f} GFLOP/s): {r['ratio_numpy_over_pycauset_time']:.2f}x; "
              f"max |diff| on rows {r['max_abs_error_on_rows']:.1e}")
    if args.spectrum:
        r = record["spectrum"] = bench_spectrum(pc, np, causet, args.spectrum)
        print(f"all eigenvalues n={r['n']}: {r['pycauset_seconds']:.1f} s vs numpy eigvalsh(iΔ) {r['numpy_seconds']:.1f} s "
              f"({r['ratio_numpy_over_pycauset_time']:.2f}x), {r['count']} positive, max rel diff {r['max_relative_difference']:.1e}")
    if args.top:
        r = record["top"] = bench_top(pc, np, causet, args.top, args.k)
        print(f"top {r['k']} at n={r['n']}: {r['seconds']:.1f} s (sprinkle {r['sprinkle_seconds']:.1f} s); "
              f"λ_j·4x_j/n mean {r['continuum_ratio_mean']:.3f} sd {r['continuum_ratio_sd']:.3f}; first 10 "
              f"{[round(v, 3) for v in r['continuum_ratio_first_10']]}")
    if args.ssee:
        r = record["ssee"] = bench_ssee(pc, np, causet, args.ssee)
        for row in r["rows"]:
            print(f"SSEE n={row['n']} (inner {row['subset']}): S = {row['entropy']:.3f} in {row['seconds']:.1f} s")
        print(f"fit S = b ln(√n) + c: b = {r['fit_b']:.3f}, c = {r['fit_c']:.3f}")
    write_record(args.out, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
