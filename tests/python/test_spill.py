"""Spill files from Python: LRU spilling with values intact, the per-process directory's lifecycle,
two processes sharing a spill root, and full-disk / file-size-limit failures."""
from __future__ import annotations

import errno
import gc
import json
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pycauset

MiB = 2**20


def _env(**updates) -> dict:
    """Environment for a child interpreter that imports the same pycauset as this one."""
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(pycauset.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")])
    env.pop("PYCAUSET_MEMORY_LIMIT", None)
    env.update(updates)
    return env


def _run_python(code: str, **env_updates) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=_env(**env_updates),
                          capture_output=True, text=True, timeout=120)


def _spill_dirs(root: Path) -> list[Path]:
    base = root / f"pycauset-{os.getuid()}"
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.exists() else []


def test_objects_beyond_a_tiny_budget_live_in_spill_files(budget):
    budget(MiB)
    data = np.random.default_rng(1).random((400, 400))           # 1.28 MB > 1 MiB budget
    before = pycauset.memory_info()
    m = pycauset.matrix(data)
    assert m.storage == "file"
    path = Path(m.path)
    spill_dir = Path(before["spill_dir"])
    assert path.parent == spill_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(spill_dir.stat().st_mode) == 0o700
    info = pycauset.memory_info()
    assert info["file_bytes"] - before["file_bytes"] == data.nbytes
    assert info["file_objects"] - before["file_objects"] == 1
    np.testing.assert_array_equal(pycauset.to_numpy(m, allow_huge=True), data)
    del m
    gc.collect()
    assert not path.exists()
    assert pycauset.memory_info()["file_bytes"] == before["file_bytes"]


def test_lru_victims_are_spilled_and_reload_intact(budget):
    budget(MiB)
    rng = np.random.default_rng(2)
    data = [rng.random((180, 180)) for _ in range(3)]             # 259 200 bytes each: all three fit
    a, b, c = (pycauset.matrix(d) for d in data)
    assert (a.storage, b.storage, c.storage) == ("ram", "ram", "ram")
    pycauset.to_numpy(a)                                          # a is now the most recently used
    spills = pycauset.memory_info()["spills"]
    d_data = rng.random((200, 300))                               # 480 000 bytes: someone must go
    d = pycauset.matrix(d_data)
    assert pycauset.memory_info()["spills"] > spills
    assert b.storage == "file"                                    # least recently used goes first
    assert a.storage == "ram"
    assert d.storage == "ram"
    for obj, expected in zip((a, b, c, d), (*data, d_data)):
        np.testing.assert_array_equal(pycauset.to_numpy(obj, allow_huge=True), expected)
    # Spilled objects stay fully usable: views and writes go to the file.
    np.testing.assert_array_equal(pycauset.to_numpy(b.T, allow_huge=True), data[1].T)


