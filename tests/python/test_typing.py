"""Typing: pycauset ships py.typed and stubs; `mypy --strict` passes on the stubs and on the user guide's examples.

Every ```python block of documentation/user_guide/*.md is checked. The blocks of one page form one module, in page
order, as a reader runs them (later blocks use names from earlier ones); the package under test is the one this
interpreter imports (a dev build through MYPYPATH, or an installed wheel through its site-packages). Settings beyond
--strict: allow_redefinition (a guide reuses names, e.g. `K` for a Matrix and later for its NumPy copy),
untyped_calls_exclude for dask, whose own functions lack annotations, and matplotlib and dask as optional imports.
One line carries a `type: ignore` on purpose (expressions.md: NumPy's stubs type every ufunc result as an ndarray).
Doctest (`>>>`) examples are not covered.
"""
from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

import pycauset

pytest.importorskip("mypy", reason="mypy is not installed (it is in the test extra)")

GUIDE = Path(__file__).resolve().parents[2] / "documentation" / "user_guide"
PACKAGE = Path(pycauset.__file__).resolve().parent
CONFIG = """\
[mypy]
strict = True
allow_redefinition = True
untyped_calls_exclude = dask

# Optional libraries a guide imports (its plot, the dask hand-off): checked when installed, else taken as Any.
[mypy-matplotlib.*,dask.*]
ignore_missing_imports = True
"""


def _python_blocks(page: Path) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown page, each with the line it starts on."""
    blocks, lines = [], page.read_text(encoding="utf-8").splitlines()
    start = None
    for number, line in enumerate(lines, 1):
        if start is None and re.fullmatch(r"```python\s*", line):
            start = number
        elif start is not None and line.startswith("```"):
            blocks.append((start, "\n".join(lines[start:number - 1])))
            start = None
    return blocks


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One mypy cache for this module's runs: NumPy's stubs are analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(tmp_path: Path, cache: Path, *targets: str) -> subprocess.CompletedProcess:
    config = tmp_path / "mypy.ini"
    config.write_text(CONFIG)
    env = dict(os.environ)
    installed = str(PACKAGE.parent) in {*site.getsitepackages(), site.getusersitepackages()}
    if not installed:  # a dev build: mypy finds the package (stubs first) on MYPYPATH
        env["MYPYPATH"] = str(PACKAGE.parent)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache),
         "--python-executable", sys.executable, "--no-error-summary", "--hide-error-context", *targets],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def test_package_ships_py_typed_and_stubs_for_every_public_module():
    assert (PACKAGE / "py.typed").is_file()
    for module in ("__init__", "_array", "_expr", "_operators", "_protocols", "linalg", "random", "io",
                   "causet/__init__"):
        assert (PACKAGE / f"{module}.pyi").is_file(), module


def test_stubs_declare_every_public_name():
    """Each name in __all__ of pycauset, linalg, random, causet and io is declared in its stub."""
    from pycauset import causet, io, linalg, random

    for module, stub in ((pycauset, "__init__"), (linalg, "linalg"), (random, "random"), (causet, "causet/__init__"),
                         (io, "io")):
        text = (PACKAGE / f"{stub}.pyi").read_text()
        declared = set(re.findall(r"^(?:def|class) (\w+)|^(\w+)\s*[:=]|as (\w+)", text, re.M))
        names = {name for group in declared for name in group if name}
        missing = sorted(set(module.__all__) - names)
        assert not missing, f"{stub}.pyi lacks {missing}"


def _stub_functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    """Top-level or class-level functions of a stub, by name (the first overload stands for all: same names)."""
    functions: dict[str, ast.FunctionDef] = {}
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef):
            functions.setdefault(node.name, node)
    return functions


def _parameters(function: ast.FunctionDef) -> list[tuple[str, str]]:
    a = function.args
    out = [(arg.arg, "positional") for arg in a.posonlyargs + a.args]
    if a.vararg:
        out.append((a.vararg.arg, "*"))
    out += [(arg.arg, "keyword") for arg in a.kwonlyargs]
    if a.kwarg:
        out.append((a.kwarg.arg, "**"))
    return [p for p in out if p[0] != "self"]


def _runtime_parameters(function) -> list[tuple[str, str]]:
    kinds = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.KEYWORD_ONLY: "keyword",
             inspect.Parameter.VAR_KEYWORD: "**"}
    return [(name, kinds.get(p.kind, "positional")) for name, p in inspect.signature(function).parameters.items()
            if name != "self"]


def test_stub_signatures_match_the_runtime():
    """Every function in the public stubs exists at run time with the same parameter names and kinds (the overloads
    of `reshape`, which take `*shape` at run time, excepted, and `__iter__`, which is the sequence protocol)."""
    from pycauset import _array, _expr, causet, io, linalg, random

    checked = 0
    for stub, module in (("__init__", pycauset), ("linalg", linalg), ("random", random), ("io", io),
                         ("causet/__init__", causet), ("_array", _array), ("_expr", _expr)):
        tree = ast.parse((PACKAGE / f"{stub}.pyi").read_text())
        scopes = [(module, tree)] + [(getattr(module, node.name), node) for node in tree.body
                                     if isinstance(node, ast.ClassDef) and hasattr(module, node.name)]
        for owner, scope in scopes:
            for name, function in _stub_functions(scope).items():
                if name == "__iter__":  # iteration is the sequence protocol at run time (__getitem__ until IndexError)
                    assert hasattr(owner, "__getitem__") and hasattr(owner, "__len__")
                    continue
                runtime = getattr(owner, name, None)
                assert runtime is not None, f"{stub}.pyi declares {name}, which {owner} lacks"
                if name == "reshape" or isinstance(inspect.getattr_static(owner, name, None), property):
                    continue
                assert _parameters(function) == _runtime_parameters(runtime), f"{stub}.pyi: {name}"
                checked += 1
    assert checked > 120


def test_iteration_is_what_the_stubs_say():
    rows = list(pycauset.ones((2, 3)))
    assert len(rows) == 2 and all(isinstance(row, pycauset.Vector) and row.shape == (3,) for row in rows)
    assert [float(x) for x in pycauset.vector([1.0, 2.0])] == [1.0, 2.0]


def test_stubs_pass_mypy_strict(tmp_path, cache):
    # A copy of the stubs, checked as files: given by their paths inside site-packages, they would make mypy
    # take site-packages for a source root ("mypy_extensions.py shadows library module").
    copy = tmp_path / "stubs"
    for stub in PACKAGE.rglob("*.pyi"):
        target = copy / "pycauset" / stub.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stub, target)
    out = _mypy(tmp_path, cache, *sorted(str(p) for p in copy.rglob("*.pyi")))
    assert out.returncode == 0, out.stdout + out.stderr


def test_user_guide_examples_pass_mypy_strict(tmp_path, cache):
    if not GUIDE.is_dir():
        pytest.skip("documentation/ is not next to the tests (an installed test tree)")
    modules = []
    for page in sorted(GUIDE.glob("*.md")):
        blocks = _python_blocks(page)
        if not blocks:
            continue
        source = "\n".join(f"# --- {page.name}, line {line}\n{code}\n" for line, code in blocks)
        module = tmp_path / f"guide_{page.stem}.py"
        module.write_text(source, encoding="utf-8")
        modules.append(str(module))
    assert len(modules) >= 8, modules  # the guide's pages with examples; a parsing slip would drop them
    out = _mypy(tmp_path, cache, *modules)
    assert out.returncode == 0, out.stdout + out.stderr


IDIOMS = """\
from typing import Any

