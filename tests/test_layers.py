"""The layering of fmscript's packages (issues 9, 19): no import cycles, no upward imports.

errors/settings ← syntax ← calc ← data ← steps ← runtime ← cli, with ai/ beside (it knows only
errors and settings), server/ above, and the root package (``fmscript/__init__.py``) on top: no
module imports it. No two modules import each other, also inside one package (the module import
graph of src/ is acyclic). Every ``import``/``from … import`` in src/ is read with
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


def _module_name(path: Path, src: Path) -> str:
    return ".".join(("fmscript", *path.relative_to(src).with_suffix("").parts)).removesuffix(".__init__")


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def _module_graph() -> dict[str, set[str]]:
    """Module -> the fmscript modules it imports when it runs, anywhere in it (module level or in a
    function: a circle through a function-level import is still two modules that each need the
    other). Imports under ``if TYPE_CHECKING:`` are left out: naming a type is not importing (the
    layer test above still forbids them upward). ``from package import submodule`` depends on the submodule, not on the package's
    ``__init__``; ``from fmscript import name`` and ``import fmscript`` depend on the root package."""
    src = SRC
    modules = {_module_name(p, src) for p in src.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.py")):
        me = _module_name(path, src)
        package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        deps: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    deps.add(sub if sub in modules else base)
        graph[me] = {d for d in deps if d in modules and d != me}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_between_modules() -> None:
    """No two modules need each other, inside a package or across packages."""
    assert _cycles(_module_graph()) == []


def test_nothing_imports_the_root_package() -> None:
    """The root package (``fmscript/__init__.py``: the public API) is the top layer: no module of
    fmscript imports it (``__version__`` is the leaf ``fmscript._version``)."""
    assert sorted(m for m, deps in _module_graph().items() if "fmscript" in deps) == []


def test_the_graph_sees_circles_and_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fmscript"
    (fake / "cli").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "cli" / "__init__.py").write_text("")
    (fake / "cli" / "a.py").write_text("def f():\n    from fmscript.cli.b import g\n")
    (fake / "cli" / "b.py").write_text("from fmscript.cli import a\nfrom fmscript import __version__\n")
    (fake / "cli" / "c.py").write_text("from fmscript.cli import a, b\n")
    (fake / "cli" / "d.py").write_text("if TYPE_CHECKING:\n    from fmscript.cli.c import x\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    graph = _module_graph()
    assert graph["fmscript.cli.b"] == {"fmscript.cli.a", "fmscript"}
    assert graph["fmscript.cli.d"] == set()  # a type-only import
    assert _cycles(graph) == [["fmscript.cli.a", "fmscript.cli.b"]]
