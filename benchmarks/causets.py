"""Causal sets end to end: sprinkling, the causal matrix's pair tests, and the interval-abundance pass.

Usage::

    python benchmarks/causets.py [--n2 100000] [--n4 30000] [--budget 4G] [--pairs-n 100000]
                                 [--quick] [--out benchmarks/results/causets.json]

- ``pair tests``: ``_core.causal_matrix`` on the sorted points of a 2-D diamond sprinkling of ``--pairs-n``
  points (all ~N^2/2 pairs, best of 3) against a NumPy reference that tests the same pairs in tiles of
  256 rows x all later columns and packs them with ``np.packbits`` (timed on the first rows, then scaled by
  pair count: the same work per pair). Target (issue: causal sets): >= 1e9 pair tests/s on 2 cores.
- ``2-D diamond``: ``--n2`` points under a ``--budget`` memory budget, each stage timed: sprinkle,
  relations (popcount), Myrheim–Meyer dimension, height (longest chain), ``N_0..N_3`` (the fused histogram pass over the strict
  upper triangle: N^3/6 bit triples, its rate), the 2-D action (from those ``N_k``). The ``N_k`` are compared with their exact
  expectation for a fixed-n 2-D diamond, ``n(H_{n-1} - H_k) + (k+1)(H_n - H_{k+1}) - 2(n-1-k)``.
  Targets: the abundance pass >= 6e11 bit triples/s, the whole run <= 10 min, ``N_k`` within a few percent.
- ``4-D diamond``: ``--n4`` points: links (their count), ``N_0..N_3``, the 4-D action.

The machine record (CPU, threads, load) goes with every result: other work on the machine skews timings.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import format_machine, machine_record, write_record  # noqa: E402


def expected_abundance_2d(n: int, k: int) -> float:
    """E[N_k] for n points sprinkled into a 2-D causal diamond (exact at every n)."""
    def harmonic(m: int) -> float:
        return math.fsum(1.0 / i for i in range(1, m + 1))
    return n * (harmonic(n - 1) - harmonic(k)) + (k + 1) * (harmonic(n) - harmonic(k + 1)) - 2 * (n - 1 - k)


def numpy_pair_tests(np, points, rows: int, tile: int = 256) -> float:
    """Seconds NumPy takes to test rows [0, rows) against all later points, packed as bits."""
    n = points.shape[0]
    t, x = points[:, 0], points[:, 1]
    start = time.perf_counter()
    for r0 in range(0, rows, tile):
        r1 = min(rows, r0 + tile)
        dt = t[None, r0:] - t[r0:r1, None]
        dx = x[None, r0:] - x[r0:r1, None]
        related = (dt > 0) & (dt * dt - dx * dx > 0)
        np.packbits(related, axis=1)
    return time.perf_counter() - start


def benincasa_dowker_action(d: int, n: int, abundances) -> float:
    from pycauset.causet._action import benincasa_dowker_action as action

    return action(d, n, abundances)


def bench_pair_tests(pc, np, n: int) -> dict:
    from pycauset import causet

    points = causet.MinkowskiDiamond(2).sample(n, seed=1)
    points = np.ascontiguousarray(points[np.argsort(points[:, 0], kind="stable")])
    pairs = n * (n - 1) / 2
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        causal = pc._core.causal_matrix(points, [0.0])
        seconds.append(time.perf_counter() - start)
        del causal
    rows = min(n, 2048)
    numpy_pairs = sum(n - 1 - i for i in range(rows))
    numpy_seconds = numpy_pair_tests(np, points, rows)
    return {"n": n, "pairs": pairs, "pycauset_seconds": min(seconds), "pycauset_pairs_per_s": pairs / min(seconds),
            "numpy_rows_timed": rows, "numpy_pairs_per_s": numpy_pairs / numpy_seconds,
            "ratio": (pairs / min(seconds)) / (numpy_pairs / numpy_seconds)}


def timed(stages: dict, name: str, call):
    start = time.perf_counter()
    value = call()
    stages[name] = time.perf_counter() - start
    return value


def bench_diamond_2d(pc, np, n: int) -> dict:
    from pycauset import causet

    stages: dict = {}
    cs = timed(stages, "sprinkle", lambda: causet.sprinkle(causet.MinkowskiDiamond(2), n=n, seed=2))
    relations = timed(stages, "relations", cs.relations)
    dimension = timed(stages, "myrheim_meyer", cs.dimension)
    height = timed(stages, "height", cs.height)
    abundances = timed(stages, "N_0..N_3", lambda: cs.interval_abundances(kmax=3))
    # The action from the counted N_k (cs.action() would count them again: a second pass).
    action = timed(stages, "action", lambda: benincasa_dowker_action(2, n, abundances))
    expected = [expected_abundance_2d(n, k) for k in range(4)]
    triples = n * (n - 1) * (n - 2) / 6
    return {"n": n, "storage": cs.causal.storage, "stages_seconds": stages, "total_seconds": sum(stages.values()),
            "relations": relations, "ordering_fraction": relations / (n * (n - 1) / 2), "dimension": dimension,
            "height": height, "expected_height": 2 * math.sqrt(n) - 1.7711 * n ** (1 / 6),
            "N_0..N_3": abundances.tolist(), "expected_N_0..N_3": expected,
            "N_relative_deviation": [a / e - 1 for a, e in zip(abundances.tolist(), expected)],
            "action": action, "abundance_triples_per_s": triples / stages["N_0..N_3"]}


def bench_diamond_4d(pc, np, n: int) -> dict:
    from pycauset import causet

    stages: dict = {}
    cs = timed(stages, "sprinkle", lambda: causet.sprinkle(causet.MinkowskiDiamond(4), n=n, seed=4))
    links = timed(stages, "links", cs.links)
    link_count = timed(stages, "link_count", lambda: int(pc._core.count_true(links)))
    abundances = timed(stages, "N_0..N_3", lambda: cs.interval_abundances(kmax=3))
    action = timed(stages, "action", lambda: benincasa_dowker_action(4, n, abundances))
    return {"n": n, "stages_seconds": stages, "links": link_count, "N_0..N_3": abundances.tolist(),
            "links_equal_N_0": link_count == int(abundances[0]), "action": action,
            "dimension": cs.dimension()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n2", type=int, default=100_000, help="points of the 2-D diamond run (0: skip)")
    parser.add_argument("--n4", type=int, default=30_000, help="points of the 4-D diamond run (0: skip)")
    parser.add_argument("--pairs-n", type=int, default=100_000, help="points of the pair-test rate run (0: skip)")
    parser.add_argument("--budget", type=str, default="4G")
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds (a smoke test)")
    parser.add_argument("--out", type=str, default=str(Path(__file__).parent / "results" / "causets.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.n2, args.n4, args.pairs_n = 20_000, 8_000, 20_000
        if args.out.endswith("causets.json"):
            args.out = args.out.replace("causets.json", "causets_quick.json")

    import numpy as np

    import pycauset as pc

    pc.set_memory_limit(pc._core.parse_byte_count(args.budget))
    record = {"machine": machine_record(pc), "pair_tests": None, "diamond_2d": None, "diamond_4d": None}
    print(format_machine(record["machine"]))
    if args.pairs_n:
        p = bench_pair_tests(pc, np, args.pairs_n)
        record["pair_tests"] = p
        print(f"pair tests, N={p['n']}: {p['pycauset_pairs_per_s']:.3g}/s ({p['pycauset_seconds']:.2f} s) vs NumPy "
              f"tiled {p['numpy_pairs_per_s']:.3g}/s: {p['ratio']:.1f}x   (target >= 1e9/s)")
    if args.n2:
        r = bench_diamond_2d(pc, np, args.n2)
        record["diamond_2d"] = r
        print(f"2-D diamond, N={r['n']} (C in {r['storage']}): total {r['total_seconds']:.1f} s   (target <= 600 s)")
        for name, seconds in r["stages_seconds"].items():
            print(f"  {name:<14} {seconds:8.2f} s")
        print(f"  ordering fraction {r['ordering_fraction']:.5f}, d_MM {r['dimension']:.4f}, height {r['height']} "
              f"(2 sqrt(n) - 1.7711 n^(1/6) = {r['expected_height']:.0f}), action {r['action']:.1f}")
        print(f"  N_0..N_3 {r['N_0..N_3']} vs E {[round(e, 1) for e in r['expected_N_0..N_3']]}: "
              f"{', '.join(f'{100 * d:+.2f}%' for d in r['N_relative_deviation'])}")
        print(f"  abundance pass {r['abundance_triples_per_s']:.3g} bit triples/s   (target >= 6e11/s)")
    if args.n4:
        r = bench_diamond_4d(pc, np, args.n4)
        record["diamond_4d"] = r
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in r["stages_seconds"].items())
        print(f"4-D diamond, N={r['n']}: {stages}")
        print(f"  links {r['links']} (= N_0: {r['links_equal_N_0']}), N_0..N_3 {r['N_0..N_3']}, action "
              f"{r['action']:.1f}, d_MM {r['dimension']:.3f}")
    write_record(args.out, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
