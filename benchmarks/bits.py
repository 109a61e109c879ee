"""Bit products at causal-set scale: useful bit triples per second against NumPy's best exact route.

Usage::

    python benchmarks/bits.py [--sizes 4096 8192 16384] [--hist 65536] [--ooc 16384 --budget 8M]
                              [--repeats 3] [--quick] [--out benchmarks/results/bits.json]

For a strictly upper-triangular C (a causal matrix), the entry (i, j) of C @ C counts k with i < k < j,
so the product has N (N - 1) (N - 2) / 6 *useful* bit triples: the rate of either side is that number
divided by its time, whatever work each side really does (NumPy's float32 GEMM does all N^3).

- ``matmul``: ``pycauset.matmul(C, C, dtype="int32")`` (the counts, stored) against ``Cf @ Cf`` with
  ``Cf = C.astype(float32)`` (exact below 2^24: NumPy's fastest exact route, BLAS on 0/1 floats), the
  two sides alternating after a warm-up, medians compared (ratio = NumPy time / pycauset time).
- ``histogram``: the fused pass ``bit_product_histogram(C, C, C, kmax=3)`` (the interval abundances
  N_0..N_3 and the rest, never an N x N integer array) on the causal matrix of a 2-D diamond sprinkling
  of ``--hist`` points, with the peak anonymous memory; at the ``--sizes`` too, beside the matmul.
- ``out of core``: the same histogram pass with C in a spill file under ``--budget``, its rate against
  the in-RAM rate at the same N measured in the same run (in RAM, out of core, in RAM).

Targets (issue: bit matrices): >= 6e11 useful bit triples/s on 2 cores (>= 3e11 per core), >= 10x NumPy's
float32 route at N = 8192, the histogram pass at the same rate, out of core >= 0.9x in RAM.
The machine record (CPU model, bit kernel, threads, load) goes with every result: compare ratios within
one run only.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import format_machine, machine_record, write_record  # noqa: E402
from _probes import AnonPeakSampler  # noqa: E402


def useful_triples(n: int) -> float:
    """Triples i < k < j: the bit operations a strictly upper-triangular C @ C cannot avoid."""
    return n * (n - 1) * (n - 2) / 6.0


def random_causal(np, n: int, seed: int):
    """A strictly upper-triangular bool matrix with half its upper entries set (NumPy, n x n bytes)."""
    rng = np.random.default_rng(seed)
    packed = rng.integers(0, 256, size=(n, (n + 7) // 8), dtype=np.uint8)
    return np.triu(np.unpackbits(packed, axis=1, count=n).astype(bool), 1)


def _time(f) -> float:
    t0 = time.perf_counter()
    result = f()
    seconds = time.perf_counter() - t0
    del result
    return seconds


def bench_matmul(pc, np, n: int, repeats: int) -> dict:
    c = random_causal(np, n, seed=n)
    C = pc.matrix(c)
    cf = c.astype(np.float32)
    del c
    core = pc._core
    # Warm-up both sides, and check the counts once against NumPy's on a few rows.
    counts = pc.matmul(C, C, dtype="int32")
    rows = [0, n // 3, n - 2]
    expected = (cf[rows] @ cf).astype(np.int32)
    got = np.stack([pc.to_numpy(counts[i], allow_huge=True) for i in rows])
    assert (got == expected).all(), "pycauset counts differ from NumPy's"
    del counts
    (cf @ cf)
    t_np, t_pc, t_hist = [], [], []
    for _ in range(repeats):
        t_np.append(_time(lambda: cf @ cf))
        t_pc.append(_time(lambda: pc.matmul(C, C, dtype="int32")))
        t_hist.append(_time(lambda: core.bit_product_histogram(C, C, C, 3, triangular=True)))
    _, stats = core.bit_matmul(C, C, "int32")
    useful = useful_triples(n)
    med_np, med_pc, med_hist = (statistics.median(t) for t in (t_np, t_pc, t_hist))
    return {
        "n": n, "repeats": repeats,
        "numpy_float32_seconds": t_np, "pycauset_seconds": t_pc, "histogram_seconds": t_hist,
        "numpy_useful_per_s": useful / med_np, "pycauset_useful_per_s": useful / med_pc,
        "histogram_useful_per_s": useful / med_hist,
        "ratio_numpy_over_pycauset": med_np / med_pc,
        "computed_over_useful": stats["bit_triples"] / useful,
        "kernel": stats["kernel"],
    }


def causal_of_sprinkling(pc, np, n: int, seed: int):
    """The causal matrix of n points sprinkled into a 2-D causal diamond (built by pycauset in C++)."""
    from pycauset._array import _wrap

    rng = np.random.default_rng(seed)
    u, v = rng.random(n), rng.random(n)  # light-cone coordinates of a uniform point in the unit diamond
    points = np.column_stack(((u + v) / 2, (v - u) / 2))
    points = points[np.argsort(points[:, 0], kind="stable")]
    return _wrap(pc._core.causal_matrix(points, [0.0]))


def bench_histogram(pc, np, n: int) -> dict:
    C = causal_of_sprinkling(pc, np, n, seed=1)
    relations = int(pc._core.count_true(C))
    with AnonPeakSampler() as sampler:
        t0 = time.perf_counter()
        bins = pc._core.bit_product_histogram(C, C, C, 3, triangular=True)
        seconds = time.perf_counter() - t0
    assert int(bins.sum()) == relations
    return {
        "n": n, "seconds": seconds, "useful_per_s": useful_triples(n) / seconds,
        "N_0..N_3": [int(x) for x in bins[:4]], "relations": relations,
        "causal_matrix_bytes": n * n // 8, "peak_anon_above_start_bytes": sampler.peak_bytes - sampler.baseline_bytes,
    }


def bench_out_of_core(pc, np, n: int, budget: int) -> dict:
    C = causal_of_sprinkling(pc, np, n, seed=2)
    core = pc._core

    def run():
        t0 = time.perf_counter()
        bins = core.bit_product_histogram(C, C, C, 3, triangular=True)
        return time.perf_counter() - t0, bins

    ram_before, bins_ram = run()
    previous = pc.get_memory_limit()
    pc.set_memory_limit(budget)
    try:
        spilled = C.copy()  # a fresh copy under the small budget lands in a spill file
        assert spilled.storage == "file", "the out-of-core operand did not spill; lower --budget"
        stats0 = core.tile_io_stats()
        t0 = time.perf_counter()
        bins_file = core.bit_product_histogram(spilled, spilled, spilled, 3, triangular=True)
        file_seconds = time.perf_counter() - t0
        del spilled
    finally:
        pc.set_memory_limit(previous)
    ram_after, _ = run()
    assert (bins_file == bins_ram).all()
    ram_seconds = (ram_before + ram_after) / 2
    return {
        "n": n, "budget_bytes": budget, "ram_seconds": [ram_before, ram_after], "file_seconds": file_seconds,
        "ratio_file_over_ram_rate": ram_seconds / file_seconds,
        "bytes_read_by_tiles": core.tile_io_stats()["bytes_read"] - stats0["bytes_read"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[4096, 8192, 16384])
    parser.add_argument("--hist", type=int, default=65536, help="N of the histogram pass (0: skip)")
    parser.add_argument("--ooc", type=int, default=16384, help="N of the out-of-core pass (0: skip)")
    parser.add_argument("--budget", type=str, default="16M")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds (a smoke test)")
    parser.add_argument("--out", type=str, default=str(Path(__file__).parent / "results" / "bits.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.hist, args.ooc, args.budget, args.repeats = [2048], 8192, 4096, "1M", 2
        if args.out.endswith("bits.json"):
            args.out = args.out.replace("bits.json", "bits_quick.json")

    import numpy as np

    import pycauset as pc

    record = {"machine": machine_record(pc), "bit_kernel": pc._core.bit_kernel(), "matmul": [], "histogram": None,
              "out_of_core": None}
    print(format_machine(record["machine"]))
    print(f"bit kernel: {record['bit_kernel']}")
    probe = record["probe"] = pc._core.bit_kernel_probe(1.0)
    print(f"one core: the count kernel on L1-resident operands {probe['kernel_in_l1_bits_per_s']:.3g} bit triples/s; "
          f"raw VPOPCNTQ throughput {probe['popcount_peak_bits_per_s']:.3g} bits/s")
    print(f"{'N':>7} {'NumPy f32 /s':>13} {'pycauset /s':>12} {'ratio':>7} {'histogram /s':>13}   (useful bit triples)")
    for n in args.sizes:
        row = bench_matmul(pc, np, n, args.repeats)
        record["matmul"].append(row)
        print(f"{n:>7} {row['numpy_useful_per_s']:>13.3g} {row['pycauset_useful_per_s']:>12.3g} "
              f"{row['ratio_numpy_over_pycauset']:>6.1f}x {row['histogram_useful_per_s']:>13.3g}")
    if args.hist:
        h = bench_histogram(pc, np, args.hist)
        record["histogram"] = h
        print(f"histogram pass, 2-D sprinkling N={h['n']}: {h['seconds']:.1f} s, {h['useful_per_s']:.3g} useful/s, "
              f"N_0..N_3 {h['N_0..N_3']}, peak anonymous memory +{h['peak_anon_above_start_bytes'] / 2**20:.0f} MiB "
              f"(C itself {h['causal_matrix_bytes'] / 2**20:.0f} MiB)")
    if args.ooc:
        o = bench_out_of_core(pc, np, args.ooc, pc._core.parse_byte_count(args.budget))
        record["out_of_core"] = o
        print(f"out of core, N={o['n']}, budget {o['budget_bytes'] / 2**20:.0f} MiB: {o['file_seconds']:.2f} s vs "
              f"{statistics.mean(o['ram_seconds']):.2f} s in RAM: {o['ratio_file_over_ram_rate']:.2f}x the in-RAM rate")
    per_core = [r["pycauset_useful_per_s"] / record["machine"]["pycauset"]["num_threads"] for r in record["matmul"]]
    at_8192 = [r for r in record["matmul"] if r["n"] == 8192]
    print("targets: >= 6e11/s on 2 cores, >= 3e11 per core, >= 10x NumPy at N=8192, out of core >= 0.9x")
    print(f"  best rate {max(r['pycauset_useful_per_s'] for r in record['matmul']):.3g}/s, per core "
          f"{max(per_core):.3g}/s" + (f", ratio at 8192 {at_8192[0]['ratio_numpy_over_pycauset']:.1f}x" if at_8192 else ""))
    write_record(args.out, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