def test_spill_directory_lives_under_pycauset_spill_dir_and_is_removed_at_exit(tmp_path):
    result = _run_python("""
        import json, os, pycauset
        pycauset.set_memory_limit(2**20)
        m = pycauset.zeros((500, 500))
        info = pycauset.memory_info()
        print(json.dumps({"dir": info["spill_dir"], "path": m.path, "pid": os.getpid(),
                          "exists": os.path.exists(m.path)}))
    """, PYCAUSET_SPILL_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    base = tmp_path / f"pycauset-{os.getuid()}"
    assert Path(report["dir"]).parent == base
    assert Path(report["dir"]).name.startswith(f"{report['pid']}-")
    assert report["exists"] and Path(report["path"]).parent == Path(report["dir"])
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    assert not Path(report["dir"]).exists(), "the spill directory must be removed at normal exit"


def test_dead_process_directory_is_removed_by_the_next_start(tmp_path):
    crashed = _run_python("""
        import os, pycauset
        pycauset.set_memory_limit(2**20)
        m = pycauset.zeros((500, 500))
        print(pycauset.memory_info()["spill_dir"], flush=True)
        os._exit(0)   # no atexit hooks: like a crash, the directory stays behind
    """, PYCAUSET_SPILL_DIR=str(tmp_path))
    assert crashed.returncode == 0, crashed.stderr
    left = Path(crashed.stdout.strip())
    assert left.exists() and len(list(left.iterdir())) == 2        # lock file + spill file
    nxt = _run_python("""
        import os, pycauset
        print(pycauset.memory_info()["spill_dir"])
    """, PYCAUSET_SPILL_DIR=str(tmp_path))
    assert nxt.returncode == 0, nxt.stderr
    assert not left.exists()
    assert _spill_dirs(tmp_path) == []                               # and the second one cleaned up too


_WORKER = """
    import sys, numpy as np, pycauset
    seed = int(sys.argv[1])
    rng = np.random.default_rng(seed)
    data = [rng.random((150, 150)) for _ in range(24)]      # 24 x 180 000 bytes under a 1 MiB budget
    objects = [pycauset.matrix(d) for d in data]
    for round in range(3):
        for obj, d in zip(objects, data):
            got = pycauset.to_numpy(obj, allow_huge=True)
            if not np.array_equal(got, d):
                sys.exit(f"worker {seed}: values changed in round {round}")
    info = pycauset.memory_info()
    assert info["spills"] > 0 and info["file_objects"] > 0, info
    print(info["spill_dir"], info["spills"])
"""


def test_two_processes_spilling_in_one_root_do_not_disturb_each_other(tmp_path):
    env = _env(PYCAUSET_SPILL_DIR=str(tmp_path), PYCAUSET_MEMORY_LIMIT="1M", PYCAUSET_NUM_THREADS="1")
    workers = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(_WORKER), str(seed)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (11, 12)]
    outputs = [w.communicate(timeout=180) for w in workers]
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, err
    dirs = [out.split()[0] for out, _ in outputs]
    assert dirs[0] != dirs[1]
    assert _spill_dirs(tmp_path) == []


_FSIZE_CHILD = """
    import errno, resource, signal, numpy as np, pycauset
    pycauset.set_memory_limit(8 * 2**20)
    keep = np.random.default_rng(5).random((500, 500))          # 2 MB, in RAM under the 8 MiB budget
    a = pycauset.matrix(keep)
    assert a.storage == "ram"
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)               # else the kernel kills us at the limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20))
    try:
        pycauset.zeros((1100, 1100))                            # 9.7 MB > budget: a new spill file
    except OSError as error:
        assert error.errno == errno.EFBIG, error
        assert "file-size limit" in str(error), error
        print("new:", error)
    else:
        raise SystemExit("no OSError for a spill file beyond RLIMIT_FSIZE")
    try:
        pycauset.zeros((900, 900))                              # 6.5 MB: fits only if `a` spills, which fails
    except OSError as error:
        assert error.errno == errno.EFBIG, error
        print("spill:", error)
    else:
        raise SystemExit("no OSError when spilling beyond RLIMIT_FSIZE")
    assert a.storage == "ram"
    assert np.array_equal(pycauset.to_numpy(a), keep)           # the failed spill left `a` intact
"""


