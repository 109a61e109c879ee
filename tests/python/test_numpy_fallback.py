"""NumPy's functions and ufuncs on pycauset objects: the allowlist routes to pycauset, everything else runs
NumPy's implementation on exported operands; a large file-backed operand is refused by the export guard with
a message naming the NumPy function, never NumPy's generic "no implementation found"."""
from __future__ import annotations

import numpy as np
import pytest

import pycauset

from conftest import to_pycauset

# (name, call on a square float matrix). The calls mix allowlisted functions and others.
CALLS = [
    ("allclose", lambda A: np.allclose(A, A)), ("array_equal", lambda A: np.array_equal(A, A)),
    ("asarray_sum", lambda A: np.asarray(A).sum()), ("max", lambda A: np.max(A)),
    ("amin_axis", lambda A: np.min(A, axis=0)), ("argmax", lambda A: np.argmax(A)),
    ("where", lambda A: np.where(A > 0.5, A, 0.0)), ("concatenate", lambda A: np.concatenate([A, A])),
    ("stack", lambda A: np.stack([A, A])), ("isnan", lambda A: np.isnan(A)), ("svd", lambda A: np.linalg.svd(A)[1]),
    ("cumsum", lambda A: np.cumsum(A)), ("sort", lambda A: np.sort(A, axis=1)), ("unique", lambda A: np.unique(A > 0.5)),
    ("clip", lambda A: np.clip(A, 0.2, 0.8)), ("round", lambda A: np.round(A, 2)), ("diff", lambda A: np.diff(A)),
    ("median", lambda A: np.median(A)), ("percentile", lambda A: np.percentile(A, 30)),
    ("outer", lambda A: np.outer(A[0], A[1])), ("kron", lambda A: np.kron(A[:2, :2], A[:2, :2])),
    ("tan", lambda A: np.tan(A)), ("arctan2", lambda A: np.arctan2(A, A + 1)), ("hypot", lambda A: np.hypot(A, 2)),
    ("add_reduce", lambda A: np.add.reduce(A)), ("maximum_accumulate", lambda A: np.maximum.accumulate(A)),
    ("sum_keepdims", lambda A: np.sum(A, axis=1, keepdims=True)), ("trace_offset", lambda A: np.trace(A, offset=1)),
    ("transpose", lambda A: np.transpose(A)), ("dot", lambda A: np.dot(A, A)), ("matmul", lambda A: np.matmul(A, A)),
    ("inv", lambda A: np.linalg.inv(A + 10 * np.eye(A.shape[0]))), ("det", lambda A: np.linalg.det(A)),
    ("norm", lambda A: np.linalg.norm(A)), ("maximum", lambda A: np.maximum(A, 0.5)), ("sqrt", lambda A: np.sqrt(A)),
    ("logical_and", lambda A: np.logical_and(A > 0.2, A < 0.7)), ("mean_axis", lambda A: np.mean(A, axis=1)),
    ("sum_dtype", lambda A: np.sum(A, dtype=np.float32)), ("eigh", lambda A: np.linalg.eigh(A + A.T)[0]),
]


def _numpy_of(result):
    if isinstance(result, (list, tuple)):
        return [_numpy_of(r) for r in result]
    if hasattr(result, "dtype_name") or getattr(result, "_is_pycauset_expression", False):
        return pycauset.to_numpy(result, allow_huge=True)
    return np.asarray(result)


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_small_ram_matrix_works_like_numpy(name, call):
    a = np.random.default_rng(1).random((6, 6))
    expected = call(a)
    got = call(pycauset.matrix(a))
    single = np.asarray(expected).dtype == np.float32  # pycauset sums float32 in double: rounding differs
    np.testing.assert_allclose(_numpy_of(got), np.asarray(expected), rtol=1e-6 if single else 1e-10, atol=1e-12)


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_large_file_backed_matrix_routes_or_names_the_guard(name, call, budget):
    a = np.random.default_rng(2).random((400, 400))  # 1.25 MiB: above the allowance of a 1 MiB budget
    A = to_pycauset(a, "file")
    budget(1 << 20)
    try:
        call(A)
    except pycauset.ExportGuardError as error:  # refused: the message names the function or the opt-in
        assert "numpy." in str(error) or "allow_huge" in str(error)
    except MemoryError as error:  # routed to pycauset, whose in-RAM algorithm names the budget
        assert isinstance(error, pycauset.PyCausetError) and "budget" in str(error)
    except TypeError as error:  # never NumPy's "no implementation found"
        assert "no implementation found" not in str(error)
        raise
