"""Saving and loading causal sets: round trips, atomic replacement, and corrupt or foreign files."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pycauset
from pycauset import causet


def assert_same_causal_set(loaded, original):
    assert type(loaded) is causet.CausalSet
    assert (loaded.n, loaded.d, loaded.density, loaded.seed) == (original.n, original.d, original.density, original.seed)
    assert loaded.region == original.region
    assert bytes(loaded.causal.packbits()) == bytes(original.causal.packbits())
    if original.coordinates is None:
        assert loaded.coordinates is None
    else:
        np.testing.assert_array_equal(pycauset.to_numpy(loaded.coordinates, allow_huge=True),
                                      pycauset.to_numpy(original.coordinates))
    if original.order is None:
        assert loaded.order is None
    else:
        np.testing.assert_array_equal(loaded.order, original.order)


@pytest.mark.parametrize("region", [causet.MinkowskiDiamond(4, T=2.0), causet.MinkowskiCylinder(3, T=1.0, L=0.5),
                                    causet.MinkowskiBox(2)])
def test_sprinkled_causal_set_round_trips(tmp_path, region):
    cs = causet.sprinkle(region, n=333, seed=12)
    path = tmp_path / "a.causet"
    pycauset.save(cs, path)
    loaded = pycauset.load(path, verify=True)
    assert_same_causal_set(loaded, cs)
    assert loaded.causal.storage == "file" and loaded.causal.path.startswith(str(path))
    assert loaded.relations() == cs.relations()
    np.testing.assert_array_equal(loaded.interval_abundances(kmax=4), cs.interval_abundances(kmax=4))


def test_abstract_and_poisson_causal_sets_round_trip(tmp_path):
    abstract = causet.CausalSet(np.triu(np.ones((5, 5), dtype=bool), 1), density=3.0)
    pycauset.save(abstract, tmp_path / "chain")
    assert_same_causal_set(pycauset.load(tmp_path / "chain"), abstract)
    poisson = causet.sprinkle(causet.MinkowskiDiamond(2), density=300.0, seed=1)
    pycauset.save(poisson, str(tmp_path / "poisson"))
    assert_same_causal_set(pycauset.load(str(tmp_path / "poisson")), poisson)


def test_saving_replaces_the_previous_causal_set_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "c.causet"
    first = causet.sprinkle(causet.MinkowskiDiamond(2), n=100, seed=1)
    second = causet.sprinkle(causet.MinkowskiDiamond(3), n=50, seed=2)
    pycauset.save(first, path)
    loaded_first = pycauset.load(path)
    pycauset.save(second, path)
    assert_same_causal_set(pycauset.load(path), second)
    assert bytes(loaded_first.causal.packbits()) == bytes(first.causal.packbits())  # old mapping still reads
    pycauset.save(pycauset.load(path), path)  # onto the files it was loaded from
    assert_same_causal_set(pycauset.load(path), second)
    assert sorted(os.listdir(tmp_path)) == ["c.causet"]


def test_a_failed_save_leaves_the_previous_causal_set_intact(tmp_path):
    # A real failure: in a child process whose file-size limit (ulimit -f) is 64 KiB, saving a causal
    # matrix of 125 KiB raises OSError; the causal set saved before must survive, with no temporaries.
    path = tmp_path / "c.causet"
    cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=80, seed=3)
    pycauset.save(cs, path)
    child = textwrap.dedent(f"""
        import resource, signal
        from pycauset import causet
        import pycauset
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        big = causet.sprinkle(causet.MinkowskiDiamond(2), n=1000, seed=4)
        try:
            pycauset.save(big, {str(path)!r})
        except OSError as error:
            print("OSError", error)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("OSError"), result.stdout + result.stderr
    assert_same_causal_set(pycauset.load(path), cs)
    assert sorted(os.listdir(tmp_path)) == ["c.causet"]


def test_an_unrelated_directory_is_never_replaced(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.txt").write_text("precious")
    with pytest.raises(ValueError, match="not a saved causal set"):
        pycauset.save(causet.CausalSet(np.zeros((2, 2), dtype=bool)), tmp_path / "data")
    assert (tmp_path / "data" / "keep.txt").read_text() == "precious"
    with pytest.raises(ValueError, match="not a valid saved causal set"):
        pycauset.load(tmp_path / "data")


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.update(format="other"), "does not describe"),
    (lambda d: d.update(version=99), "format version 99"),
    (lambda d: d.pop("density"), "lacks the field"),
    (lambda d: d.update(n=7), "expected bool \\(7, 7\\)"),
    (lambda d: d.update(region={"type": "Sphere"}), "unknown region"),
])
def test_corrupt_descriptions_raise_value_error(tmp_path, damage, message):
    path = tmp_path / "c.causet"
    pycauset.save(causet.sprinkle(causet.MinkowskiDiamond(2), n=20, seed=5), path)
    description = json.loads((path / "causet.json").read_text())
    damage(description)
    (path / "causet.json").write_text(json.dumps(description))
    with pytest.raises(ValueError, match=message) as info:
        pycauset.load(path)
    assert isinstance(info.value, pycauset.PyCausetError)


def test_a_corrupt_container_is_detected(tmp_path):
    path = tmp_path / "c.causet"
    pycauset.save(causet.sprinkle(causet.MinkowskiDiamond(2), n=20, seed=5), path)
    (path / "causet.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        pycauset.load(path)


_KILLED_SAVER = """
import sys
import pycauset
from pycauset import causet
cs = causet.sprinkle(causet.MinkowskiDiamond(3), n=3000, seed=8)
print("ready", flush=True)
while True:
    pycauset.save(cs, sys.argv[1])
"""


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_causal_set(tmp_path):
    # Whatever moment a saving process dies, the target loads as the old causal set or the complete new one
    # (checksums verified), and the next save there removes the temporary directory the dead writer left.
    import random

    target = tmp_path / "c.causet"
    old = causet.sprinkle(causet.MinkowskiDiamond(2), n=50, seed=1)
    new = causet.sprinkle(causet.MinkowskiDiamond(3), n=3000, seed=8)
    pycauset.save(old, target)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    rng = random.Random(5)
    outcomes = {"old": 0, "new": 0}
    for _ in range(6):
        child = subprocess.Popen([sys.executable, "-c", _KILLED_SAVER, str(target)], env=env, stdout=subprocess.PIPE,
                                 text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.05))  # one save of the 1.1 MB causal set takes a few ms
        child.kill()
        child.communicate()
        loaded = pycauset.load(target, verify=True)
        if loaded.n == old.n:
            assert_same_causal_set(loaded, old)
            outcomes["old"] += 1
        else:
            assert_same_causal_set(loaded, new)
            outcomes["new"] += 1
            pycauset.save(old, target)
    assert outcomes["old"] + outcomes["new"] == 6
    pycauset.save(old, target)
    assert sorted(os.listdir(tmp_path)) == ["c.causet"]
