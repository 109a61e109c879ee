"""The process-wide progress setting: set_progress / get_progress / the progress() context manager, the
PYCAUSET_PROGRESS environment variable, and progress=None meaning "use the setting" on long operations."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pycauset
from pycauset._progress import GLOBAL_DELAY, ProgressBar


@pytest.fixture(autouse=True)
def _restore_setting():
    yield
    pycauset.set_progress(None)


def _run(code: str, **environment) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with stderr piped (a non-terminal), PYCAUSET_PROGRESS as given."""
    env = {k: v for k, v in os.environ.items() if k != "PYCAUSET_PROGRESS"}
    env.update(environment)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=300)


def test_set_and_get():
    assert pycauset.get_progress() is False  # the test process runs without PYCAUSET_PROGRESS
    pycauset.set_progress(True)
    assert pycauset.get_progress() is True
    pycauset.set_progress(np.bool_(False))
    assert pycauset.get_progress() is False
    pycauset.set_progress(1)
    pycauset.set_progress(None)  # back to the environment's default
    assert pycauset.get_progress() is False


@pytest.mark.parametrize("bad", ["False", "yes", 2, 0.5, [True]], ids=repr)
def test_set_progress_refuses_non_booleans(bad):
    with pytest.raises(TypeError, match=r"set_progress: enabled must be True, False or None, got") as info:
        pycauset.set_progress(bad)
    assert isinstance(info.value, pycauset.PyCausetError)
    assert pycauset.get_progress() is False


def test_per_call_argument_is_checked_too(capsys):
    with pytest.raises(TypeError, match="progress must be True, False or None, got str 'no'"):
        pycauset.matmul(np.eye(2), np.eye(2), progress="no")


def test_context_manager_restores_the_previous_setting():
    with pycauset.progress():
        assert pycauset.get_progress() is True
        with pycauset.progress(False):
            assert pycauset.get_progress() is False
        assert pycauset.get_progress() is True
    assert pycauset.get_progress() is False
    with pytest.raises(KeyError):
        with pycauset.progress(True):
            raise KeyError("the block fails")
    assert pycauset.get_progress() is False


def test_explicit_argument_overrides_the_setting(capsys):
    a = np.ones((40, 40))
    pycauset.set_progress(True)
    pycauset.matmul(a, a, progress=False)
    assert capsys.readouterr().err == ""
    pycauset.set_progress(False)
    pycauset.matmul(a, a, progress=True)  # asked for on the call: drawn at once, even for a quick product
    assert "matmul 40x40 @ 40x40" in capsys.readouterr().err


def test_quick_operations_draw_nothing_under_the_global_setting(capsys):
    a = pycauset.matrix(np.ones((40, 40)))
    with pycauset.progress():
        a @ a
        pycauset.linalg.inv(a + pycauset.eye(40))
    assert capsys.readouterr().err == ""


def test_delayed_bar_draws_only_after_the_delay():
    import io
    import time

    quick = io.StringIO()
    with ProgressBar("quick", stream=quick, delay=60.0) as bar:
        bar(10, 10)
    assert quick.getvalue() == ""  # ended before the delay: nothing, not even the final state
    slow = io.StringIO()
    with ProgressBar("slow", stream=slow, delay=0.05) as bar:
        bar(1, 10)
        time.sleep(0.1)
        bar(10, 10)
    assert slow.getvalue().splitlines()[-1].startswith("slow [") and "100.0%" in slow.getvalue()


@pytest.mark.parametrize("value, expected", [("1", True), ("TRUE", True), (" on ", True), ("yes", True),
                                             ("0", False), ("off", False), ("", False), ("No", False)])
def test_environment_variable(value, expected):
    out = _run("import pycauset; print(pycauset.get_progress())", PYCAUSET_PROGRESS=value)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(expected)


def test_invalid_environment_variable_raises_at_import_naming_it():
    out = _run("import pycauset", PYCAUSET_PROGRESS="maybe")
    assert out.returncode != 0
    assert "PyCausetValueError: environment variable PYCAUSET_PROGRESS='maybe' is not understood" in out.stderr
    assert "expected 1, true, yes or on" in out.stderr


@pytest.mark.slow
def test_environment_turns_bars_on_for_long_operations_only():
    """A real out-of-core product of a few seconds, with stderr piped: its bar appears after the global delay and
    writes whole lines (at most one per 10 s plus the final one); a quick product and progress=False draw nothing."""
    out = _run("""
        import sys, time
        import pycauset

        small = pycauset.ones((50, 50))
        small @ small
        print("quick done", file=sys.stderr)
        pycauset.set_memory_limit("4M")
        a = pycauset.random.uniform((2048, 2048), seed=1)     # 32 MiB under a 4 MiB budget: out of core
        start = time.perf_counter()
        c = a @ a
        print(f"took {time.perf_counter() - start:.2f}", file=sys.stderr)
        pycauset.matmul(a[:256, :256], a[:256, :256], progress=False)
        print("end", file=sys.stderr)
    """, PYCAUSET_PROGRESS="1")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert lines[0] == "quick done", lines
    assert lines[-1] == "end", lines
    took = float(lines[-2].split()[1])
    bars = lines[1:-2]
    assert took > GLOBAL_DELAY, f"the product took only {took} s: make it bigger"
    assert 1 <= len(bars) <= 2 + int(took // 10), bars
    assert all(line.startswith("matmul 2048x2048 @ 2048x2048 [") for line in bars), bars
    assert "100.0%" in bars[-1] and "FLOP/s in " in bars[-1]
    assert "\r" not in out.stderr  # not a terminal: no carriage returns


def test_environment_off_draws_nothing():
    out = _run("""
        import pycauset
        pycauset.set_memory_limit("2M")
        a = pycauset.random.uniform((600, 600), seed=1)
        a @ a
        pycauset.linalg.inv(a)
    """, PYCAUSET_PROGRESS="0")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
