"""The NumPy baseline of the out-of-core gate: blocked GEMM and blocked Gauss-Jordan inversion over
``numpy.memmap`` files, using only NumPy kernels on in-RAM tiles, with a prefetching reader thread and
a write-behind writer thread, under a fixed memory budget.

This is meant to be a *good* baseline: large panels so GEMM calls run near peak, every tile read
overlapped with compute, no temporaries larger than a tile, buffers allocated once and reused.
"""
from __future__ import annotations

import mmap
import os
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

_F8 = 8  # bytes per float64


def _round_up(x: int, m: int) -> int:
    return -(-x // m) * m


def _even_blocks(n: int, max_block: int, align: int = 64) -> int:
    """Largest block ≤ max_block that splits n into equal-ish aligned pieces (fewer, fuller blocks)."""
    max_block = max(1, min(n, max_block))
    count = -(-n // max_block)
    block = _round_up(-(-n // count), align)
    return min(block, max_block) if block > max_block else min(block, n)


def _store_tile(dst: np.memmap, r0: int, j0: int, tile: np.ndarray) -> None:
    np.copyto(dst[r0:r0 + tile.shape[0], j0:j0 + tile.shape[1]], tile)


def _advise(m: np.ndarray, advice: int) -> None:
    """madvise the whole mapping behind a memmap (a no-op for plain in-RAM arrays)."""
    mm = getattr(m, "_mmap", None)
    if mm is not None:
        mm.madvise(advice)


def _read_columns(m: np.memmap, rows: np.ndarray, c0: int, c1: int, out: np.ndarray) -> None:
    """Copy m[rows, c0:c1] into ``out`` reading exactly those bytes from disk.

    Strided or scattered pieces through plain page faults cost either one synchronous 4 KiB read per
    page (random advice) or a read-around window per fault that drags in neighbouring data (default
    advice). Instead: random advice, then MADV_WILLNEED on every piece (asynchronous reads, all queued
    at once), then copy; the mapping's advice is restored to sequential afterwards.
    """
    mm = getattr(m, "_mmap", None)
    if mm is not None:
        mm.madvise(mmap.MADV_RANDOM)
        row_bytes = m.shape[1] * m.itemsize
        base = m.offset % mmap.ALLOCATIONGRANULARITY  # np.memmap maps from the granule holding offset
        for r in rows:
            start = base + int(r) * row_bytes + c0 * m.itemsize
            aligned = start - start % mmap.PAGESIZE
            mm.madvise(mmap.MADV_WILLNEED, aligned, start + (c1 - c0) * m.itemsize - aligned)
    if len(rows) == m.shape[0]:
        np.copyto(out, m[:, c0:c1])
    else:
        np.take(m[:, c0:c1], rows, axis=0, out=out, mode="clip")
    if mm is not None:
        mm.madvise(mmap.MADV_NORMAL)


def _fresh_memmap(path: str, n: int) -> np.memmap:
    """A new n×n .npy memmap. The file is sparse, so storing into it never reads old pages from disk
    (storing into pages already on disk would read each page before overwriting it)."""
    return np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, n))


# --------------------------------------------------------------------------------------------------
# Blocked GEMM: C = A @ B
# --------------------------------------------------------------------------------------------------

def plan_matmul(n: int, k: int, m: int, budget: int) -> tuple[int, int]:
    """Choose (bm, bn): A row blocks of bm rows and B column panels of bn columns.

    Memory bound: one B panel (k·bn) + a ring of two A row blocks (2·bm·k) + two C tiles (2·bm·bn),
    times 8 bytes, ≤ 90 % of ``budget``.
    """
    elems = int(0.9 * budget) // _F8
    bm = max(8, min(n, 512, elems // (8 * k)))
    while True:
        bn_max = (elems - 2 * bm * k) // (k + 2 * bm)
        if bn_max >= min(m, 64) or bm <= 8:
            break
        bm //= 2
    if bn_max < 1:
        raise ValueError(f"budget {budget} bytes is too small for a {n}x{k} @ {k}x{m} blocked GEMM")
    return bm, _even_blocks(m, bn_max)


def memmap_matmul(a: np.ndarray, b: np.ndarray, c: np.ndarray, budget: int) -> dict:
    """Compute ``c[...] = a @ b`` for memmapped float64 matrices within ``budget`` bytes of tiles.

    Loop order: for each column panel B[:, J] (kept in RAM), stream the row blocks A[I, :] through a
    two-buffer ring read one step ahead, and write each C[I, J] tile behind. A is read once per panel,
    B once in total, C written once. Writeback is left to the kernel (msync per tile measured slower,
    capped or not); the caller flushes at the end.
    """
    n, k = a.shape
    m = b.shape[1]
    bm, bn = plan_matmul(n, k, m, budget)
    panel = np.empty((k, bn))
    a_ring = [np.empty((bm, k)) for _ in range(2)]
    c_ring = [np.empty((bm, bn)) for _ in range(2)]
    tasks = [(j0, i0) for j0 in range(0, m, bn) for i0 in range(0, n, bm)]
    reader, writer = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    pending_write: list[Future | None] = [None, None]
    # A's row blocks stream front to back under default advice: MADV_SEQUENTIAL measured 3.5x slower
    # here (N=8192, 512 MiB cap: nearly every page a major fault), default read-around works well.

    def read_a(t: int) -> Future:
        i0 = tasks[t][1]
        rows = min(bm, n - i0)
        return reader.submit(np.copyto, a_ring[t % 2][:rows], a[i0:i0 + rows])

    try:
        ahead = read_a(0)
        for t, (j0, i0) in enumerate(tasks):
            cols, rows = min(bn, m - j0), min(bm, n - i0)
            if i0 == 0:  # new panel: load it here while the reader fetches the first row block
                _read_columns(b, np.arange(k), j0, j0 + cols, panel[:, :cols])
            ahead.result()
            if t + 1 < len(tasks):
                ahead = read_a(t + 1)
            slot = t % 2
            if pending_write[slot] is not None:
                pending_write[slot].result()
            tile = c_ring[slot][:rows, :cols]
            np.matmul(a_ring[slot][:rows], panel[:, :cols], out=tile)
            pending_write[slot] = writer.submit(_store_tile, c, i0, j0, tile)
        for f in pending_write:
            if f is not None:
                f.result()
    finally:
        reader.shutdown()
        writer.shutdown()
    return {"bm": bm, "bn": bn, "tile_bytes": (k * bn + 2 * bm * k + 2 * bm * bn) * _F8}


# --------------------------------------------------------------------------------------------------
# Panel pivoting: recursive LU with partial pivoting (pure NumPy), used only to choose pivot rows
# --------------------------------------------------------------------------------------------------

def _swap_rows(a: np.ndarray, ipiv: np.ndarray, offset: int = 0) -> None:
    for c, r in enumerate(ipiv):
        if r != c + offset:
            a[[c + offset, r]] = a[[r, c + offset]]


def _lu_pivots(a: np.ndarray) -> np.ndarray:
    """Factor the tall panel ``a`` (m×w, m ≥ w) in place as P·a = L·U; return LAPACK-style ipiv.

    Recursive (Toledo 1997): factor the left half, update the right half with one triangular solve and
    one GEMM (in row chunks, so temporaries stay small), factor the right half. Leaves of ≤ 8 columns
    are done column by column.
    """
    m, w = a.shape
    if w <= 8:
        ipiv = np.empty(w, dtype=np.int64)
        for c in range(w):
            r = c + int(np.argmax(np.abs(a[c:, c])))
            ipiv[c] = r
            if r != c:
                a[[c, r]] = a[[r, c]]
            if a[c, c] == 0.0:
                raise np.linalg.LinAlgError("Singular matrix")
            a[c + 1:, c] /= a[c, c]
            if c + 1 < w:
                a[c + 1:, c + 1:] -= np.outer(a[c + 1:, c], a[c, c + 1:])
        return ipiv
    h = w // 2
    left, right = a[:, :h], a[:, h:]
    ipiv1 = _lu_pivots(left)
    _swap_rows(right, ipiv1)
    l11 = np.tril(left[:h], -1) + np.eye(h)
    right[:h] = np.linalg.solve(l11, right[:h])
    for r0 in range(h, m, 1024):  # trailing update A22 -= L21 @ U12, chunked
        r1 = min(m, r0 + 1024)
        right[r0:r1] -= left[r0:r1] @ right[:h]
    ipiv2 = _lu_pivots(right[h:]) + h
    _swap_rows(left[h:], ipiv2 - h)
    return np.concatenate([ipiv1, ipiv2])


def _pivot_order(ipiv: np.ndarray, m: int) -> np.ndarray:
    """Rows of the original panel chosen as pivots, in pivot order, from sequential swaps."""
    perm = np.arange(m)
    for c, r in enumerate(ipiv):
        perm[c], perm[r] = perm[r], perm[c]
    return perm[:len(ipiv)]


# --------------------------------------------------------------------------------------------------
# Blocked Gauss-Jordan inversion with partial pivoting
# --------------------------------------------------------------------------------------------------

def plan_inverse(n: int, budget: int) -> tuple[int, int]:
    """Choose (nb, h): sweep panels of nb columns and streamed row blocks of h rows.

    Memory bound: the panel C (n·nb) + the swept pivot rows W (nb·n) + one shared area of n·nb that
    holds first the pivot-search copy, then the gathered pivot rows, then a ring of three h-row blocks
    plus one h-row product buffer (4·h·n ≤ n·nb), times 8 bytes, ≤ 90 % of ``budget``.
    """
    elems = int(0.9 * budget) // _F8
    nb_max = (elems - 4 * n) // (3 * n)
    if nb_max < 1:
        raise ValueError(f"budget {budget} bytes is too small for a blocked inverse of order {n}")
    nb = _even_blocks(n, nb_max, align=32 if nb_max >= 32 else 1)
    h = max(1, min(n, nb // 4, 1024))
    return nb, h


def memmap_inverse(a: np.ndarray, out: np.memmap, budget: int, scratch_dir: str, trace=None) -> dict:
    """Write ``inv(a)`` into ``out`` (memmapped float64, n×n) within ``budget`` bytes of tiles.

    In-place blocked Gauss-Jordan (the sweep operator) with partial pivoting: for each panel K of nb
    columns, pick nb pivot rows p among the rows not yet swept (an LU of the panel restricted to those
    rows gives exactly the pivots of scalar partial pivoting), invert the pivot block P = M[p, K], and
    sweep every row i of the matrix:

        pivot rows:  M[p, :] ← P⁻¹·M[p, :],  then M[p, K] ← P⁻¹
        other rows:  M[i, :] ← M[i, :] − M[i, K]·(P⁻¹·M[p, :]),  then M[i, K] ← −M[i, K]·P⁻¹

    2n³ flops in GEMMs of shape (h×nb)·(nb×n). Rows are never moved: pivots are physical rows, so the
    n/nb sweeps are each one sequential read + write of the matrix in row blocks. Sweep 0 reads ``a``;
    the last sweep writes ``out`` with rows and columns put in order (inv(a)[i, p_c] = M[p_i, c] for
    the pivot sequence p), so no extra pass is needed. Sweeps in between read the previous sweep's
    file and write a fresh (sparse) one in ``scratch_dir``, deleting the old one: stores never read
    stale pages back from disk.
    """
    n = a.shape[0]
    nb, h = plan_inverse(n, budget)
    panel = np.empty((n, nb))            # C: current values of the next sweep's columns, all rows
    w_rows = np.empty((nb, n))           # W: swept pivot rows
    shared = np.empty(n * nb)            # pivot search, then gathered rows, then the row-block ring
    ring = [shared[s * h * n:(s + 1) * h * n].reshape(h, n) for s in range(3)]
    prod = shared[3 * h * n:4 * h * n].reshape(h, n)
    t_buf = np.empty((h, nb))
    swept = np.zeros(n, dtype=bool)
    order = np.empty(n, dtype=np.int64)  # order[c] = physical pivot row of column c
    reader, writer = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    _read_columns(a, np.arange(n), 0, min(nb, n), panel[:, :min(nb, n)])
    sweeps = list(range(0, n, nb))
    try:
        for s, k0 in enumerate(sweeps):
            w = min(nb, n - k0)
            k1 = k0 + w
            last = s == len(sweeps) - 1
            src = a if s == 0 else dst
            if not last:
                dst = _fresh_memmap(os.path.join(scratch_dir, f"sweep{s % 2}.npy"), n)
            else:
                _advise(out, mmap.MADV_RANDOM)  # rows are stored in pivot order: no read-around
            # 1. pivot rows: LU with partial pivoting of the panel restricted to unswept rows
            free = np.flatnonzero(~swept)
            search = shared[:len(free) * w].reshape(len(free), w)
            np.take(panel[:, :w], free, axis=0, out=search, mode="clip")  # "raise" would buffer a copy
            piv = free[_pivot_order(_lu_pivots(search), len(free))]
            swept[piv] = True
            order[k0:k1] = piv
            p_inv = np.linalg.inv(panel[piv, :w])
            # 2. W = P⁻¹·M[p, :] with W[:, K] = 0 (column K gets its own formula)
            gathered = shared[:w * n].reshape(w, n)
            _read_columns(src, piv, 0, n, gathered)
            np.matmul(p_inv, gathered, out=w_rows[:w])
            w_rows[:w, k0:k1] = 0.0
            where_pivot = np.full(n, -1, dtype=np.int64)
            where_pivot[piv] = np.arange(w)
            inv_order = np.argsort(order) if last else None
            # 3. sweep all rows, streaming row blocks: read one ahead, write behind
            blocks = list(range(0, n, h))
            reads = [None] * len(blocks)
            writes: list[Future | None] = [None, None, None]

            def fetch(b: int) -> Future:
                r0 = blocks[b]
                slot = b % 3
                if writes[slot] is not None:
                    writes[slot].result()
                return reader.submit(np.copyto, ring[slot][:min(h, n - r0)], src[r0:r0 + min(h, n - r0)])

            reads[0] = fetch(0)
            for b, r0 in enumerate(blocks):
                rows = min(h, n - r0)
                reads[b].result()
                if b + 1 < len(blocks):
                    reads[b + 1] = fetch(b + 1)
                blk = ring[b % 3][:rows]
                t = t_buf[:rows, :w]
                np.copyto(t, blk[:, k0:k1])
                np.matmul(t, w_rows[:w], out=prod[:rows])
                blk -= prod[:rows]
                np.matmul(t, p_inv, out=blk[:, k0:k1])
                np.negative(blk[:, k0:k1], out=blk[:, k0:k1])
                for local in np.flatnonzero(where_pivot[r0:r0 + rows] >= 0):
                    j = where_pivot[r0 + local]
                    blk[local] = w_rows[j]
                    blk[local, k0:k1] = p_inv[j]
                if not last:
                    nw = min(nb, n - k1)
                    np.copyto(panel[r0:r0 + rows, :nw], blk[:, k1:k1 + nw])
                    writes[b % 3] = writer.submit(_store_tile, dst, r0, 0, blk)
                else:
                    writes[b % 3] = writer.submit(_write_ordered, out, blk, inv_order, r0)
            for f in writes:
                if f is not None:
                    f.result()
            if trace is not None:
                trace(s)  # diagnostics hook: called after each sweep
            if s > 0:  # the previous sweep's file is consumed
                path = src.filename
                del src
                os.unlink(path)
    finally:
        reader.shutdown()
        writer.shutdown()
    return {"nb": nb, "h": h, "sweeps": len(sweeps), "tile_bytes": (3 * n * nb + h * nb) * _F8}


def _write_ordered(out: np.ndarray, blk: np.ndarray, inv_order: np.ndarray, r0: int) -> None:
    """Store swept physical rows r0.. as rows inv_order[r] of the inverse, columns put in order."""
    for local in range(blk.shape[0]):
        r = int(inv_order[r0 + local])
        out[r] = blk[local, inv_order]
