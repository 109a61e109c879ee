"""Bit matrices: the packed-word product (bool and integer counts) and its fused epilogues against NumPy."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pycauset
from pycauset._array import _wrap

from conftest import assert_eq, make_array, to_pycauset

core = pycauset._core

# Shapes around word (64) and kernel-block edges, non-square, 1 x 1.
SHAPES = [(1, 1, 1), (1, 7, 1), (3, 63, 5), (64, 64, 64), (65, 127, 129), (129, 65, 63), (70, 300, 257)]


def _bits(shape, p, seed):
    return np.random.default_rng(seed).random(shape) < p


def _causal(n, seed, p=0.3):
    return np.triu(_bits((n, n), p, seed), 1)


def _counts(a, b):
    """The exact counts through BLAS (float64 holds them exactly; NumPy's integer matmul has no BLAS)."""
    return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)


@pytest.mark.parametrize("m,k,n", SHAPES)
def test_bool_product_and_counts_match_numpy(m, k, n, storage):
    a, b = _bits((m, k), 0.5, 1), _bits((k, n), 0.3, 2)
    A, B = to_pycauset(a, storage), to_pycauset(b, storage)
    assert_eq(A @ B, a @ b)
    for dtype in ("int32", "int64", "uint16", "float64"):
        assert_eq(pycauset.matmul(A, B, dtype=dtype), np.matmul(a, b, dtype=dtype))
    assert_eq(np.matmul(A, B, dtype=np.int32), np.matmul(a, b, dtype=np.int32))


def test_narrow_integer_counts_wrap_as_numpy():
    a, b = np.ones((3, 300), bool), np.ones((300, 2), bool)
    assert_eq(pycauset.matmul(pycauset.matrix(a), pycauset.matrix(b), dtype="uint8"), np.matmul(a, b, dtype=np.uint8))


def test_vectors_follow_numpy_matmul():
    a, b = _bits((70,), 0.5, 3), _bits((70, 9), 0.5, 4)
    A, B = pycauset.vector(a), pycauset.matrix(b)
    assert_eq(pycauset.matmul(A, B, dtype="int64"), np.matmul(a, b, dtype=np.int64))
    assert_eq(pycauset.matmul(B.T, A, dtype="int64"), np.matmul(b.T, a, dtype=np.int64))
    assert pycauset.matmul(A, A, dtype="int64") == np.matmul(a, a, dtype=np.int64)


@pytest.mark.parametrize("offset", [0, 1, 7, 8, 63, 64, 65])
def test_views_at_every_bit_offset(offset):
    base_a, base_b = _bits((200, 230), 0.5, 5), _bits((230, 210), 0.5, 6)
    A, B = pycauset.matrix(base_a), pycauset.matrix(base_b)
    a, b = base_a[offset:offset + 90, 3:133], base_b[1:131, offset:offset + 77]
    assert_eq(pycauset.matmul(A[offset:offset + 90, 3:133], B[1:131, offset:offset + 77], dtype="int32"),
              np.matmul(a, b, dtype=np.int32))
    # Transposed views (columns are then runs of bits) and strided slices (the unpacking path).
    assert_eq(pycauset.matmul(B[1:131, offset:offset + 77].T, A[offset:offset + 90, 3:133].T, dtype="int32"),
              np.matmul(b.T, a.T, dtype=np.int32))
    assert_eq(A[offset::3, ::2] @ B[::2, offset::5], base_a[offset::3, ::2] @ base_b[::2, offset::5])


@pytest.mark.parametrize("n", [1, 2, 63, 64, 65, 129, 300])
def test_causal_matrix_square_is_interval_sizes(n):
    c = _causal(n, 7)
    C = pycauset.matrix(c)
    assert_eq(pycauset.matmul(C, C, dtype="int32"), np.matmul(c, c, dtype=np.int32))
    native, stats = core.bit_matmul(C, C, "int32", triangular=True)
    assert_eq(_wrap(native), np.matmul(c, c, dtype=np.int32))
    assert stats["bit_triples"] <= stats["full_triples"]


def test_strictly_upper_declaration_is_checked():
    c = _causal(100, 8)
    c[50, 50] = True
    C = pycauset.matrix(c)
    with pytest.raises(ValueError, match="declared strictly upper triangular"):
        core.bit_matmul(C, C, "int32", triangular=True)
    assert_eq(pycauset.matmul(C, C, dtype="int32"), np.matmul(c, c, dtype=np.int32))  # undeclared: fine


