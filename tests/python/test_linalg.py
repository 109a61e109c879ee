"""pycauset.linalg against numpy.linalg: direct (in-RAM LAPACK) and out-of-core paths."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pycauset
from pycauset import linalg
from pycauset._array import _wrap

from conftest import to_pycauset

FLOAT_DTYPES = ["float32", "float64", "complex64", "complex128"]
INT_DTYPES = ["bool", "int8", "int32", "uint16", "int64"]
SIZES = [1, 2, 5, 17, 64]
# The out-of-core tests run under this budget: every matrix below is several times larger.
TINY_BUDGET = 2**20


def _tol(dtype):
    return 2e-3 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-9


def _random(n, m, dtype, seed=0, leading_zero=0):
    """A random, non-diagonally-dominant matrix; the leading `leading_zero` square block is zero."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, m))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal((n, m))
    a[:leading_zero, :leading_zero] = 0
    return a.astype(dtype)


def _np(obj):
    return pycauset.to_numpy(obj, allow_huge=True)


def _rel_residual(a, x, b):
    """||a x - b|| / (||a|| ||x||), computed in float64/complex128."""
    a = a.astype(np.complex128)
    return np.linalg.norm(a @ x - b) / (np.linalg.norm(a) * np.linalg.norm(x))


# ------------------------------------------------------------------------------------------------
# Direct path: every float/complex dtype against NumPy.

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_inv_matches_numpy(dtype, n):
    a = _random(n, n, dtype, seed=n)
    got = linalg.inv(pycauset.matrix(a))
    assert isinstance(got, pycauset.Matrix)
    assert got.dtype == np.dtype(dtype)
    want = np.linalg.inv(a)
    assert _rel_residual(a, _np(got), np.eye(n)) < _tol(dtype)
    np.testing.assert_allclose(_np(got), want, rtol=_tol(dtype) * 100, atol=_tol(dtype) * np.abs(want).max())


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n,k", [(1, 1), (3, 1), (17, 4), (40, 63)])
def test_solve_matrix_and_vector_rhs(dtype, n, k):
    a = _random(n, n, dtype, seed=1)
    b = _random(n, k, dtype, seed=2)
    x = linalg.solve(pycauset.matrix(a), pycauset.matrix(b))
    assert isinstance(x, pycauset.Matrix) and x.shape == (n, k) and x.dtype == np.dtype(dtype)
    assert _rel_residual(a, _np(x), b) < _tol(dtype)
    v = linalg.solve(pycauset.matrix(a), pycauset.vector(b[:, 0]))
    assert isinstance(v, pycauset.Vector) and v.shape == (n,)
    np.testing.assert_allclose(_np(v), np.linalg.solve(a, b[:, 0]), rtol=_tol(dtype) * 1000, atol=_tol(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_slogdet_and_det_match_numpy(dtype, n):
    a = _random(n, n, dtype, seed=3 + n)
    sign, logabsdet = linalg.slogdet(pycauset.matrix(a))
    want_sign, want_log = np.linalg.slogdet(a)
    assert type(sign) is type(want_sign) and type(logabsdet) is type(want_log)
    np.testing.assert_allclose(sign, want_sign, rtol=_tol(dtype) * 10, atol=_tol(dtype))
    np.testing.assert_allclose(logabsdet, want_log, rtol=_tol(dtype), atol=_tol(dtype))
    d = linalg.det(pycauset.matrix(a))
    with np.errstate(over="ignore"):  # float32 determinants of n = 64 overflow, in NumPy too
        want = np.linalg.det(a)
    assert type(d) is type(want)
    np.testing.assert_allclose(d, want, rtol=_tol(dtype) * 10)


def test_slogdet_does_not_overflow_for_large_n():
    a = np.eye(300) * 1e3  # det = 1e900 overflows float64
    sign, logabsdet = linalg.slogdet(a)
    assert sign == 1.0 and np.isclose(logabsdet, 300 * np.log(1e3))
    with np.errstate(over="ignore"):
        assert linalg.det(a) == np.inf and np.linalg.det(a) == np.inf


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("n", [1, 4, 33])
def test_eigh_matches_numpy(dtype, uplo, n):
    a = _random(n, n, dtype, seed=5)
    h = a + a.conj().T
    # Poison the triangle that must not be read.
    poisoned = np.triu(h, 1) * 7 + np.tril(h) if uplo == "L" else np.tril(h, -1) * 7 + np.triu(h)
    w, v = linalg.eigh(pycauset.matrix(poisoned.astype(dtype)), UPLO=uplo)
    want_w, _ = np.linalg.eigh(h)
    assert isinstance(w, pycauset.Vector) and isinstance(v, pycauset.Matrix)
    assert w.dtype == want_w.dtype and v.dtype == np.dtype(dtype)
    np.testing.assert_allclose(_np(w), want_w, rtol=_tol(dtype), atol=_tol(dtype) * np.abs(want_w).max())
    vn = _np(v).astype(np.complex128)
    np.testing.assert_allclose(h @ vn, vn * _np(w), atol=_tol(dtype) * 10 * max(1, np.abs(want_w).max()))
    np.testing.assert_allclose(vn.conj().T @ vn, np.eye(n), atol=_tol(dtype) * 10)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_and_bool_inputs_promote_to_float64(dtype):
    rng = np.random.default_rng(7)
    if dtype == "bool":  # unit upper triangular plus a subdiagonal: determinant 1
        a = np.triu(rng.integers(0, 2, (6, 6)), 1) + np.eye(6, dtype=int) + np.eye(6, k=-1, dtype=int)
        a = a.astype(bool)
    else:  # L @ U with unit integer triangles: a full integer matrix of determinant 1
        lower = np.tril(rng.integers(0, 3, (6, 6)), -1) + np.eye(6, dtype=int)
        upper = np.triu(rng.integers(0, 3, (6, 6)), 1) + np.eye(6, dtype=int)
        a = (lower @ upper).astype(dtype)
    assert abs(np.linalg.det(a)) > 0.5
    got = linalg.inv(pycauset.matrix(a))
    assert got.dtype == np.float64
    np.testing.assert_allclose(_np(got), np.linalg.inv(a), atol=1e-10)
    rhs = (np.arange(6) % 2).astype(dtype)
    x = linalg.solve(pycauset.matrix(a), pycauset.vector(rhs))
    assert x.dtype == np.float64
    np.testing.assert_allclose(_np(x), np.linalg.solve(a, rhs), atol=1e-10)
    sign, logabsdet = linalg.slogdet(pycauset.matrix(a))
    assert np.allclose((sign, logabsdet), np.linalg.slogdet(a))
    w, _ = linalg.eigh(pycauset.matrix(a))
    assert w.dtype == np.float64
    np.testing.assert_allclose(_np(w), np.linalg.eigh(a)[0], atol=1e-10)


def test_mixed_dtypes_promote_as_numpy():
    a = _random(5, 5, "float32", seed=8)
    b = _random(5, 2, "complex128", seed=9)
    x = linalg.solve(pycauset.matrix(a), pycauset.matrix(b))
    assert x.dtype == np.linalg.solve(a, b).dtype
    np.testing.assert_allclose(_np(x), np.linalg.solve(a, b), rtol=1e-4)


def test_transposed_and_sliced_views():
    base = _random(30, 40, "float64", seed=10)
    m = pycauset.matrix(base)
    square = m[3:23, 5:25]
    np.testing.assert_allclose(_np(linalg.inv(square)), np.linalg.inv(base[3:23, 5:25]), rtol=1e-8)
    np.testing.assert_allclose(_np(linalg.inv(square.T)), np.linalg.inv(base[3:23, 5:25].T), rtol=1e-8)
    stepped = m[::2, ::3][:13, :13]
    np.testing.assert_allclose(_np(linalg.inv(stepped)), np.linalg.inv(base[::2, ::3][:13, :13]), rtol=1e-8)
    b = m[:20, 30]  # a column view as right-hand side
    np.testing.assert_allclose(_np(linalg.solve(square.T, b)), np.linalg.solve(base[3:23, 5:25].T, base[:20, 30]),
                               rtol=1e-8)
    np.testing.assert_allclose(linalg.slogdet(square.T), np.linalg.slogdet(base[3:23, 5:25]), rtol=1e-10)


def test_numpy_and_list_inputs():
    a = [[2.0, 1.0], [1.0, 3.0]]
    np.testing.assert_allclose(_np(linalg.inv(a)), np.linalg.inv(a))
    np.testing.assert_allclose(_np(linalg.solve(np.array(a), [1.0, 2.0])), np.linalg.solve(a, [1.0, 2.0]))


def test_empty_matrix():
    assert linalg.inv(np.zeros((0, 0))).shape == (0, 0)
    assert linalg.slogdet(np.zeros((0, 0))) == (1.0, 0.0)


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (1, 2)])
def test_non_square_raises_linalg_error(shape):
    a = pycauset.matrix(np.ones(shape))
    for fn in (linalg.inv, linalg.det, linalg.slogdet, linalg.eigh):
        with pytest.raises(np.linalg.LinAlgError, match="square"):
            fn(a)
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        linalg.solve(a, np.ones(shape[0]))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        linalg.inv(pycauset.vector([1.0, 2.0]))


