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


def test_explicit_true_overrides_the_setting_and_draws_at_once(capsys):
    # (progress=False under the setting is checked on a long product in test_environment_turns_bars_on_...)
    a = np.ones((40, 40))
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
    """Real out-of-core products with stderr piped, growing until one runs well past the global delay: the quick
    ones draw nothing, the long one draws whole lines (at most one per 10 s plus the final one), and
    progress=False draws nothing whatever the setting."""
    out = _run("""
        import sys, time
        import pycauset

        pycauset.set_memory_limit("4M")
        n = 1024
        while True:                                   # each product does twice the work of the one before
            a = pycauset.random.uniform((n, n), seed=1)   # 8 MiB and more under a 4 MiB budget: out of core
            start = time.perf_counter()
            a @ a
            took = time.perf_counter() - start
            print(f"-- {n} took {took:.3f}", file=sys.stderr, flush=True)
            if took > 1.5 or n > 8000:
                break
            n = int(n * 1.26)
        pycauset.matmul(a, a, progress=False)
        print("-- end", file=sys.stderr)
    """, PYCAUSET_PROGRESS="1")
    assert out.returncode == 0, out.stderr
    assert "\r" not in out.stderr  # not a terminal: no carriage returns
    lines = out.stderr.splitlines()
    assert lines[-1] == "-- end", lines
    ops, bars = [], []
    for line in lines[:-1]:
        if line.startswith("-- "):
            _, n, _, took = line.split()
            ops.append((int(n), float(took), bars))
            bars = []
        else:
            bars.append(line)
    assert bars == [], "progress=False drew a bar"
    n, took, last = ops[-1]
    assert took > 1.5, f"even n = {n} took only {took} s"
    assert 1 <= len(last) <= 2 + int(took // 10), last
    assert all(line.startswith(f"matmul {n}x{n} @ {n}x{n} [") for line in last), last
    assert "100.0%" in last[-1] and "FLOP/s in " in last[-1]
    for n, took, drawn in ops[:-1]:
        if took < GLOBAL_DELAY - 0.1:  # quick (allowing for the timer around the call): no bar at all
            assert drawn == [], (n, took, drawn)


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
