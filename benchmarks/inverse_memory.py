"""Peak anonymous memory of the out-of-core inverse, and where it goes (SPEC §6: within the budget plus a
small constant).

Usage: python benchmarks/inverse_memory.py N BUDGET_MIB [--mappings]

One inverse of a random N x N float64 matrix under a BUDGET_MIB budget, in this process. Prints one JSON line:
wall time and GFLOP/s (2 N^3 flops); peak RssAnon (sampled every 5 ms) above the idle process (interpreter,
NumPy, pycauset, no data yet); the growth of anonymous memory from just before to just after the call,
mapping by mapping from /proc/self/smaps, split into the tile pool (2 MiB aligned blocks that ask for huge
pages, VmFlags 'hg'), the malloc heap and the other anonymous mappings (OpenBLAS's per-thread buffers,
thread stacks, malloc arenas of other threads); the governor's scratch bytes; and a scaled residual
max|A x_j - e_j| / (n max|x_j|) over two sampled columns. With --mappings, the other mappings that grew.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pycauset as pc  # noqa: E402
from _probes import AnonPeakSampler, _status_kib  # noqa: E402


def anonymous_mappings() -> dict:
    """Start address -> {size, anon (bytes), name, hg (asked for huge pages)} for every mapping."""
    out, current = {}, None
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and ":" in head[3]:
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                current = out[lo] = {"size": hi - lo, "anon": 0, "name": head[5] if len(head) > 5 else "", "hg": False}
            elif head[0] == "Anonymous:":
                current["anon"] = int(head[1]) * 1024
            elif head[0] == "VmFlags:":
                current["hg"] = "hg" in head[1:]
    return out


def kind(mapping: dict) -> str:
    if mapping["hg"]:
        return "pool"
    if mapping["name"] == "[heap]":
        return "heap"
    return "other" if not mapping["name"] or mapping["name"].startswith("[anon") else "file"


def growth(before: dict, after: dict) -> tuple[dict, list]:
    """Anonymous bytes gained per kind of mapping (a mapping that changed size counts as new), and the
    other mappings that grew: (address, size MiB, growth MiB)."""
    def same(lo, m, other):
        return lo in other and other[lo]["size"] == m["size"]

    by_kind, grown = {}, []
    for lo, m in after.items():
        gained = m["anon"] - (before[lo]["anon"] if same(lo, m, before) else 0)
        by_kind[kind(m)] = by_kind.get(kind(m), 0) + gained
        if kind(m) == "other" and gained > 0:
            grown.append((hex(lo), round(m["size"] / 2**20, 2), round(gained / 2**20, 2)))
    for lo, m in before.items():
        if not same(lo, m, after):
            by_kind[kind(m)] = by_kind.get(kind(m), 0) - m["anon"]
    return {k: round(v / 2**20, 1) for k, v in by_kind.items()}, grown


def main() -> None:
    n, budget_mib = int(sys.argv[1]), int(sys.argv[2])
    pc.set_memory_limit(budget_mib << 20)
    idle = _status_kib("RssAnon") * 1024
    a = pc.random.uniform((n, n), low=-1.0, seed=1)
    before = anonymous_mappings()
    with AnonPeakSampler() as mem:
        t0 = time.perf_counter()
        x = pc.linalg.inv(a)
        seconds = time.perf_counter() - t0
    by_kind, grown = growth(before, anonymous_mappings())
    scratch = pc.memory_info()["scratch_bytes"]
    worst = 0.0
    for j in np.random.default_rng(7).choice(n, size=2, replace=False):
        xj = pc.to_numpy(x[:, int(j)], allow_huge=True)
        r = np.concatenate([pc.to_numpy(a[r0:r0 + 512], allow_huge=True) @ xj for r0 in range(0, n, 512)])
        r[j] -= 1.0
        worst = max(worst, float(np.abs(r).max() / (n * np.abs(xj).max())))
    record = {
        "n": n, "budget_mib": budget_mib, "seconds": round(seconds, 2), "gflops": round(2.0 * n**3 / seconds / 1e9, 2),
        "anon_peak_above_idle_mib": round((mem.peak_bytes - idle) / 2**20, 1),
        "anon_growth_by_kind_mib": by_kind, "scratch_mib": scratch / 2**20, "result": x.storage,
        "residual": worst, "threads": pc.get_num_threads(),
    }
    if "--mappings" in sys.argv:
        record["other_mappings_grown"] = grown
    print(json.dumps(record))


if __name__ == "__main__":
    main()