def test_solve_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="expected 3"):
        linalg.solve(np.eye(3), np.ones(4))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_singular_input(dtype):
    a = np.ones((4, 4), dtype=dtype)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        linalg.inv(a)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        linalg.solve(a, np.ones(4, dtype=dtype))
    assert linalg.det(np.zeros((3, 3), dtype=dtype)) == 0
    sign, logabsdet = linalg.slogdet(np.zeros((3, 3), dtype=dtype))
    assert sign == 0 and logabsdet == -np.inf


def test_input_is_never_modified():
    a = _random(20, 20, "float64", seed=11)
    m = pycauset.matrix(a)
    linalg.inv(m), linalg.solve(m, np.ones(20)), linalg.slogdet(m), linalg.eigh(m)
    np.testing.assert_array_equal(_np(m), a)


# ------------------------------------------------------------------------------------------------
# Out-of-core path: matrices several times a tiny budget, so the LU runs in many column panels.

@pytest.mark.slow
@pytest.mark.parametrize("n,dtype,leading_zero", [
    (500, "float64", 0),      # random, not diagonally dominant
    (517, "float64", 170),    # singular leading block: pivots must come from other panels
    (331, "complex128", 100),
    (650, "float32", 0),
    (461, "complex64", 150),
])
def test_ooc_inv_residual(budget, n, dtype, leading_zero):
    a = _random(n, n, dtype, seed=n, leading_zero=leading_zero)
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    assert m.nbytes > 1.4 * TINY_BUDGET
    got = linalg.inv(m)
    assert got.storage == "file" and got.dtype == np.dtype(dtype)
    x = _np(got)
    assert np.linalg.norm(a @ x - np.eye(n)) / np.linalg.norm(a) < _tol(dtype) * (10 if _tol(dtype) > 1e-6 else 1)
    np.testing.assert_array_equal(_np(m), a)  # the input is untouched


