"""Per-phase profile of the out-of-core kernels (issue 14): where the wall time of pycauset's
out-of-core matmul and inverse goes, beside the in-RAM rates at the same N measured in the same run.

Usage::

    python benchmarks/ooc_profile.py                    # N=4096, budget 64 MiB, matmul and inverse, 3 repeats
    python benchmarks/ooc_profile.py --quick            # smoke run: N=512, budget 1 MiB, 2 repeats
    python benchmarks/ooc_profile.py --size 8192 --budget 256M --ops matmul --repeats 5

Inputs: float64 uniform[0,1) N x N matrices A (seed 1) and B (seed 2), made by NumPy and saved as
``.pycauset`` files in a temporary directory (under ``--workdir`` or the system temp dir; pycauset's
spill files go there too; removed at the end, also on errors and Ctrl-C). Each repeat of each op runs,
back to back: NumPy in RAM (``a @ b``, ``numpy.linalg.inv(a)``), pycauset in RAM (``pycauset.matmul``,
``pycauset.linalg.inv`` on ``pycauset.matrix(a)``, budget 16 GiB), then the out-of-core run: budget
``--budget``, inputs opened with ``pycauset.load`` (file-backed), the call timed alone. The inputs were
just written, so they sit in the page cache: read and wait times are the engine's (copies, packing,
page cache), not the disk's; ``ooc_gate.py`` measures cold runs in a capped memory group. RAM needed:
about six N x N float64 at once (NumPy's inputs and the in-RAM sides' operands and results): 0.75 GiB
at N=4096, 3 GiB at N=8192.

Phases of an out-of-core call, from differences of ``pycauset._core.tile_io_stats()`` around it:

- compute: time in tile products and BLAS sections on the compute thread;
- wait: time the compute thread waited for its I/O workers (I/O the pipeline did not hide);
- read: time inside tile and band reads, mostly on background I/O threads (hidden unless waited for).
  For the blocked GEMM plan it includes packing (copying short runs of blocks into tiles); the band
  plan reads whole-row bands by direct (unbuffered) I/O, counted as "streamed" bytes;
- write: time inside tile and band write-back, mostly on background I/O threads;
- idle/other = wall - compute - wait: bookkeeping, row interchanges, fills and any synchronous work
  outside the phases above.

Read and write overlap compute, so the phases do not add up to the wall time. Also reported: GFLOP/s
(2N^3 flops for both ops), MiB read/written/streamed, process CPU seconds (user + sys) against
cores x wall, and a check of the result on sampled rows. Ratios (informational, issue 14's targets):
out-of-core matmul / NumPy in-RAM DGEMM >= 0.95; out-of-core inverse / pycauset's in-RAM inverse
>= 0.9 and / ``numpy.linalg.inv`` >= 1.4. Ratios compare sides of one run only: the VM is sometimes
Intel, sometimes AMD, and other work on the machine moves every timing (see the load averages).
Exit status 0, or 2 when a side failed to run or gave a wrong result.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)

from _machine import format_machine, machine_record, parse_bytes, write_record  # noqa: E402

_MIB = 2 ** 20
_RAM_LIMIT = 16 << 30   # budget of the in-RAM references: no spilling at any N this script is for
_SETTLE_S = 0.15        # pause before each timed call: OpenBLAS/TBB threads spin ~0.1 s after a call
_CHECK_ROWS = 4
_CHECK_LIMIT = 1e-10
SIDES = ("numpy", "pycauset_ram", "ooc")
# issue 14's targets: (op, side compared with, target of that side's time / out-of-core time)
TARGETS = (("matmul", "numpy", 0.95), ("inverse", "pycauset_ram", 0.9), ("inverse", "numpy", 1.4))


def _make_inputs(pc, workdir: str, n: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """A (seed 1) and B (seed 2) as NumPy arrays, and saved as a.pycauset / b.pycauset in workdir."""
    pc.set_memory_limit(_RAM_LIMIT)
    arrays, paths = [], {}
    for name, seed in (("a", 1), ("b", 2)):
        x = np.random.default_rng(seed).random((n, n))
        paths[name] = os.path.join(workdir, f"{name}.pycauset")
        pc.save(pc.matrix(x), paths[name])
        arrays.append(x)
    return arrays[0], arrays[1], paths


def _cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _timed(pc, fn):
    """Run fn() once after a settle pause; return (its result, wall/CPU seconds and tile_io_stats deltas)."""
    time.sleep(_SETTLE_S)
    stats0, cpu0 = pc._core.tile_io_stats(), _cpu_seconds()
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    cpu, stats1 = _cpu_seconds() - cpu0, pc._core.tile_io_stats()
    return result, {"wall_seconds": wall, "cpu_seconds": cpu, **{k: stats1[k] - stats0[k] for k in stats0}}


def _calls(pc, op: str):
    """(NumPy call, pycauset call) of op, each taking (a, b)."""
    if op == "matmul":
        return (lambda a, b: a @ b), (lambda a, b: pc.matmul(a, b))
    return (lambda a, b: np.linalg.inv(a)), (lambda a, b: pc.linalg.inv(a))


def _check(pc, op: str, result, a: np.ndarray, b: np.ndarray) -> float:
    """Largest error on a few sampled rows: relative to NumPy's row of A·B for matmul; for the inverse X,
    the scaled residual |X[i]·A - e_i| / (n·max|X[i]|)."""
    n = a.shape[0]
    worst = 0.0
    for i in np.random.default_rng(7).choice(n, size=min(_CHECK_ROWS, n), replace=False):
        row = np.asarray(pc.to_numpy(result[int(i)]))
        if op == "matmul":
            ref = a[i] @ b
            worst = max(worst, float(np.abs(row - ref).max() / np.abs(ref).max()))
        else:
            r = row @ a
            r[i] -= 1.0
            worst = max(worst, float(np.abs(r).max() / (n * np.abs(row).max())))
    return worst


def _run_side(pc, side: str, op: str, a: np.ndarray, b: np.ndarray, paths: dict, budget: int) -> dict:
    """One timed call of op on one side; result checked (out of core) and freed. Errors are recorded."""
    np_call, pc_call = _calls(pc, op)
    try:
        if side == "numpy":
            result, rec = _timed(pc, lambda: np_call(a, b))
        elif side == "pycauset_ram":
            pc.set_memory_limit(_RAM_LIMIT)
            pa, pb = pc.matrix(a), pc.matrix(b)
            result, rec = _timed(pc, lambda: pc_call(pa, pb))
            del pa, pb
        else:
            pc.set_memory_limit(budget)
            pa = pc.load(paths["a"])
            pb = pc.load(paths["b"]) if op == "matmul" else None
            result, rec = _timed(pc, lambda: pc_call(pa, pb))
            rec["result_storage"] = result.storage
            rec["check"] = _check(pc, op, result, a, b)
            del pa, pb
            if not rec["check"] < _CHECK_LIMIT:
                rec["error"] = f"wrong result: sampled error {rec['check']:.2e} >= {_CHECK_LIMIT:.0e}"
        del result
    except Exception as exc:  # noqa: BLE001  (a failing side is reported, the others still run)
        rec = {"error": f"{type(exc).__name__}: {exc}"}
    gc.collect()
    return rec


def _median_run(runs: list[dict]) -> dict:
    """The run of median wall time (the lower median for an even count): its phases add up."""
    return sorted(runs, key=lambda r: r["wall_seconds"])[(len(runs) - 1) // 2]


def _summarise(runs: dict, n: int, cpus: int) -> dict:
    """Median walls of each side, the out-of-core phases of its median run, bytes, CPU and ratios."""
    ok = {side: [r for r in runs[side] if "error" not in r] for side in SIDES}
    wall = {side: statistics.median(r["wall_seconds"] for r in ok[side]) for side in SIDES if ok[side]}
    out = {"median_wall_seconds": wall, "gflops": {s: 2.0 * n ** 3 / t / 1e9 for s, t in wall.items()}}
    if "ooc" not in wall:
        return out
    m = _median_run(ok["ooc"])
    phases = {"compute": m["compute_seconds"], "wait": m["wait_seconds"], "read": m["read_seconds"],
              "write": m["write_seconds"], "idle": m["wall_seconds"] - m["compute_seconds"] - m["wait_seconds"]}
    out.update({
        "ooc_median_run": m,
        "phases_seconds": phases,
        "phases_percent_of_wall": {k: 100.0 * v / m["wall_seconds"] for k, v in phases.items()},
        "mib": {k: m[f"bytes_{k}"] / _MIB for k in ("read", "written", "streamed")},
        "cores_busy": m["cpu_seconds"] / m["wall_seconds"], "cores": cpus,
        "ratios_other_time_over_ooc_time": {s: wall[s] / wall["ooc"] for s in wall if s != "ooc"},
    })
    return out


def _print_op(op: str, s: dict, runs: dict, repeats: int) -> None:
    """Readable lines of one op's summary."""
    print(f"\n{op}: median wall of {repeats} (GFLOP/s, 2N^3 flops)")
    for side in SIDES:
        errors = [r["error"] for r in runs[side] if "error" in r]
        if side in s["median_wall_seconds"]:
            print(f"  {side:13} {s['median_wall_seconds'][side]:8.3f} s {s['gflops'][side]:8.1f} GFLOP/s")
        if errors:
            print(f"  {side:13} FAILED {len(errors)} of {len(runs[side])}: {errors[0]}")
    if "phases_seconds" not in s:
        return
    m = s["ooc_median_run"]
    print(f"  out-of-core phases (median run, wall {m['wall_seconds']:.3f} s, result in {m['result_storage']}):")
    print("    " + "  ".join(f"{k} {v:.3f} s ({s['phases_percent_of_wall'][k]:.0f}%)"
                             for k, v in s["phases_seconds"].items()))
    mib = s["mib"]
    print(f"    MiB read {mib['read']:.0f}, written {mib['written']:.0f}, streamed {mib['streamed']:.0f}; "
          f"CPU {m['cpu_seconds']:.2f} s vs {s['cores']} x wall {s['cores'] * m['wall_seconds']:.2f} s "
          f"({s['cores_busy']:.2f} cores busy); sampled error {m['check']:.1e}")