import numpy as np
from typing_extensions import assert_type

import pycauset
from pycauset import causet

M = pycauset.matrix(np.eye(3))
v = pycauset.vector([1.0, 2.0, 3.0])
assert_type(M[0], pycauset.Vector)
assert_type(M[:, 1], pycauset.Vector)
assert_type(M[0:2, 0:2], pycauset.Matrix)
assert_type(M[0, 0], Any)
assert_type(M @ v, pycauset.Vector)
assert_type(M @ M, pycauset.Matrix)
assert_type(M.T, pycauset.Matrix)
assert_type(pycauset.linalg.solve(M, v), pycauset.Vector)
assert_type(pycauset.zeros(3), pycauset.Vector)
assert_type(pycauset.random.uniform((3, 3), seed=1), pycauset.Matrix)
assert_type(M.shape, tuple[int, int])
e = M * 2 + 1
assert_type(e, pycauset._expr.Expression)
r = (M * 2 + 1).eval()
f = float(M.sum()) + float(pycauset.linalg.det(M))
a = np.asarray(M)
ok: bool = np.allclose(M, np.eye(3)) and pycauset.allclose(M, M)
M += 1
M[0, 0] = 5
M[1] = v
w, V = pycauset.linalg.eigh(M)
q, R = pycauset.linalg.qr(M)
with pycauset.progress():
    pycauset.set_progress(None)
rows = [row.sum() for row in M]
mask = M[M > 0]
c = pycauset.concatenate([M, M])
pycauset.set_memory_limit("64M")
budget: int = pycauset.memory_info()["budget"]
cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=100, seed=1)
dimension: float = cs.dimension()
links = cs.links() & cs.causal
pycauset.convert_file("a.pycauset", "a.zarr", chunks=(10, 10), progress=True)
"""


def test_common_idioms_pass_and_are_typed_precisely(tmp_path, cache):
    """Everyday NumPy-style code passes --strict, and slices, products and creation have their precise types."""
    code = tmp_path / "idioms.py"
    code.write_text(IDIOMS)
    out = _mypy(tmp_path, cache, str(code))
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_catches_a_wrong_use(tmp_path, cache):
    """The check is real: a misuse of the API is reported (here, a Vector where a Matrix is required)."""
    code = tmp_path / "wrong.py"
    code.write_text("import pycauset\n"
                    "v: pycauset.Matrix = pycauset.zeros(3)\n"
                    "pycauset.set_progress('yes')\n"
                    "x = pycauset.ones((2, 2)) + 1\n"
                    "x[0, 0] = 5\n")
    out = _mypy(tmp_path, cache, str(code))
    assert out.returncode == 1
    assert 'wrong.py:2: error: Incompatible types in assignment (expression has type "Vector"' in out.stdout
    assert "wrong.py:3: error: Argument 1 to \"set_progress\"" in out.stdout
    assert "wrong.py:5: error: Unsupported target for indexed assignment (\"Expression\")" in out.stdout