@pytest.mark.slow
@pytest.mark.parametrize("n,k,dtype,leading_zero", [(480, 1, "float64", 150), (400, 300, "float64", 0),
                                                     (350, 5, "complex128", 100)])
def test_ooc_solve(budget, n, k, dtype, leading_zero):
    a = _random(n, n, dtype, seed=n, leading_zero=leading_zero)
    b = _random(n, k, dtype, seed=n + 1)
    m, rhs = to_pycauset(a, "file"), to_pycauset(b[:, 0] if k == 1 else b, "file")
    budget(TINY_BUDGET)
    x = _np(linalg.solve(m, rhs))
    assert x.shape == ((n,) if k == 1 else (n, k))
    want = np.linalg.solve(a, b[:, 0] if k == 1 else b)
    np.testing.assert_allclose(x, want, rtol=1e-7, atol=1e-9 * np.abs(want).max())


@pytest.mark.slow
def test_ooc_slogdet_matches_numpy(budget):
    a = _random(520, 520, "float64", seed=4, leading_zero=200)
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    sign, logabsdet = linalg.slogdet(m)
    want_sign, want_log = np.linalg.slogdet(a)
    assert sign == want_sign and np.isclose(logabsdet, want_log, rtol=1e-12)
    np.testing.assert_allclose(linalg.det(to_pycauset(a[:20, :20], "file")), np.linalg.det(a[:20, :20]))