def _target_lines(summaries: dict) -> list[str]:
    """Issue 14's ratios from this run (informational)."""
    lines = []
    for op, side, target in TARGETS:
        ratio = summaries.get(op, {}).get("ratios_other_time_over_ooc_time", {}).get(side)
        if ratio is not None:
            met = "met" if ratio >= target else "not met"
            lines.append(f"{op}: out-of-core rate / {side} in-RAM rate = {ratio:.2f} (target >= {target}, {met}; "
                         "informational)")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, help="matrix order N (default 4096; 512 with --quick)")
    ap.add_argument("--budget", type=parse_bytes,
                    help="out-of-core memory budget, suffix K/M/G allowed (default 64M; 1M with --quick)")
    ap.add_argument("--ops", default="matmul,inverse", help="comma-separated subset of matmul,inverse")
    ap.add_argument("--repeats", type=int, help="runs of each side per op (default 3; 2 with --quick)")
    ap.add_argument("--quick", action="store_true", help="smoke run: N=512, budget 1M, 2 repeats")
    ap.add_argument("--out", help="JSON output path (default benchmarks/results/ooc_profile[_quick].json)")
    ap.add_argument("--workdir", help="parent of the temporary data directory (default: the system temp dir)")
    args = ap.parse_args(argv)
    n = args.size or (512 if args.quick else 4096)
    budget = args.budget or (_MIB if args.quick else 64 * _MIB)
    if budget < _MIB:
        ap.error("--budget: pycauset's minimum budget is 1M")
    repeats = args.repeats or (2 if args.quick else 3)
    ops = [o for o in args.ops.split(",") if o]
    if not ops or not set(ops) <= {"matmul", "inverse"}:
        ap.error(f"--ops: a comma-separated subset of matmul,inverse, not {args.ops!r}")
    out_path = args.out or os.path.join(_HERE, "results", "ooc_profile_quick.json" if args.quick else "ooc_profile.json")
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="pycauset_ooc_profile_", dir=args.workdir) as workdir:
        os.environ["PYCAUSET_SPILL_DIR"] = workdir  # read at the first spill: results land beside the inputs
        try:
            import pycauset as pc
        except Exception as exc:  # noqa: BLE001  (any import failure: no pycauset side can run)
            print(f"pycauset not importable: {type(exc).__name__}: {exc}")
            return 2
        pc.set_memory_limit(budget)  # so the machine record shows the out-of-core budget
        machine = machine_record(pc)
        print(format_machine(machine))
        print(f"N={n} float64 ({8 * n * n / _MIB:.0f} MiB per matrix, {8 * n * n / budget:.1f}x the budget), "
              f"budget {budget / _MIB:g} MiB, ops {ops}, {repeats} repeats, workdir {workdir}")
        t0 = time.perf_counter()
        a, b, paths = _make_inputs(pc, workdir, n)
        print(f"inputs made and saved in {time.perf_counter() - t0:.1f} s")
        runs = {op: {side: [] for side in SIDES} for op in ops}
        for op in ops:
            for rep in range(repeats):
                for side in SIDES:
                    runs[op][side].append(_run_side(pc, side, op, a, b, paths, budget))
                print(f"{op} repeat {rep + 1}/{repeats}: " + ", ".join(
                    f"{side} {r.get('wall_seconds', float('nan')):.3f} s"
                    for side, r in ((s, runs[op][s][-1]) for s in SIDES)), flush=True)

    cpus = machine["usable_cpus"]
    summaries = {op: _summarise(runs[op], n, cpus) for op in ops}
    for op in ops:
        _print_op(op, summaries[op], runs[op], repeats)
    print("\nidle = wall - compute - wait; read and write run mostly on I/O threads, overlapping compute")
    lines = _target_lines(summaries)
    for line in lines:
        print(line)
    failed = [f"{op}/{side}" for op in ops for side in SIDES if any("error" in r for r in runs[op][side])]
    if failed:
        print(f"sides that failed: {', '.join(failed)}")
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (other work skews every timing)")
    write_record(out_path, {"benchmark": "ooc_profile", "n": n, "budget_bytes": budget, "repeats": repeats,
                            "ops": ops, "machine": machine, "load_average_before": load_before,
                            "load_average_after": load_after, "runs": runs, "summaries": summaries,
                            "targets": lines, "failed": failed})
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
