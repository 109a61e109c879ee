"""Reductions (sum, mean, min, max, norm, trace): values and dtypes against NumPy, accuracy, fusion."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset
from conftest import DTYPES, assert_eq, make_array, to_pycauset


def _np_norm(a, axis):
    """numpy.linalg.norm's Frobenius/2-norm with its result dtype."""
    return np.linalg.norm(a, axis=axis) if axis is not None else np.linalg.norm(a.reshape(-1))


REDUCTIONS = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max, "norm": _np_norm}


def _compare(got, expected, dtype):
    expected = np.asarray(expected)
    got_array = np.asarray(got) if not isinstance(got, (pycauset.Matrix, pycauset.Vector)) else \
        pycauset.to_numpy(got)
    assert got_array.dtype == expected.dtype, f"{dtype}: dtype {got_array.dtype} != {expected.dtype}"
    if expected.dtype.kind in "fc":
        rtol = 1e-5 if expected.dtype in (np.float32, np.complex64) else 1e-12
        np.testing.assert_allclose(got_array, expected, rtol=rtol)
    else:
        np.testing.assert_array_equal(got_array, expected)


@pytest.mark.parametrize("name", list(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reduction_every_dtype_against_numpy(name, axis):
    for dtype in DTYPES:
        if name in ("min", "max") and dtype.startswith("complex"):
            continue  # checked separately (lexicographic order)
        a = make_array((13, 29), dtype, seed=7)
        expected = REDUCTIONS[name](a, axis=axis)
        if name == "norm" and np.asarray(expected).dtype == np.float16:
            expected = np.asarray(expected, dtype=np.float32)
        got = getattr(pycauset, name)(pycauset.matrix(a), axis=axis)
        _compare(got, expected, dtype)
        if axis is None:
            assert np.ndim(got) == 0


@pytest.mark.parametrize("name", ["sum", "mean", "min", "max", "norm"])
def test_reductions_as_methods_vectors_and_negative_axes(name):
    v = make_array((1001,), "float64", 3)
    m = make_array((40, 50), "int32", 4)
    assert getattr(pycauset.vector(v), name)() == pytest.approx(REDUCTIONS[name](v, axis=None))
    assert getattr(pycauset.vector(v), name)(axis=0) == pytest.approx(REDUCTIONS[name](v, axis=None))
    assert_eq(getattr(pycauset.matrix(m), name)(axis=-1), np.asarray(REDUCTIONS[name](m, axis=1)))
    with pytest.raises(ValueError, match="out of bounds"):
        getattr(pycauset.vector(v), name)(axis=1)
    with pytest.raises(ValueError, match="out of bounds"):
        getattr(pycauset.matrix(m), name)(axis=2)


def test_float32_sum_of_ones_is_exact():
    n = 2**25
    ones = pycauset.ones((n,), dtype="float32")
    assert pycauset.sum(ones) == np.float32(n)
    assert pycauset.sum(ones).dtype == np.float32
    assert pycauset.mean(ones) == np.float32(1)
    # Targeted: a naive float32 running sum stalls at 2**24 = 16777216.
    assert float(pycauset.sum(pycauset.ones((2**24 + 4096,), dtype="float32"))) == 2**24 + 4096


def test_float64_sum_is_accurate():
    v = np.full(10**6, 0.1)
    assert float(pycauset.sum(pycauset.vector(v))) == pytest.approx(10**5, rel=1e-14)


def test_integer_sums_widen_and_wrap_like_numpy():
    a = np.full((300, 300), 127, dtype=np.int8)
    assert pycauset.sum(pycauset.matrix(a)) == a.sum()
    assert pycauset.sum(pycauset.matrix(a)).dtype == np.int64
    u = np.full(10, 2**63, dtype=np.uint64)
    assert pycauset.sum(pycauset.vector(u)) == u.sum()  # wraps in uint64
    b = make_array((20, 30), "bool")
    assert pycauset.sum(pycauset.matrix(b)) == b.sum() and pycauset.sum(pycauset.matrix(b)).dtype == np.int64


def test_nan_propagates_in_min_max_and_empty_raises():
    a = np.array([[1.0, np.nan, -3.0]])
    assert np.isnan(pycauset.min(pycauset.matrix(a)))
    assert np.isnan(pycauset.max(pycauset.matrix(a)))
    np.testing.assert_array_equal(pycauset.to_numpy(pycauset.max(pycauset.matrix(a), axis=0)), np.max(a, axis=0))
    with pytest.raises(ValueError, match="zero-size"):
        pycauset.min(pycauset.zeros((0, 3)))
    assert pycauset.sum(pycauset.zeros((0, 3))) == 0


def test_complex_min_max_lexicographic():
    a = np.array([[1 + 5j, 1 + 2j, 0 + 9j, 3 - 1j]], dtype=np.complex128)
    assert pycauset.min(pycauset.matrix(a)) == np.min(a)
    assert pycauset.max(pycauset.matrix(a)) == np.max(a)


def test_trace():
    for dtype in ("int8", "float32", "complex128", "bool"):
        a = make_array((7, 9), dtype, 2)
        got = pycauset.trace(pycauset.matrix(a))
        assert got == np.trace(a) and got.dtype == np.trace(a).dtype
    a = make_array((6, 6), "float64", 3)
    A = pycauset.matrix(a)
    assert (A * 2 + 1).trace() == pytest.approx(np.trace(a * 2 + 1))
    assert A.T.trace() == pytest.approx(np.trace(a))
    with pytest.raises(ValueError, match="2-D"):
        pycauset.trace(pycauset.vector([1.0, 2.0]))


def test_reductions_fuse_over_expressions():
    a, b = make_array((64, 80), "float64", 1), make_array((64, 80), "float64", 2)
    A, B = pycauset.matrix(a), pycauset.matrix(b)
    assert (A - B).norm() == pytest.approx(np.linalg.norm(a - b))
    assert pycauset.sum(A * B) == pytest.approx(np.sum(a * b))
    assert_eq((A - B).max(axis=0), np.max(a - b, axis=0))
    assert_eq(pycauset.mean(A + 1, axis=1), np.mean(a + 1, axis=1))


def test_reductions_accept_array_likes():
    assert pycauset.sum([[1, 2], [3, 4]]) == 10
    assert pycauset.max(np.arange(5)) == 4


def test_file_backed_reductions_under_tiny_budget(budget):
    budget(2**21)
    a = make_array((600, 700), "float64", 5)  # 3.2 MiB > budget
    b = make_array((600, 700), "float32", 6)
    A, B = to_pycauset(a, "file"), to_pycauset(b, "file")
    assert float((A - B).norm()) == pytest.approx(np.linalg.norm(a - b), rel=1e-12)
    assert_eq(pycauset.sum(A, axis=0), a.sum(axis=0))
    assert_eq(pycauset.min(A * B, axis=1), np.min(a * b, axis=1))
    assert float(pycauset.mean(B)) == pytest.approx(float(b.mean(dtype=np.float64)), rel=1e-6)


# ------------------------------------------------ vectorised loops (core/kernels/reduce_loops.hpp)

REAL_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
# Row lengths around the loops' widths (16 doubles a sum step, 2 vectors a min/max step) and the
# 1024-element segments the tiles are cut into.
ROW_LENGTHS = [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 2049]


def _full_range(shape, dtype, seed):
    """Random values over the dtype's whole range (integers: sums wrap), signed floats of mixed scale."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, size=shape)).astype(dtype)


def _expected(name, a):
    """NumPy's result; float32 sums and norms compared with NumPy's float64 ones of the same values (we
    accumulate in double, NumPy in float32, so ours is the closer one)."""
    if name == "norm" and a.dtype == np.float32:
        return np.linalg.norm(a.astype(np.float64).reshape(-1)).astype(np.float32)
    if name == "norm":
        return np.linalg.norm(a.reshape(-1))
    if a.dtype == np.float32 and name in ("sum", "mean"):
        return getattr(np, name)(a, dtype=np.float64).astype(np.float32)
    return getattr(np, name)(a)


@pytest.mark.parametrize("dtype", REAL_DTYPES)
def test_reductions_every_row_length_against_numpy(dtype):
    for cols in ROW_LENGTHS:
        a = _full_range((3, cols), dtype, seed=cols)
        A = pycauset.matrix(a)
        for name in ("sum", "mean", "min", "max", "norm"):
            got, want = getattr(pycauset, name)(A), _expected(name, a)
            assert got.dtype == want.dtype, f"{name} {dtype} cols={cols}: dtype {got.dtype} != {want.dtype}"
            if want.dtype.kind == "f":
                rtol = 1e-6 if want.dtype == np.float32 else 1e-12
                np.testing.assert_allclose(got, want, rtol=rtol, err_msg=f"{name} {dtype} cols={cols}")
            else:
                assert got == want, f"{name} {dtype} cols={cols}: {got} != {want}"


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "float32", "float64"])
def test_min_max_found_at_every_position(dtype):
    """The extreme element in each lane, in the second vector chain and in the tail is the one found."""
    base = np.full(77, 5, dtype=dtype)
    for k in range(77):
        a = base.copy()
        a[k] = 1
        assert pycauset.min(pycauset.vector(a)) == 1, k
        a[k] = 9
        assert pycauset.max(pycauset.vector(a)) == 9, k


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_anywhere_makes_min_and_max_nan(dtype):
    for cols in (5, 40, 1025):
        for k in sorted({0, 1, cols // 2, cols - 1}):
            a = _full_range((2, cols), dtype, seed=k)
            a[1, k] = np.nan
            A = pycauset.matrix(a)
            assert np.isnan(pycauset.min(A)) and np.isnan(pycauset.max(A)), (cols, k)
            assert np.isnan(pycauset.sum(A)) and np.isnan(pycauset.linalg.norm(A)), (cols, k)
    a = np.array([1.0, -np.inf, np.inf, 0.0], dtype=dtype)
    assert pycauset.min(pycauset.vector(a)) == -np.inf and pycauset.max(pycauset.vector(a)) == np.inf


def test_float64_reductions_of_large_random_data_match_numpy_closely():
    """Many tiles, many segments: relative difference to NumPy within 1e-12 (both are pairwise-accurate)."""
    a = np.random.default_rng(11).random((517, 3001)) - 0.25
    A = pycauset.matrix(a)
    assert float(pycauset.linalg.norm(A)) == pytest.approx(np.linalg.norm(a), rel=1e-12)
    assert float(A.sum()) == pytest.approx(a.sum(), rel=1e-12)
    assert float(A.mean()) == pytest.approx(a.mean(), rel=1e-12)
    assert A.min() == a.min() and A.max() == a.max()


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
def test_reductions_of_views(dtype):
    """Transposes and strided slices take the strided path of the tile engine; same values as NumPy."""
    a = _full_range((61, 83), dtype, seed=3)
    A = pycauset.matrix(a)
    views = {"T": (A.T, a.T), "rows": (A[::3], a[::3]), "cols": (A[:, 1::2], a[:, 1::2]),
             "block": (A[5:40:2, 7:70:3], a[5:40:2, 7:70:3]), "reversed": (A[::-1, ::-1], a[::-1, ::-1])}
    for label, (view, array) in views.items():
        array = np.ascontiguousarray(array)
        for name in ("sum", "min", "max", "norm"):
            got, want = getattr(pycauset, name)(view), _expected(name, array)
            np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == "float32" else 1e-12,
                                       err_msg=f"{name} of {label}")


def test_empty_reductions_as_numpy():
    for shape in ((0, 3), (3, 0), (0,)):
        z = pycauset.zeros(shape)
        assert pycauset.sum(z) == 0 and pycauset.sum(z).dtype == np.float64
        assert pycauset.linalg.norm(z) == 0
        with pytest.raises(ValueError, match="zero-size"):
            pycauset.max(z)
        with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
            assert np.isnan(pycauset.mean(z))
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert_eq(pycauset.mean(pycauset.zeros((0, 3)), axis=0), np.full(3, np.nan))
    assert_eq(pycauset.mean(pycauset.zeros((0, 3)), axis=1), np.zeros(0))  # nothing to average: no warning


_SIMD_SUM_SCRIPT = r"""
import json
import numpy as np
import pycauset
rng = np.random.default_rng(9)
out = {"level": pycauset._core.simd_level(), "bits": {}}
for dtype in ("float32", "float64"):
    for cols in (1, 17, 1000, 1031, 4099):
        a = (rng.standard_normal((5, cols)) * 1e3).astype(dtype)
        A = pycauset.matrix(a)
        for name in ("sum", "norm", "min", "max"):
            out["bits"][f"{name} {dtype} {cols}"] = np.asarray(getattr(pycauset, name)(A)).tobytes().hex()
print(json.dumps(out))
"""


def test_every_simd_level_reduces_to_the_same_bits():
    """The reduction loops add in the same lanes on every instruction set: identical results, bit for bit."""
    import json
    import os
    import subprocess
    import sys

    results = {}
    for level in ("baseline", "avx2", "avx512"):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYCAUSET_SIMD=level)
        run = subprocess.run([sys.executable, "-c", _SIMD_SUM_SCRIPT], env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout.strip().splitlines()[-1])
        results[result["level"]] = result["bits"]  # a CPU without a level runs a lower one
    assert "baseline" in results
    for level, bits in results.items():
        assert bits == results["baseline"], level


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64"])
def test_file_backed_leaf_reductions_read_rows_in_place(budget, dtype):
    """A spilled leaf is read in tiles (bands or blocks) whose rows the loops take whole: same as NumPy."""
    budget(2**21)
    a = _full_range((700, 1500), dtype, seed=8)  # > budget: tiles of a few rows each
    A = to_pycauset(a, "file")
    for name in ("sum", "mean", "min", "max", "norm"):
        got, want = getattr(pycauset, name)(A), _expected(name, a)
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == "float32" else 1e-12, err_msg=name)
    assert_eq(pycauset.max(A, axis=1), a.max(axis=1))