@pytest.mark.slow
def test_ooc_views_and_integer_input(budget):
    base = np.random.default_rng(12).integers(-9, 10, (470, 465)).astype(np.int32)
    m = to_pycauset(base, "file")
    budget(TINY_BUDGET)
    view = m.T[3:463, 2:462]  # transposed and sliced, int32: converted in the out-of-core path
    want = base.T[3:463, 2:462].astype(np.float64)
    x = _np(linalg.inv(view))
    assert x.dtype == np.float64
    assert np.linalg.norm(want @ x - np.eye(460)) / np.linalg.norm(want) < 1e-10


@pytest.mark.slow
def test_ooc_singular_input_raises(budget):
    a = _random(400, 400, "float64", seed=13)
    a[:, 250] = a[:, 3] * 2.0  # exactly dependent columns: an exact zero pivot appears in a later panel
    a[:, 250] -= a[:, 3] * 2.0
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        linalg.inv(m)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        linalg.solve(m, np.ones(400))
    assert linalg.slogdet(m) == (0.0, -np.inf)


@pytest.mark.slow
def test_ooc_progress_callback_reaches_total(budget):
    a = _random(450, 450, "float64", seed=14)
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    calls = []
    pycauset._core.inv(m, "auto", lambda done, total: calls.append((done, total)))
    assert len(calls) >= 2 and calls[-1][0] == calls[-1][1] > 0
    assert all(d1 <= d2 for (d1, _), (d2, _) in zip(calls, calls[1:]))


_INVERSE_MEMORY = """
    import threading, time
    import pycauset
    budget = 32 << 20
    pycauset.set_memory_limit(budget)

    def rss_anon():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("RssAnon:"))

    idle = rss_anon()
    a = pycauset.random.uniform((2048, 2048), low=-1.0, seed=3)  # 32 MiB: in RAM, but too big to invert there
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    x = pycauset.linalg.inv(a)
    done.set()
    sampler.join()
    info = pycauset.memory_info()
    print(budget, peak[0] - idle, info["ram_bytes"] + info["scratch_bytes"], x.storage)
"""


@pytest.mark.slow
def test_ooc_inverse_result_and_panels_fit_the_budget_together(tmp_path):
    # The result used to be placed in RAM (it fits the budget alone) before the panels were taken back from
    # the pool, so the panels were mapped afresh beside it: 67 MiB of anonymous memory at a 32 MiB budget.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYCAUSET_SPILL_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_INVERSE_MEMORY)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    budget, peak, governed, storage = out.stdout.split()
    assert int(governed) <= int(budget), out.stdout  # the governor's own accounting
    # Measured: the panels (the whole budget) plus ~3 MiB of OpenBLAS buffers, thread stacks and arenas.
    assert int(peak) <= int(budget) + (12 << 20), out.stdout
    assert storage == "file", out.stdout  # it cannot fit beside the panels


