"""Threads: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS honoured, invalid values named, threadpoolctl respected.

Each case runs in a child process, so that the environment is read at import as a user's would be.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

_THREAD_VARIABLES = ("PYCAUSET_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# A matmul big enough to call the BLAS, then the settings as pycauset reports them.
_REPORT = """
import numpy as np, pycauset
a = pycauset.matrix(np.ones((64, 64)))
assert float((a @ a)[0, 0]) == 64.0
info = pycauset.blas_info()
print(pycauset.get_num_threads(), info["threads"], info["blas_threads"])
"""


def _run(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in a child Python with exactly the given thread variables set."""
    environment = {k: v for k, v in os.environ.items() if k not in _THREAD_VARIABLES}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**environment, **env})


def _report(**env):
    result = _run(_REPORT, **env)
    assert result.returncode == 0, result.stderr
    return tuple(int(x) for x in result.stdout.split())


@pytest.mark.parametrize("variable", ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"])
def test_openmp_and_openblas_variables_set_the_threads(variable):
    # OMP_NUM_THREADS=1 was overridden by pycauset's first BLAS call: every core ran.
    assert _report(**{variable: "1"}) == (1, 1, 1)
    assert _report(**{variable: "2"}) == (2, 2, 2)


def test_precedence_pycauset_then_openmp_then_openblas():
    assert _report(PYCAUSET_NUM_THREADS="2", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")[0] == 2
    assert _report(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="2")[0] == 1
    assert _report(OMP_NUM_THREADS="2,1")[0] == 2  # OpenMP's nested list: the outer level


def test_default_is_the_usable_cores():
    cores = len(os.sched_getaffinity(0))
    assert _report()[0] == cores


@pytest.mark.parametrize("variable", ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"])
@pytest.mark.parametrize("value", ["four", "0", "-1", "2x"])
def test_invalid_values_raise_naming_the_variable(variable, value):
    result = _run("""
try:
    import pycauset
except ValueError as error:  # pycauset's class, derived from ValueError and PyCausetError
    print(type(error).__name__, error)
""", **{variable: value})
    assert result.returncode == 0, result.stderr
    assert f"PyCausetValueError {variable}='{value}' is not a positive whole number of threads" in result.stdout


def test_threadpoolctl_limits_are_respected_and_reported():
    pytest.importorskip("threadpoolctl")
    result = _run("""
import numpy as np, pycauset
from threadpoolctl import threadpool_limits
pycauset.set_num_threads(2)
a = pycauset.matrix(np.eye(600) * 2 + np.ones((600, 600)))
pycauset.set_memory_limit("1M")            # 2.7 MiB operands: the out-of-core solve and inverse
with threadpool_limits(limits=1, user_api="blas"):
    inside = pycauset.blas_info()["blas_threads"]
    a @ a                                  # pycauset's own calls must not lift the limit; the
    pycauset.linalg.solve(a, a)            # out-of-core ones split columns among TBB tasks with one
    pycauset.linalg.inv(a)                 # BLAS thread each and restored pycauset's setting after
    after_matmul = pycauset.blas_info()["blas_threads"]
outside = pycauset.blas_info()["blas_threads"]
print(inside, after_matmul, outside)
""", OMP_NUM_THREADS="2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1", "2"]
