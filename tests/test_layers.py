"""The layering of fmscript's packages (issue 9): no import cycles, no upward imports.

errors/settings ← syntax ← calc ← data ← steps ← runtime ← cli, with ai/ beside (it knows only
errors and settings) and server/ on top. Every ``import``/``from … import`` in src/ is read with
``ast`` — including imports inside functions and under TYPE_CHECKING, since an upward import is
a design error wherever it is written.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "fmscript"

# package -> the fmscript packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    "syntax": {"calc", "data", "steps", "runtime", "ai", "cli", "server"},
    "calc": {"data", "steps", "runtime", "ai", "cli", "server"},
    "data": {"steps", "runtime", "ai", "cli", "server"},
    "ai": {"syntax", "calc", "data", "steps", "runtime", "cli", "server"},
    "steps": {"runtime", "cli", "server"},
    "runtime": {"cli", "server"},
}
# What the two root modules may import: nothing of the packages.
ROOT_MODULES = {"errors", "settings"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("fmscript.")]


def _layer(module: str) -> str:
    return module.split(".")[1]


def _violations() -> list[str]:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        forbidden = FORBIDDEN.get(own)
        if own in ROOT_MODULES:
            forbidden = set(FORBIDDEN) | {"cli", "server"}
        if not forbidden:
            continue
        for line, name in _imports(path):
            if _layer(name) in forbidden:
                bad.append(f"{rel}:{line}: {own} imports {name}")
    return bad


def test_no_upward_or_sideways_imports() -> None:
    assert _violations() == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above must be able to fail: a planted upward import is reported.
    fake = tmp_path / "fmscript"
    (fake / "calc").mkdir(parents=True)
    (fake / "calc" / "x.py").write_text("def f():\n    from fmscript.runtime.session import run_file\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    assert _violations() == [
        "calc/x.py:2: calc imports fmscript.runtime.session",
        "calc/x.py:2: calc imports fmscript.runtime.session.run_file",
    ]


def _module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    modules = {
        ".".join(("fmscript", *p.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        for p in SRC.rglob("*.py")
    }
    for path in SRC.rglob("*.py"):
        me = ".".join(("fmscript", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: set[str] = set()
        # Only module-level imports make an import cycle (function-level ones run later).
        for node in tree.body:
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            deps |= {n for n in names if n in modules and n != me}
        graph[me] = deps
    return graph


def test_no_import_cycles_between_modules() -> None:
    graph = _module_graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == []
