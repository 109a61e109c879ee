"""One error taxonomy: every exception pycauset raises derives from PyCausetError and the matching builtin.

A list of bad calls, each with the builtin it must also be and words its message must contain, so that
both ``except ValueError`` and ``except pycauset.PyCausetError`` catch it and the message helps.
"""
from __future__ import annotations

import numpy as np
import pytest

import pycauset

M = pycauset.matrix(np.arange(6.0).reshape(2, 3))
V = pycauset.vector([1, 2, 3])
B = pycauset.matrix(np.eye(2, dtype=bool))

BAD_CALLS = [
    # (id, call, builtin, words in the message)
    ("rank-3 shape", lambda: pycauset.zeros((2, 2, 2)), ValueError, "rank 3"),
    ("negative shape", lambda: pycauset.zeros((-1, 2)), ValueError, "negative"),
    ("float shape", lambda: pycauset.zeros(2.5), TypeError, "shape"),
    ("unsupported dtype", lambda: pycauset.zeros(3, dtype="float16"), TypeError, "supported dtypes"),
    ("unknown dtype", lambda: pycauset.zeros(3, dtype="no-such-type"), TypeError, "not understood"),
    ("index out of range", lambda: M[2, 0], IndexError, "out of bounds"),
    ("too many indices", lambda: M[0, 0, 0], IndexError, "too many indices"),
    ("vector too many indices", lambda: V[0, 0], IndexError, "too many indices"),
    ("element from sequence", lambda: M.__setitem__((0, 0), [1, 2]), ValueError, "sequence"),
    ("packbits of floats", lambda: M.packbits(), TypeError, "bool"),
    ("truth of many", lambda: bool(V), ValueError, "ambiguous"),
    ("float of many", lambda: float(V), TypeError, "size 1"),
    ("item of many", lambda: V.item(), ValueError, "size 1"),
    ("flat item out of range", lambda: V.item(3), IndexError, "out of bounds"),
    ("reshape to rank 3", lambda: V.reshape(1, 1, 3), ValueError, "rank 3"),
    ("reshape wrong size", lambda: V.reshape(2, 2), ValueError, "cannot reshape"),
    ("diagonal of vector", lambda: V.diagonal(), ValueError, "2-D"),
    ("axis out of range", lambda: M.sum(axis=2), ValueError, "out of bounds"),
    ("axis not an int", lambda: M.sum(axis=1.5), TypeError, "axis"),
    ("trace of vector", lambda: pycauset.trace(V), ValueError, "2-D"),
    ("argmax of empty", lambda: pycauset.argmax(pycauset.zeros(0)), ValueError, "empty"),
    ("in-place cast", lambda: V.__iadd__(1.5), TypeError, "Cannot cast"),
    ("memory limit too small", lambda: pycauset.set_memory_limit(1000), ValueError, "1 MiB"),
    ("zero threads", lambda: pycauset.set_num_threads(0), ValueError, "at least 1"),
    ("arange step 0", lambda: pycauset.arange(0, 5, 0), ValueError, "step"),
    ("concatenate nothing", lambda: pycauset.concatenate([]), ValueError, "at least one"),
    ("concatenate ranks", lambda: pycauset.concatenate([M, V]), ValueError, "dimensions"),
    ("concatenate axis", lambda: pycauset.concatenate([M, M], axis=2), IndexError, "out of bounds"),
    ("stack matrices", lambda: pycauset.stack([M, M]), ValueError, "rank-3"),
    ("where with one of x, y", lambda: pycauset.where(V > 1, V), ValueError, "both or neither"),
    ("bernoulli p", lambda: pycauset.random.bernoulli(3, p=2), ValueError, "probability"),
    ("integers dtype", lambda: pycauset.random.integers(0, 3, 3, dtype="float64"), TypeError, "integer dtype"),
    ("random bool", lambda: pycauset.random.uniform(3, dtype="bool"), TypeError, "bernoulli"),
    ("negative seed", lambda: pycauset.random.uniform(3, seed=-1), ValueError, "seed"),
    ("normal scale", lambda: pycauset.random.normal(3, scale=-1), ValueError, "scale"),
    ("bool matmul shape", lambda: B @ pycauset.matrix(np.eye(3, dtype=bool)), ValueError, "mismatch"),
    ("diagonal offset float", lambda: M.diagonal(1.5), TypeError, "offset must be an integer"),
    ("reshape float", lambda: V.reshape(1.5), TypeError, "dimension must be an integer"),
    ("threads float", lambda: pycauset.set_num_threads(2.5), TypeError, "n must be an integer"),
    ("ddof float", lambda: pycauset.var(V, ddof=0.5), TypeError, "ddof must be an integer"),
    ("diag k float", lambda: pycauset.diag(V, k=0.5), TypeError, "k must be an integer"),
    ("load missing file", lambda: pycauset.load("/nonexistent/dir/x.pycauset"), OSError, "x.pycauset"),
]


@pytest.mark.parametrize("call, builtin, words", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_every_error_is_a_pycauset_error_and_the_builtin(call, builtin, words):
    with pytest.raises(pycauset.PyCausetError) as caught:
        call()
    assert isinstance(caught.value, builtin), f"{type(caught.value).__mro__} lacks {builtin.__name__}"
    assert words in str(caught.value), f"message {str(caught.value)!r} does not mention {words!r}"


def test_the_classes_are_public_through_pycauset_error():
    assert issubclass(pycauset.ExportGuardError, MemoryError)
    assert issubclass(pycauset.ExportGuardError, pycauset.PyCausetError)
    for name, builtin in [("PyCausetValueError", ValueError), ("PyCausetTypeError", TypeError),
                          ("PyCausetIndexError", IndexError), ("PyCausetOSError", OSError),
                          ("PyCausetMemoryError", MemoryError), ("PyCausetNotImplementedError", NotImplementedError),
                          ("PyCausetLinAlgError", np.linalg.LinAlgError)]:
        cls = getattr(pycauset._core, name)
        assert issubclass(cls, pycauset.PyCausetError) and issubclass(cls, builtin)


@pytest.mark.parametrize("call", ["pycauset.to_dask(pycauset.ones((4, 4)))", "pycauset.from_dask(None)"])
def test_without_dask_installed_the_hand_off_raises_an_import_error_naming_the_extra(call):
    """Run where `import dask` fails (as when it is not installed): an ImportError that is a PyCausetError, as
    zarr's (test_zarr.py::test_without_zarr_installed_the_error_names_the_extra)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import sys
        sys.modules["dask"] = None  # what a missing package looks like to import
        import pycauset
        try:
            {call}
        except ImportError as error:
            assert isinstance(error, pycauset.PyCausetError), type(error).__mro__
            print(error)
        else:
            raise SystemExit("no ImportError")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "dask is not installed: install it with pip install 'pycauset[dask]'" in out.stdout