def test_zero_blocks_are_skipped_for_triangular_operands():
    n = 4096
    C = pycauset.matrix(_causal(n, 9))
    _, stats = core.bit_matmul(C, C, "int32")
    # About n^3 / 6 of n^3 for a strictly upper-triangular square; blocks of 64 rows x 256 columns add
    # about (64 + 256) / (2 n) of it on the diagonal (0.187 at n = 4096, against 1 without skipping).
    assert stats["bit_triples"] < 0.2 * stats["full_triples"]


@pytest.mark.parametrize("m,k,n", SHAPES)
def test_epilogues_match_numpy(m, k, n):
    a, b, mask = _bits((m, k), 0.5, 10), _bits((k, n), 0.4, 11), _bits((m, n), 0.5, 12)
    A, B, M = pycauset.matrix(a), pycauset.matrix(b), pycauset.matrix(mask)
    counts = _counts(a, b)
    for invert in (False, True):
        sel = ~mask if invert else mask
        for kmax in (0, 2, 40):
            expected = np.bincount(np.minimum(counts[sel], kmax + 1), minlength=kmax + 2)
            np.testing.assert_array_equal(core.bit_product_histogram(A, B, M, kmax, invert_mask=invert), expected)
            rows, cols = core.bit_product_line_histograms(A, B, M, kmax, invert_mask=invert)
            capped = np.where(sel, np.minimum(counts, kmax + 1), -1)
            for bin_ in range(kmax + 2):
                np.testing.assert_array_equal(rows[:, bin_], (capped == bin_).sum(axis=1))
                np.testing.assert_array_equal(cols[:, bin_], (capped == bin_).sum(axis=0))
        weights = [0.5, -1.25, 3.0]
        expected_sum = np.asarray(weights)[np.minimum(counts[sel], 2)].sum()
        assert core.bit_product_weighted_sum(A, B, M, weights, invert_mask=invert) == pytest.approx(expected_sum, abs=1e-9)
        best = core.bit_product_max(A, B, M, invert_mask=invert)
        if sel.any():
            masked = np.where(sel, counts, -1)
            i, j = np.unravel_index(np.argmax(masked), masked.shape)
            assert best == (masked.max(), i, j)
        else:
            assert best == (-1, -1, -1)
    assert_eq(_wrap(core.bit_product_predicate(A, B, M)), mask & (counts == 0))
    assert_eq(_wrap(core.bit_product_predicate(A, B, M, nonzero=True)), mask & (counts != 0))
    np.testing.assert_array_equal(core.bit_product_histogram(A, B, None, 3),
                                  np.bincount(np.minimum(counts.ravel(), 4), minlength=5))


def test_links_and_interval_histogram_of_a_causal_matrix():
    c = _causal(777, 13, p=0.1)
    C = pycauset.matrix(c)
    counts = _counts(c, c)
    hist = core.bit_product_histogram(C, C, C, 5, triangular=True)
    np.testing.assert_array_equal(hist, np.bincount(np.minimum(counts[c], 6), minlength=7))
    assert_eq(_wrap(core.bit_product_predicate(C, C, C, triangular=True)), c & (counts == 0))


def test_bad_operands_raise_clear_errors():
    A = pycauset.matrix(_bits((5, 6), 0.5, 14))
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        pycauset.matmul(A, A, dtype="int32")
    with pytest.raises(ValueError, match="mask: expected a bool matrix"):
        core.bit_product_histogram(A, A.T, pycauset.matrix(np.zeros((5, 4), bool)), 3)
    with pytest.raises(ValueError, match="kmax must be >= 0"):
        core.bit_product_histogram(A, A.T, None, -1)
    with pytest.raises(ValueError, match="both operands must be bool"):
        core.bit_product_histogram(A, pycauset.matrix(np.ones((6, 5))), None, 3)
    with pytest.raises(pycauset.PyCausetError):
        core.bit_product_weighted_sum(A, A.T, None, [])
    with pytest.raises(TypeError, match="copy_bits: expected a bool array"):
        core.copy_bits(pycauset.matrix(np.ones((3, 3))))