def test_file_size_limit_during_spill_raises_a_clear_oserror(tmp_path):
    result = _run_python(_FSIZE_CHILD, PYCAUSET_SPILL_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "new:" in result.stdout and "spill:" in result.stdout
    assert _spill_dirs(tmp_path) == []


_ENOSPC_CHILD = """
    import errno, numpy as np, pycauset
    pycauset.set_memory_limit(2**20)
    try:
        pycauset.zeros((1000, 1000))                            # 8 MB on a 4 MiB file system
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
        assert "disk is full" in str(error) and "PYCAUSET_SPILL_DIR" in str(error), error
        print("ok:", error)
    else:
        raise SystemExit("no OSError on a full disk")
    smaller = pycauset.zeros((400, 400))                        # 1.28 MB: a spill file that fits the disk
    assert smaller.storage == "file"
"""


def test_full_disk_during_spill_raises_a_clear_oserror():
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount_point = Path(tempfile.mkdtemp(prefix="pycauset-tmpfs-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        result = _run_python(_ENOSPC_CHILD, PYCAUSET_SPILL_DIR=str(mount_point))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok:" in result.stdout
        assert _spill_dirs(mount_point) == []
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
        mount_point.rmdir()


_FORK_CHILD = """
    import os, sys, numpy as np, pycauset
    pycauset.set_memory_limit(2**20)
    keep = np.arange(250_000, dtype=np.float64).reshape(500, 500)
    a = pycauset.matrix(keep)
    parent_dir = pycauset.memory_info()["spill_dir"]
    assert a.storage == "file" and os.path.dirname(a.path) == parent_dir
    pid = os.fork()
    if pid == 0:
        # The child: its spill files go to a directory of its own, and its exit hook removes only that.
        b = pycauset.zeros((500, 500))
        child_dir = pycauset.memory_info()["spill_dir"]
        ok = child_dir != parent_dir and os.path.dirname(b.path) == child_dir
        del b
        pycauset._core.remove_spill_dir()
        os._exit(0 if ok and not os.path.exists(child_dir) else 3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert os.path.exists(a.path)
    assert np.array_equal(pycauset.to_numpy(a, allow_huge=True), keep)
    c = pycauset.zeros((500, 500))                              # the parent can still spill
    assert os.path.dirname(c.path) == parent_dir
    print("ok")
"""


def test_forked_child_spills_into_its_own_directory(tmp_path):
    result = _run_python(_FORK_CHILD, PYCAUSET_SPILL_DIR=str(tmp_path), PYCAUSET_NUM_THREADS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok"
    assert _spill_dirs(tmp_path) == []


# ---------------------------------------------------------------------------------------- an unusable spill root
_NEEDS_NO_SPILL = """
    import errno, os, numpy as np, pycauset
    m = pycauset.matrix(np.eye(3)) @ pycauset.matrix(np.eye(3))    # in-RAM work never touches the root
    print("ram:", float(np.asarray(m).sum()))
    pycauset.set_memory_limit(2**20)
    try:
        big = pycauset.zeros((500, 500))                            # 2 MB > budget: needs a spill file
        print("spilled:", big.storage, os.path.exists(big.path))
    except OSError as error:
        assert isinstance(error, pycauset.PyCausetError)
        print("OSError:", error)
"""


def test_missing_spill_root_is_created_on_first_spill(tmp_path):
    root = tmp_path / "not" / "yet"
    result = _run_python(_NEEDS_NO_SPILL, PYCAUSET_SPILL_DIR=str(root))
    assert result.returncode == 0, result.stderr
    assert "ram: 3.0" in result.stdout and "spilled: file True" in result.stdout, result.stdout
    assert root.is_dir()


def test_spill_root_that_is_a_file_fails_only_the_spill_naming_it(tmp_path):
    root = tmp_path / "a-file"
    root.write_text("not a directory")
    result = _run_python(_NEEDS_NO_SPILL, PYCAUSET_SPILL_DIR=str(root))
    assert result.returncode == 0, result.stderr            # import pycauset works
    assert "ram: 3.0" in result.stdout, result.stdout
    message = result.stdout.split("OSError:", 1)[1]
    assert str(root) in message and "PYCAUSET_SPILL_DIR" in message and "Not a directory" in message


# ---------------------------------------------------------------------------------------- impossible sizes
@pytest.mark.parametrize("shape, dtype", [((10**7, 10**7), "float64"), ((2**31, 2**31), "bool")],
                         ids=["800TB", "bool-512PiB"])
def test_impossible_allocation_fails_before_reserving_space(tmp_path, shape, dtype):
    # 800 TB once reserved blocks until the file system was full, and only then failed.
    result = _run_python(f"""
        import errno, os, shutil, time, pycauset
        pycauset.set_memory_limit(2**20)
        start = time.monotonic()
        try:
            pycauset.zeros({shape!r}, dtype={dtype!r})
        except OSError as error:
            assert error.errno in (errno.ENOSPC, errno.EFBIG), error
            print("seconds:", time.monotonic() - start)
            print("OSError:", error)
    """, PYCAUSET_SPILL_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert ("the disk is full, its file system has" in result.stdout or  # the limit hit is named
            "the file system's maximum file size" in result.stdout), result.stdout
    assert "ulimit" not in result.stdout
    assert float(result.stdout.split("seconds:")[1].split()[0]) < 1.0
    assert _spill_dirs(tmp_path) == []


# ---------------------------------------------------------------------------------------- the spill base
def test_world_writable_spill_base_is_made_owner_only(tmp_path):
    base = tmp_path / f"pycauset-{os.getuid()}"
    base.mkdir()
    base.chmod(0o777)
    result = _run_python("""
        import pycauset
        pycauset.set_memory_limit(2**20)
        m = pycauset.zeros((500, 500))
        print(m.storage)
    """, PYCAUSET_SPILL_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "file"
    assert stat.S_IMODE(base.stat().st_mode) == 0o700


def test_sweep_never_follows_symlinks_and_removes_unlocked_leftovers(tmp_path):
    base = tmp_path / f"pycauset-{os.getuid()}"
    base.mkdir(mode=0o700)
    victim = tmp_path / "victim"          # looks like a dead spill directory, but is reached through a link
    victim.mkdir()
    (victim / "owner.lock").write_text("")
    (victim / "precious.txt").write_text("keep me")
    (base / "1-planted").symlink_to(victim)
    half_made = base / "2-deadbeef"       # a process died between mkdir and taking its lock
    half_made.mkdir()
    os.utime(half_made, (0, 0))
    result = _run_python("import pycauset", PYCAUSET_SPILL_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (victim / "precious.txt").read_text() == "keep me"
    assert not half_made.exists()


_FORK_WRITES = """
    import gc, os, numpy as np, pycauset
    pycauset.set_memory_limit(2**20)
    keep = np.arange(250_000, dtype=np.float64).reshape(500, 500)
    a = pycauset.matrix(keep)
    v = pycauset.vector(np.arange(200_000.0))
    assert a.storage == "file" and v.storage == "file"
    pid = os.fork()
    if pid == 0:
        # The child writes to every inherited spilled object in every way, then drops them.
        try:
            a[0, 0] = -1.0
            a[1:3, :] = 7.0
            a += 1.0
            a.fill(2.0) if hasattr(a, "fill") else None
            v[:] = v * 3
            ok = float(a[0, 0]) in (2.0, 0.0) and float(v[1]) == 3.0
            del a, v
            gc.collect()
        except BaseException as error:
            print("child:", type(error).__name__, error, flush=True)
            os._exit(4)
        os._exit(0 if ok else 3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert os.path.exists(a.path) and os.path.exists(v.path)    # the child unlinked nothing of ours
    assert np.array_equal(pycauset.to_numpy(a, allow_huge=True), keep)
    assert np.array_equal(pycauset.to_numpy(v, allow_huge=True), np.arange(200_000.0))
    a[0, 0] = 5.0                                                # and the parent still writes its own
    assert float(a[0, 0]) == 5.0
    print("ok")
"""


def test_forked_child_never_writes_or_unlinks_the_parents_spill_files(tmp_path):
    result = _run_python(_FORK_WRITES, PYCAUSET_SPILL_DIR=str(tmp_path), PYCAUSET_NUM_THREADS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "ok"


_SPILLING_FOREVER = """
    import numpy as np, pycauset
    pycauset.set_memory_limit("2M")
    print("ready", flush=True)
    keep = []
    for i in range(10**6):                                     # allocate, spill, drop, until killed
        keep.append(pycauset.matrix(np.full((300, 300), float(i))))
        if len(keep) > 6:
            keep.pop(0)
"""


def test_sigkill_during_spills_is_cleaned_up_by_the_next_start(tmp_path):
    import random
    import time

    rng = random.Random(41)
    for _ in range(4):
        child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_SPILLING_FOREVER)], text=True,
                                 stdout=subprocess.PIPE, env=_env(PYCAUSET_SPILL_DIR=str(tmp_path)))
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))
        child.kill()
        child.communicate()
    left = _spill_dirs(tmp_path)
    assert left, "the killed processes left no spill directory (nothing to test)"
    assert _run_python("import pycauset", PYCAUSET_SPILL_DIR=str(tmp_path)).returncode == 0
    assert _spill_dirs(tmp_path) == []
