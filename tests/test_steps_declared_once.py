"""A step is declared once: its spec in ``syntax/catalogue.py`` names everything about it (issue 19).

Adding a step is its spec + its handler + its conformance case; no other table lists steps by name.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

from fmscript.syntax.catalogue import STEPS, StepSpec, resolve

SRC = Path(__file__).resolve().parents[1] / "src" / "fmscript"
NAMES = {spec.name for spec in STEPS}


def _files_naming_steps() -> dict[str, set[str]]:
    """Step name -> the files of syntax/ and steps/ that hold it as a string constant (a key, a
    comparison, a table entry — prose in docstrings and messages does not count)."""
    found: dict[str, set[str]] = {}
    for folder in ("syntax", "steps"):
        for path in sorted((SRC / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in NAMES:
                    found.setdefault(str(node.value), set()).add(f"{folder}/{path.name}")
    return found


def test_a_step_name_stands_in_at_most_two_files() -> None:
    spread = {name: sorted(files) for name, files in _files_naming_steps().items() if len(files) > 2}
    assert spread == {}


def test_the_check_sees_a_step_name() -> None:
    found = _files_naming_steps()
    assert "syntax/catalogue.py" in found["Go to Layout"]
    assert "syntax/blocks.py" in found["End Loop"]  # block structure: the one other place


def _is_function(obj: object, module_prefix: str) -> bool:
    return inspect.isfunction(obj) and obj.__module__.startswith(module_prefix)


@pytest.mark.parametrize("spec", STEPS, ids=lambda spec: spec.name)
def test_every_path_in_a_spec_resolves(spec: StepSpec) -> None:
    if spec.handler:
        handler = resolve(spec.handler)
        assert _is_function(handler, "fmscript.steps."), spec.handler
        assert list(inspect.signature(handler).parameters) == ["ctx", "step"]  # type: ignore[arg-type]
    else:
        assert not spec.runner and not spec.commits_first  # parsed but not run: nothing to run
    if spec.post:
        assert _is_function(resolve(spec.post), "fmscript.syntax.options"), spec.post
    if spec.runner:
        runner = resolve(spec.runner)
        assert _is_function(runner, "fmscript.steps."), spec.runner
        params: Callable[..., object] = runner  # type: ignore[assignment]
        assert len(inspect.signature(params).parameters) == 5


def test_no_handler_is_named_twice() -> None:
    # One exception: the steps that do nothing outside a GUI share steps.misc:nothing (docs/steps.md).
    handlers = [
        spec.handler for spec in STEPS if spec.handler and spec.handler != "fmscript.steps.misc:nothing"
    ]
    assert len(handlers) == len(set(handlers))


_HANDLER_RETURNS = ("None", "int | None", "int")


def test_every_step_function_in_steps_is_named_by_a_spec() -> None:
    """A handler that no spec names would never run: each public module-level function of a handler
    module shaped like a handler — (ctx, step) -> None / int | None — is some spec's handler."""
    named = {spec.handler for spec in STEPS}
    modules = {path.split(":")[0] for path in named if path}
    orphans = []
    for module in modules:
        mod = __import__(module, fromlist=["_"])
        for name, fn in vars(mod).items():
            if name.startswith("_") or not _is_function(fn, module):
                continue
            sig = inspect.signature(fn)
            shaped = list(sig.parameters) == ["ctx", "step"] and sig.return_annotation in _HANDLER_RETURNS
            if shaped and f"{module}:{name}" not in named:
                orphans.append(f"{module}:{name}")
    assert orphans == []