def test_file_backed_operands_and_results_under_a_tiny_budget(budget):
    n = 3000
    c = _causal(n, 15, p=0.05)
    C = to_pycauset(c, "file")
    budget(1 << 20)  # 1 MiB: the packed columns of C (1.1 MiB) come in chunks, the result goes to a file
    native, stats = core.bit_matmul(C, C, "int32")
    out = _wrap(native)
    assert out.storage == "file"
    assert stats["column_chunks"] > 1
    counts = _counts(c, c)
    assert_eq(out, counts.astype(np.int32))
    links = _wrap(core.bit_product_predicate(C, C, C))
    assert_eq(links, c & (counts == 0))
    np.testing.assert_array_equal(core.bit_product_histogram(C, C, C, 4),
                                  np.bincount(np.minimum(counts[c], 5), minlength=6))


_LEVEL_SCRIPT = textwrap.dedent("""
    import numpy as np, pycauset
    rng = np.random.default_rng(1)
    a = rng.random((130, 333)) < 0.5
    b = rng.random((333, 67)) < 0.5
    got = pycauset.to_numpy(pycauset.matmul(pycauset.matrix(a), pycauset.matrix(b), dtype="int64"))
    assert (got == a.astype(np.int64) @ b.astype(np.int64)).all()
    print(pycauset._core.bit_kernel())
""")


@pytest.mark.slow
@pytest.mark.parametrize("level,kernels", [("baseline", {"scalar"}), ("avx2", {"avx2", "scalar"}),
                                           ("avx512", {"avx512-vpopcntdq", "avx2", "scalar"})])
def test_every_simd_level_gives_the_same_counts(level, kernels):
    env = dict(os.environ, PYCAUSET_SIMD=level)
    done = subprocess.run([sys.executable, "-c", _LEVEL_SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in kernels


def test_results_do_not_depend_on_the_thread_count():
    c = _causal(500, 16)
    C = pycauset.matrix(c)
    before = pycauset.get_num_threads()
    try:
        results = []
        for threads in (1, 2):
            pycauset.set_num_threads(threads)
            results.append((pycauset.to_numpy(pycauset.matmul(C, C, dtype="int32")),
                            core.bit_product_histogram(C, C, C, 10).tolist()))
    finally:
        pycauset.set_num_threads(before)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


# ------------------------------------------------------------------ elementwise bit operations, reductions

@pytest.mark.parametrize("shape", [(1, 1), (1, 65), (63, 1), (64, 64), (65, 127), (129, 130)])
def test_bitwise_operators_of_bool_match_numpy(shape, storage):
    a, b, c = _bits(shape, 0.5, 20), _bits(shape, 0.5, 21), _bits(shape, 0.3, 22)
    A, B, C = (to_pycauset(x, storage) for x in (a, b, c))
    assert_eq(A & B, a & b)
    assert_eq(A | B, a | b)
    assert_eq(A ^ B, a ^ b)
    assert_eq(~A, ~a)
    assert_eq((A & ~B) | (C ^ A), (a & ~b) | (c ^ a))
    assert_eq((A == B) & (B != C), (a == b) & (b != c))
    assert_eq(A & True, a & True)
    assert_eq(np.bitwise_xor(A, B), np.bitwise_xor(a, b))
    assert_eq(np.invert(A), np.invert(a))


def test_bitwise_operators_on_views_and_broadcasts():
    base = _bits((130, 140), 0.5, 23)
    A = pycauset.matrix(base)
    a = base[3:100, 5:131]
    assert_eq(A[3:100, 5:131] & A[3:100, 5:131].T.T, a & a)
    assert_eq(A[3:100, 5:131] ^ A[5:102, 7:133], a ^ base[5:102, 7:133])
    assert_eq(A[:70, :70] | A[:70, :70].T, base[:70, :70] | base[:70, :70].T)
    row = pycauset.vector(base[0, :140])
    assert_eq(A & row, base & base[0])


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "uint64", "int64"])
def test_bitwise_operators_of_integers_match_numpy(dtype):
    rng = np.random.default_rng(24)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, (13, 17), dtype=dtype, endpoint=True)
    y = rng.integers(info.min, info.max, (13, 17), dtype=dtype, endpoint=True)
    X, Y = pycauset.matrix(x), pycauset.matrix(y)
    assert_eq(X & Y, x & y)
    assert_eq(X | Y, x | y)
    assert_eq(X ^ Y, x ^ y)
    assert_eq(~X, ~x)
    assert_eq((X > 5) & (X < 90), (x > 5) & (x < 90))