def test_forced_paths_agree():
    a = _random(90, 90, "complex128", seed=15, leading_zero=30)
    m = pycauset.matrix(a)
    direct = _np(_wrap(pycauset._core.inv(m, "direct")))
    ooc = _np(_wrap(pycauset._core.inv(m, "ooc")))
    np.testing.assert_allclose(direct, ooc, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_ooc_result_reloads_identically(budget, tmp_path):
    if not hasattr(pycauset, "save"):
        pytest.skip("pycauset.save/load not available yet")
    a = _random(400, 400, "float64", seed=16)
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    x = linalg.inv(m)
    path = tmp_path / "inverse.pycauset"
    pycauset.save(x, str(path))
    np.testing.assert_array_equal(_np(pycauset.load(str(path))), _np(x))


def test_in_ram_only_routines_work_at_the_minimum_budget(budget):
    # No out-of-core eigh/eigvalsh/svd: they may exceed the budget by a fixed 16 MiB, so small problems
    # run at any budget >= 1 MiB (eigh of 400 x 400 float64 needs about 5 MiB).
    rng = np.random.default_rng(40)
    a = rng.random((400, 400))
    a = a + a.T
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    w, v = linalg.eigh(m)
    np.testing.assert_allclose(_np(w), np.linalg.eigvalsh(a), rtol=1e-10, atol=1e-10)
    vv = _np(v)
    np.testing.assert_allclose(a @ vv, vv * _np(w), atol=1e-9)
    np.testing.assert_allclose(_np(linalg.eigvalsh(m)), np.linalg.eigvalsh(a), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(_np(linalg.svd(m, compute_uv=False)), np.linalg.svd(a, compute_uv=False),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.slow
def test_eigh_over_budget_names_the_budget(budget):
    a = to_pycauset(np.eye(1200), "file")  # needs about 46 MiB: more than 1 MiB plus the 16 MiB allowance
    budget(TINY_BUDGET)
    message = r"eigh of a 1200x1200 float64 matrix.*needs about 4\d MiB.*budget of 1 MiB.*allowance of 16 MiB.*set_memory_limit"
    with pytest.raises(MemoryError, match=message):
        linalg.eigh(a)
    with pytest.raises(MemoryError, match=r"eigvalsh of a 1200x1200 matrix.*allowance.*set_memory_limit"):
        linalg.eigvalsh(a)


# ------------------------------------------------------------------------------------------------
# norm

@pytest.mark.parametrize("dtype", ["float64", "complex64", "int32"])
@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"])
def test_matrix_norm(dtype, ord):
    a = (_random(7, 5, "complex128" if dtype.startswith("c") else "float64", seed=17) * 10).astype(dtype)
    np.testing.assert_allclose(linalg.norm(pycauset.matrix(a), ord), np.linalg.norm(a, ord), rtol=1e-5)


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 0, np.inf, -np.inf, 0.5])
def test_vector_norm(ord):
    v = np.array([3.0, -4.0, 0.0, 1.5])
    np.testing.assert_allclose(linalg.norm(pycauset.vector(v), ord), np.linalg.norm(v, ord))


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("ord", [None, 1, np.inf])
def test_norm_along_axis(axis, ord):
    a = _random(6, 9, "float64", seed=18)
    np.testing.assert_allclose(linalg.norm(pycauset.matrix(a), ord, axis=axis), np.linalg.norm(a, ord, axis=axis))


def test_norm_of_file_backed_matrix_and_bad_orders(budget):
    a = _random(400, 300, "float64", seed=19)
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    assert np.isclose(linalg.norm(m), np.linalg.norm(a))
    with pytest.raises(NotImplementedError, match="set_memory_limit"):
        linalg.norm(m, 2)
    with pytest.raises(ValueError, match="Invalid norm order"):
        linalg.norm(m, "bogus")


def test_public_names():
    assert set(linalg.__all__) >= {"inv", "solve", "det", "slogdet", "eigh", "norm"}
    assert pycauset.linalg is linalg


@pytest.mark.slow
def test_progress_bar_draws_on_stderr(budget, capsys):
    a = _random(450, 450, "float64", seed=20)
    m = to_pycauset(a, "file")
    budget(TINY_BUDGET)
    linalg.inv(m, progress=True)
    linalg.solve(m, np.ones(450), progress=True)
    err = capsys.readouterr().err
    assert "inv 450x450" in err and "solve 450x450" in err
    assert err.count("100.0%") == 2 and err.endswith("\n")


def test_norm_result_types_follow_numpy():
    a = _random(5, 4, "float32", seed=21)
    assert linalg.norm(pycauset.matrix(a), 1).dtype == np.linalg.norm(a, 1).dtype
    by_row = linalg.norm(pycauset.matrix(a), np.inf, axis=1)
    assert isinstance(by_row, pycauset.Vector) and by_row.dtype == np.float32
    np.testing.assert_allclose(_np(by_row), np.linalg.norm(a, np.inf, axis=1), rtol=1e-6)


_INTERRUPT = """
    import os, signal, sys, threading, time
    import numpy as np, pycauset
    pycauset.set_memory_limit("4M")
    a = pycauset.random.uniform((4096, 4096), seed=1)       # 128 MiB: out of core, ~10 s of work here
    b = pycauset.random.uniform(4096, seed=2)
    call = {"inv": lambda: pycauset.linalg.inv(a), "solve": lambda: pycauset.linalg.solve(a, b),
            "det": lambda: pycauset.linalg.det(a)}[sys.argv[1]]
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (a background job)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    start = time.monotonic()
    try:
        call()
        print("finished", time.monotonic() - start)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic() - start)
    spill_files = [f for f in os.listdir(os.path.dirname(a.path)) if f.startswith("spill-")]
    print("temporaries", len(spill_files) == pycauset.memory_info()["file_objects"])  # only live objects' files
    print("input", float(a[17, 4000]) == float(pycauset.random.uniform((4096, 4096), seed=1)[17, 4000]))
"""


@pytest.mark.parametrize("kernel", ["inv", "solve", "det"])
def test_ctrl_c_interrupts_out_of_core_factorisations(tmp_path, kernel):
    # The out-of-core inverse ignored Ctrl-C until it finished (24 s at N = 4096, hours at N = 10**5).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYCAUSET_SPILL_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_INTERRUPT), kernel], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert words[0] == "interrupted", out.stdout
    assert float(words[1]) < 0.5 + 1.5, out.stdout          # within about a second of the signal
    assert "temporaries True" in out.stdout and "input True" in out.stdout, out.stdout


# ---------------------------------------------------------------- cholesky, qr, lstsq (in RAM)

@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_cholesky_qr_lstsq_match_numpy(dtype):
    rng = np.random.default_rng(40)
    m = rng.random((9, 9)).astype(dtype)
    spd = (m @ m.conj().T + 9 * np.eye(9)).astype(dtype)
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(pycauset.to_numpy(pycauset.linalg.cholesky(pycauset.matrix(spd))),
                               np.linalg.cholesky(spd), rtol=tol, atol=tol)
    np.testing.assert_allclose(pycauset.to_numpy(pycauset.linalg.cholesky(spd, upper=True)),
                               np.linalg.cholesky(spd).conj().T, rtol=tol, atol=tol)
    a = rng.random((13, 5)).astype(dtype)
    for mode in ("reduced", "complete"):
        q, r = pycauset.linalg.qr(pycauset.matrix(a), mode=mode)
        q_ref, r_ref = np.linalg.qr(a, mode=mode)
        np.testing.assert_allclose(pycauset.to_numpy(q), q_ref, rtol=tol, atol=tol)
        np.testing.assert_allclose(pycauset.to_numpy(r), r_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(pycauset.to_numpy(pycauset.linalg.qr(a, mode="r")), np.linalg.qr(a, mode="r"),
                               rtol=tol, atol=tol)
    b = rng.random(13).astype(dtype)
    x, residuals, rank, s = pycauset.linalg.lstsq(pycauset.matrix(a), pycauset.vector(b))
    x_ref, residuals_ref, rank_ref, s_ref = np.linalg.lstsq(a, b, rcond=None)
    np.testing.assert_allclose(pycauset.to_numpy(x), x_ref, rtol=tol, atol=tol)
    assert rank == rank_ref
    np.testing.assert_allclose(residuals, residuals_ref, rtol=tol, atol=tol)


def test_cholesky_qr_lstsq_bad_input():
    with pytest.raises(np.linalg.LinAlgError) as info:
        pycauset.linalg.cholesky(-np.eye(3))
    assert isinstance(info.value, pycauset.PyCausetError)
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        pycauset.linalg.cholesky(np.ones((2, 3)))
    with pytest.raises(ValueError, match="mode must be"):
        pycauset.linalg.qr(np.eye(2), mode="full")
    with pytest.raises(ValueError, match="b must have 3 rows"):
        pycauset.linalg.lstsq(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="2-D matrix"):
        pycauset.linalg.qr(np.ones(3))
