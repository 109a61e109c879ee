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
            print(f"-- start {n}", file=sys.stderr, flush=True)
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
    # Lines between "-- start n" and "-- n took t" are the product's; others (e.g. a bar of the input's
    # generation, which on a busy machine can take over the delay too) must not be matmul bars.
    ops, bars, outside = [], [], []
    for line in lines[:-1]:
        if line.startswith("-- start "):
            outside += bars
            bars = []
        elif line.startswith("-- "):
            _, n, _, took = line.split()
            ops.append((int(n), float(took), bars))
            bars = []
        else:
            bars.append(line)
    outside += bars
    assert not any(line.startswith("matmul") for line in outside), ("a bar outside the timed products", outside)
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


# ---------------------------------------------------------------- files and expressions: bytes done / total

# Writes a 2000 x 2000 float64 matrix (32 MiB, several tiles under an 8 MiB budget) and runs each byte-counting
# long operation once: save, load(verify=True), convert_file both ways, eval of a file-backed expression (with
# and without out=). Each prints "-- <name>" to stderr after it, so the test can tell whose lines are whose.
_FILE_OPERATIONS = """
    import os, sys
    import numpy as np
    import pycauset

    {setup}
    pycauset.set_memory_limit("8M")
    d = {directory!r}
    path = lambda name: os.path.join(d, name)
    def done(name):
        print("-- " + name, file=sys.stderr, flush=True)

    m = pycauset.random.uniform((2000, 2000), seed=1)
    done("setup")
    pycauset.save(m, path("m.pycauset"){arg})
    done("save")
    a = pycauset.load(path("m.pycauset"), verify=True{arg})
    done("load")
    pycauset.convert_file(path("m.pycauset"), path("m.npy"){arg})
    done("to npy")
    pycauset.convert_file(path("m.npy"), path("back.pycauset"){arg})
    done("from npy")
    e = (a * 2.0 + 1.0).eval({kwarg})
    done("eval")
    (a - 1.0).eval(out=e{arg})
    done("eval out")
    assert pycauset.load(path("back.pycauset")).shape == (2000, 2000) and e.storage == "file"
"""

_LABELS = {"save": "save 2000x2000 float64 [", "load": "load(verify=True) m.pycauset [",
           "to npy": "convert_file m.pycauset -> m.npy [", "from npy": "convert_file m.npy -> back.pycauset [",
           "eval": "eval 2000x2000 float64 [", "eval out": "eval 2000x2000 float64 ["}


def _bars_by_operation(stderr: str) -> dict:
    """Split piped stderr at the "-- name" markers: {name: [bar lines drawn before the marker]}."""
    bars, drawn = {}, []
    for line in stderr.splitlines():
        if line.startswith("-- "):
            bars[line[3:]] = drawn
            drawn = []
        else:
            drawn.append(line)
    assert drawn == [], drawn
    return bars


def _file_operations(directory, setup: str = "", arg: str = "", **environment) -> dict:
    """Run the file operations in a child writing its 92 MB of files into `directory` (a test's tmp_path)."""
    kwarg = arg.lstrip(", ")
    out = _run(_FILE_OPERATIONS.format(directory=str(directory), setup=setup, arg=arg, kwarg=kwarg), **environment)
    assert out.returncode == 0, out.stderr
    assert "\r" not in out.stderr  # not a terminal: whole lines, no carriage returns
    return _bars_by_operation(out.stderr)


def _assert_each_operation_drew_its_bar(bars: dict) -> None:
    assert bars["setup"] == []  # creating the matrix is not one of these operations
    for name, label in _LABELS.items():
        lines = bars[name]
        # A quick operation on a non-terminal: its first report and its final one (at most one per 10 s between).
        assert 1 <= len(lines) <= 2, (name, lines)
        assert all(line.startswith(label) for line in lines), (name, lines)
        assert "100.0%" in lines[-1] and "B/s in " in lines[-1], (name, lines)


@pytest.mark.slow
def test_file_operations_and_eval_draw_bars_when_asked(tmp_path):
    _assert_each_operation_drew_its_bar(_file_operations(tmp_path, arg=", progress=True"))


@pytest.mark.slow
def test_file_operations_and_eval_draw_nothing_with_progress_false_whatever_the_setting(tmp_path):
    bars = _file_operations(tmp_path, arg=", progress=False", PYCAUSET_PROGRESS="1")
    assert all(lines == [] for lines in bars.values()), bars


@pytest.mark.slow
def test_global_setting_turns_file_and_eval_bars_on(tmp_path):
    # The delay before a bar from the setting is tested above (test_delayed_bar_...); here it is set to zero so
    # that these few-millisecond operations show whether the setting reaches each of them.
    no_delay = "import pycauset._progress; pycauset._progress.GLOBAL_DELAY = 0.0"
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    bars = _file_operations(tmp_path / "on", setup=no_delay, PYCAUSET_PROGRESS="1")
    _assert_each_operation_drew_its_bar(bars)
    bars = _file_operations(tmp_path / "off", setup=no_delay)
    assert all(lines == [] for lines in bars.values()), bars  # setting off by default: nothing


def test_load_without_verify_draws_nothing(tmp_path, capsys):
    path = tmp_path / "v.pycauset"
    pycauset.save(pycauset.vector(np.arange(10.0)), path)
    assert capsys.readouterr().err == ""
    pycauset.load(path, progress=True)  # O(1): no checksum pass, nothing to report
    assert capsys.readouterr().err == ""


def test_progress_of_a_ram_expression_and_of_bool_words(capsys):
    a = pycauset.matrix(np.arange(12.0).reshape(3, 4))
    assert np.array_equal(pycauset.to_numpy((a + 1).eval(progress=True)), np.arange(12.0).reshape(3, 4) + 1)
    assert capsys.readouterr().err.splitlines()[-1].startswith("eval 3x4 float64 [####")
    b = pycauset.matrix(np.eye(70, dtype=bool))
    (b & ~b).eval(progress=True)  # the packed-word evaluator reports in bands of rows
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith("eval 70x70 bool [") and "100.0%" in line


@pytest.mark.parametrize("call", [
    lambda path: pycauset.save(np.eye(2), path, progress="yes"),
    lambda path: pycauset.load(path, progress="yes"),
    lambda path: pycauset.convert_file(path, str(path) + ".npy", progress=2),
    lambda path: (pycauset.load(path) + 1).eval(progress="yes"),
    lambda path: pycauset.load(path).eval(progress="yes"),
], ids=["save", "load", "convert_file", "Expression.eval", "Matrix.eval"])
def test_progress_argument_of_file_operations_and_eval_is_checked(tmp_path, call):
    path = tmp_path / "a.pycauset"
    pycauset.save(np.eye(2), path)
    with pytest.raises(TypeError, match="progress must be True, False or None, got") as info:
        call(path)
    assert isinstance(info.value, pycauset.PyCausetError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pycauset"]  # nothing written on the way


@pytest.mark.parametrize("function", ["det", "slogdet"])
def test_determinants_draw_a_bar_when_asked_and_none_when_not(capsys, budget, function):
    a = pycauset.matrix(np.eye(600) + 0.001)   # 2.9 MB under a 1 MiB budget: the out-of-core LU reports
    budget(1 << 20)
    getattr(pycauset.linalg, function)(a, progress=True)
    assert f"{function} 600x600 [" in capsys.readouterr().err
    getattr(pycauset.linalg, function)(a, progress=False)
    assert capsys.readouterr().err == ""