def test_bitwise_operators_reject_floats_as_numpy():
    M = pycauset.matrix(np.ones((2, 2)))
    with pytest.raises(TypeError, match="bitwise_and' not supported"):
        M & M
    with pytest.raises(TypeError, match="invert' not supported"):
        ~M


def test_in_place_bitwise_operators():
    a, b = _bits((33, 70), 0.5, 25), _bits((33, 70), 0.5, 26)
    A, B = pycauset.matrix(a), pycauset.matrix(b)
    A &= B
    assert_eq(A, a & b)
    A |= B
    assert_eq(A, (a & b) | b)
    A ^= B
    assert_eq(A, ((a & b) | b) ^ b)


@pytest.mark.parametrize("shape", [(1, 1), (1, 70), (65, 1), (64, 64), (65, 127), (129, 130)])
def test_bool_sums_are_popcounts_and_degrees(shape, storage):
    a = _bits(shape, 0.4, 27)
    A = to_pycauset(a, storage)
    assert pycauset.sum(A) == a.sum() and isinstance(pycauset.sum(A), np.int64)
    assert_eq(pycauset.sum(A, axis=0), a.sum(axis=0))
    assert_eq(pycauset.sum(A, axis=1), a.sum(axis=1))
    assert A.sum() == a.sum()
    assert pycauset.any(A) == a.any() and pycauset.all(A) == a.all()
    assert pycauset.all(A | ~A) and not pycauset.any(A & ~A)
    assert_eq(pycauset.any(A, axis=0), a.any(axis=0))
    assert_eq(pycauset.all(A, axis=1), a.all(axis=1))
    assert pycauset.sum(A & ~A) == 0
    v = pycauset.vector(a[0])
    assert pycauset.sum(v) == a[0].sum() and pycauset.any(v) == a[0].any()


def test_any_all_of_numbers_follow_numpy():
    x = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    X = pycauset.matrix(x)
    assert pycauset.any(X) and not pycauset.all(X)
    assert_eq(X.any(axis=1), x.any(axis=1))
    assert_eq(X.all(axis=0), x.all(axis=0))


# ------------------------------------------------------------------ triangles

@pytest.mark.parametrize("dtype", ["bool", "int8", "float64", "complex64"])
@pytest.mark.parametrize("shape", [(1, 1), (3, 70), (70, 3), (64, 64), (129, 131)])
def test_triu_tril_match_numpy(dtype, shape, storage):
    a = make_array(shape, dtype, seed=30)
    A = to_pycauset(a, storage)
    for k in (-70, -2, -1, 0, 1, 2, 65, 200):
        assert_eq(pycauset.triu(A, k), np.triu(a, k))
        assert_eq(pycauset.tril(A, k), np.tril(a, k))


def test_triu_of_views_and_errors():
    base = _bits((150, 160), 0.5, 31)
    A = pycauset.matrix(base)
    assert_eq(pycauset.triu(A[7:140, 3:150].T, 1), np.triu(base[7:140, 3:150].T, 1))
    assert_eq(pycauset.tril(A[::3, 1::2], -1), np.tril(base[::3, 1::2], -1))
    with pytest.raises(ValueError, match="expected a 2-D matrix"):
        pycauset.triu(pycauset.vector([1, 2, 3]))
    with pytest.raises(TypeError, match="k must be an integer"):
        pycauset.triu(A, 1.5)


def test_triu_causal_matrix_product_skips_blocks():
    c = pycauset.triu(pycauset.matrix(_bits((1000, 1000), 0.5, 32)), 1)
    dense = pycauset.to_numpy(c)
    assert_eq(pycauset.matmul(c, c, dtype="int32"), _counts(dense, dense).astype(np.int32))
    _, stats = core.bit_matmul(c, c, "int32", triangular=True)
    assert stats["bit_triples"] < 0.3 * stats["full_triples"]


# ------------------------------------------------------------------ closure, bool x dense products

