"""The hot loop's specialised runners (``StepSpec.runner``) do exactly what their step's handler does.

A handler is a step's one definition; a runner is the same step with per-step work done once
(``runtime/interpreter.py``). Every conformance script that uses a step with a runner runs twice —
with runners, and with every step through its handler (``Interpreter.specialize = False``) — and
both runs must print the same output and exit with the same code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fmscript.cli.testing.cases import Case, read_case
from fmscript.cli.testing.runner import run_case
from fmscript.runtime.compiled import load_script
from fmscript.runtime.interpreter import Interpreter

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "conformance" / "scripts"


def _uses_a_runner(case: Path) -> bool:
    return any(
        any(planned.specializer is not None for planned in load_script(path).plan)
        for path in case.glob("*.fmscript")
    )


CASES = [
    pytest.param(d, id=d.name)
    for d in sorted(CASES_DIR.iterdir() if CASES_DIR.is_dir() else [])
    if read_case(d / "main.fmscript") is not None and _uses_a_runner(d)
]


def _run(case: Case, monkeypatch: pytest.MonkeyPatch, specialize: bool) -> tuple[str, str, str, str]:
    # The conformance case runs as `fmscript test` runs it (cli.main, its own scratch folders).
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(Interpreter, "specialize", specialize)
    result = run_case(case)

    def same(text: str) -> str:  # each run has its own scratch folder
        return re.sub(r"fmscript-test-\w+", "SCRATCH", text)

    return result.status, same(result.message), same(result.stdout), same(result.stderr)


@pytest.mark.parametrize("case", CASES)
def test_runners_agree_with_handlers(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = read_case(case / "main.fmscript")
    assert spec is not None
    fast = _run(spec, monkeypatch, specialize=True)
    general = _run(spec, monkeypatch, specialize=False)
    assert fast == general


def test_the_check_runs_the_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without runners, a step that has one runs through its handler (so the comparison compares)."""
    import io

    from fmscript.runtime.compiled import compile_text
    from fmscript.steps.state import StepContext

    compiled = compile_text("Set Variable [ $x ; Value: 1 ]\n", "s.fmscript")
    ctx = StepContext(None, Path("."), io.StringIO(), io.StringIO())
    assert Interpreter(ctx)._runner(compiled, 0)[0].__name__ == "set_local"
    monkeypatch.setattr(Interpreter, "specialize", False)
    assert Interpreter(ctx)._runner(compiled, 0)[0].__name__ == "general"
    assert len(CASES) > 20  # most conformance scripts use If / Loop / Set Variable
