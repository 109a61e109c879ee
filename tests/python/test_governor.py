"""The memory governor from Python: budget setting and parsing, the environment variable, placement, accounting."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pycauset

MiB = 2**20


def _run_python(code: str, **env_updates) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter that imports the same pycauset as this one."""
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(pycauset.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")])
    for key, value in env_updates.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=120)


def _mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no MemAvailable in /proc/meminfo")


@pytest.mark.parametrize("text, expected", [
    ("64M", 64 * MiB), ("1g", 2**30), ("2048K", 2 * MiB), ("1048576", MiB), ("3MiB", 3 * MiB), (" 5 mb ", 5 * MiB),
])
def test_set_memory_limit_accepts_sizes_with_binary_suffixes(budget, text, expected):
    budget(text)
    assert pycauset.get_memory_limit() == expected
    assert pycauset.memory_info()["budget"] == expected


@pytest.mark.parametrize("text", ["", "abc", "-1", "1.5G", "12Q", "64MM", "1i", "99999999999999999999999"])
def test_unparseable_sizes_raise_value_error_naming_the_text(budget, text):
    budget(8 * MiB)
    with pytest.raises(ValueError, match="cannot parse memory size") as info:
        pycauset.set_memory_limit(text)
    assert repr(text)[1:-1] in str(info.value)
    assert pycauset.get_memory_limit() == 8 * MiB


@pytest.mark.parametrize("limit", [0, 1, MiB - 1, "1023K", "123"])
def test_budget_below_one_mib_is_refused(budget, limit):
    budget(8 * MiB)
    with pytest.raises(ValueError, match="1 MiB"):
        pycauset.set_memory_limit(limit)
    assert pycauset.get_memory_limit() == 8 * MiB


def test_none_restores_the_default_budget_which_respects_mem_available(budget):
    budget(8 * MiB)
    pycauset.set_memory_limit(None)
    info = pycauset.memory_info()
    assert pycauset.get_memory_limit() == info["default_budget"] == info["budget"]
    assert MiB <= info["default_budget"] <= _mem_available()


def test_memory_info_has_the_documented_keys():
    info = pycauset.memory_info()
    for key in ("budget", "ram_bytes", "file_bytes", "spills", "scratch_bytes", "ram_objects", "file_objects",
                "default_budget", "spill_dir"):
        assert key in info, key
    assert all(isinstance(info[k], int) for k in info if k != "spill_dir")


def test_placement_and_exact_accounting(budget):
    budget(2 * MiB)
    before = pycauset.memory_info()
    small = pycauset.zeros((100, 100))                      # 80 000 bytes: RAM
    flags = pycauset.zeros((1000, 1000), dtype="bool")      # 125 000 bytes, bool counted packed
    big = pycauset.zeros((600, 600))                        # 2 880 000 bytes > budget: a spill file
    assert (small.storage, flags.storage, big.storage) == ("ram", "ram", "file")
    assert small.path is None
    assert big.path.startswith(before["spill_dir"] + os.sep)
    after = pycauset.memory_info()
    assert after["ram_bytes"] - before["ram_bytes"] == 80_000 + 125_000
    assert after["file_bytes"] - before["file_bytes"] == 2_880_000
    assert after["ram_objects"] - before["ram_objects"] == 2
    assert after["file_objects"] - before["file_objects"] == 1
    assert after["spills"] == before["spills"]
    del small, flags, big
    end = pycauset.memory_info()
    for key in ("ram_bytes", "file_bytes", "ram_objects", "file_objects"):
        assert end[key] == before[key], key


def test_lowering_the_budget_spills_until_it_fits(budget):
    budget(16 * MiB)
    data = [np.random.default_rng(i).random((300, 300)) for i in range(4)]   # 720 000 bytes each
    objects = [pycauset.matrix(d) for d in data]
    assert all(o.storage == "ram" for o in objects)
    spills = pycauset.memory_info()["spills"]
    budget(2 * MiB)
    info = pycauset.memory_info()
    assert info["ram_bytes"] + info["scratch_bytes"] <= 2 * MiB
    assert info["spills"] - spills >= 2
    assert [o.storage for o in objects][:2] == ["file", "file"]   # the oldest go first
    for o, d in zip(objects, data):
        np.testing.assert_array_equal(pycauset.to_numpy(o, allow_huge=True), d)


def test_environment_variable_sets_the_budget_at_start():
    result = _run_python("""
        import pycauset
        print(pycauset.get_memory_limit())
    """, PYCAUSET_MEMORY_LIMIT="48M")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == 48 * MiB


@pytest.mark.parametrize("value, message", [("lots", "cannot parse PYCAUSET_MEMORY_LIMIT 'lots'"),
                                            ("1000K", "below the minimum budget of 1 MiB")])
def test_bad_environment_variable_is_a_clear_value_error(value, message):
    result = _run_python("""
        try:
            import pycauset
            pycauset.get_memory_limit()
        except ValueError as error:
            print("ValueError:", error)
    """, PYCAUSET_MEMORY_LIMIT=value)
    assert "ValueError:" in result.stdout, result.stdout + result.stderr
    assert message in result.stdout
    assert "PYCAUSET_MEMORY_LIMIT" in result.stdout


def _own_memory_cgroup_v1() -> Path | None:
    """This process's cgroup v1 memory directory, if that hierarchy is mounted and writable."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            directory = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            return directory if (directory / "memory.limit_in_bytes").exists() else None
    return None


def test_default_budget_is_cgroup_aware(tmp_path):
    parent = _own_memory_cgroup_v1()
    if os.geteuid() != 0 or parent is None:
        pytest.skip("needs root and a cgroup v1 memory hierarchy to create a capped group")
    if _mem_available() < 1024 * MiB:
        pytest.skip("needs MemAvailable above 1 GiB to tell a 256 MiB cgroup cap apart")
    group = parent / f"pycauset-test-{os.getpid()}"
    try:
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(256 * MiB))
    except OSError as error:
        pytest.skip(f"cannot create a memory cgroup here: {error}")
    try:
        code = "import pycauset; print(pycauset.memory_info()['default_budget'])"
        script = f'echo $$ > {group / "cgroup.procs"} && exec "{sys.executable}" -c "{code}"'
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(pycauset.__file__))),
                                             env.get("PYTHONPATH", "")])
        env.pop("PYCAUSET_MEMORY_LIMIT", None)
        result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        default = int(result.stdout.strip())
        # Half of the room left in the 256 MiB group, though the machine has far more available.
        assert MiB <= default <= 128 * MiB
    finally:
        group.rmdir()


def test_failed_lowering_keeps_the_old_limit():
    # The spills a lower budget needs fail (a file-size limit below the spill file): the old limit stays.
    result = _run_python("""
        import resource, signal
        import numpy as np, pycauset
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        pycauset.set_memory_limit("64M")
        m = pycauset.matrix(np.ones((1024, 1024)))   # 8 MiB in RAM
        assert m.storage == "ram"
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        try:
            pycauset.set_memory_limit("2M")
        except OSError as error:
            assert isinstance(error, pycauset.PyCausetError)
            print("OSError:", error)
        print(pycauset.get_memory_limit(), m.storage, float(np.asarray(m).sum()))
    """)
    assert result.returncode == 0, result.stderr
    assert "OSError:" in result.stdout and "file-size limit" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == f"{64 * MiB} ram 1048576.0"