def _closure_reference(c):
    closed = c.copy()
    for i in range(len(c) - 1, -1, -1):
        for j in np.flatnonzero(c[i]):
            closed[i] |= closed[j]
    return closed


@pytest.mark.parametrize("n,p", [(1, 0.5), (2, 1.0), (63, 0.05), (65, 0.03), (130, 0.02), (300, 0.01)])
def test_transitive_closure_matches_a_dense_reference(n, p):
    links = np.triu(_bits((n, n), p, 40), 1)
    assert_eq(pycauset.transitive_closure(pycauset.matrix(links)), _closure_reference(links))


def test_transitive_closure_of_a_chain_and_out_of_core(budget):
    n = 3000
    chain = np.eye(n, k=1, dtype=bool)
    expected = np.triu(np.ones((n, n), bool), 1)
    assert_eq(pycauset.transitive_closure(pycauset.matrix(chain)), expected)
    links = np.triu(_bits((n, n), 0.001, 41), 1)
    L = to_pycauset(links, "file")
    budget(1 << 20)  # bands of 64 rows: later bands are read back from the spilled result
    closed = pycauset.transitive_closure(L)
    assert closed.storage == "file"
    assert_eq(closed, _closure_reference(links))


def test_transitive_closure_rejects_what_is_not_a_dag_in_natural_order():
    with pytest.raises(ValueError, match="strictly upper-triangular"):
        pycauset.transitive_closure(pycauset.matrix(np.eye(3, k=-1, dtype=bool)))
    with pytest.raises(ValueError, match="square bool matrix"):
        pycauset.transitive_closure(pycauset.matrix(np.ones((2, 3), bool)))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "uint8", "int64"])
@pytest.mark.parametrize("m,k", [(1, 1), (65, 129), (130, 64), (200, 333)])
def test_bool_times_thin_dense_matches_numpy(dtype, m, k):
    c = _bits((m, k), 0.4, 42)
    C = pycauset.matrix(c)
    for cols in (None, 1, 3, 8, 9):
        x = make_array((k,) if cols is None else (k, cols), dtype, seed=43)
        X = pycauset.vector(x) if cols is None else pycauset.matrix(x)
        assert_eq(C @ X, c @ x)
    y = make_array((m,), dtype, seed=45)
    assert_eq(pycauset.vector(y) @ C, y @ c)                   # x @ C, through Cᵀ
    assert_eq(C.T @ pycauset.vector(y), c.T @ y)              # Cᵀ @ x: columns turned by bit transposes
    assert_eq(C[1::2, ::3] @ pycauset.vector(make_array((len(range(0, k, 3)),), dtype, seed=46)),
              c[1::2, ::3] @ make_array((len(range(0, k, 3)),), dtype, seed=46))


@pytest.mark.parametrize("view", ["whole", "transposed", "sliced", "strided"])
def test_copy_bits_of_any_view_matches_numpy(view, storage):
    base = _bits((200, 131), 0.5, 50)
    A = to_pycauset(base, storage)
    pick = {"whole": lambda m: m, "transposed": lambda m: m.T, "sliced": lambda m: m[7:190, 3:120],
            "strided": lambda m: m[::3, 1::2]}[view]
    copied = _wrap(core.copy_bits(pick(A)))
    assert_eq(copied, pick(base))


_INTERRUPT_SCRIPT = textwrap.dedent("""
    import signal, sys, time
    import numpy as np, pycauset
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (a background job)
    pycauset.set_num_threads(1)
    c = pycauset.triu(pycauset.random.bernoulli((20000, 20000), p=0.5, seed=1), 1)
    x = pycauset.matrix(np.ones((20000, 8)))
    print("go", flush=True)
    start = time.perf_counter()
    try:
        for _ in range(100):      # 10 s or more of work on one thread, far more than the 0.3 s before the signal
            {call}
        print("finished", flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {{time.perf_counter() - start:.2f}} s", flush=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("call", ["pycauset.transitive_closure(c)", "c @ x", "pycauset._core.copy_bits(c.T)",
                                  "(c & ~c.T).eval()"], ids=["closure", "bool_dense", "transpose", "bit_expression"])
def test_ctrl_c_interrupts_long_bit_passes(call):
    import signal

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen([sys.executable, "-c", _INTERRUPT_SCRIPT.format(call=call)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "go"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert out.startswith("interrupted"), out + err
