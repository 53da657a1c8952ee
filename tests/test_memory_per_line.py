"""Memory per script line and per escaped quote stays bounded (issue 22 item 10).

The figures the bench measures on 200,000 lines (``bench/memory_bench.py``: ≤ 1 KB of peak RSS per
source line, ≤ 10 × the file for a text constant of escaped quotes), here on 4,000 lines and
measured in-process with tracemalloc (the peak of what was allocated after it started; at this
size the parse's fixed costs add ~200 bytes a line): the streamed ``fmscript check`` (~620 bytes
a line now), the compile and run of a big script (its steps kept as offsets: ``COMPACT_FROM``
lowered so that 4,000 lines count as big; ~960), the full AST of a script below that size
(~1,180), and a text constant of 200,000 escaped quotes (~5.5 × its text). Before issue 22 the
same took ~1,650, ~2,900 and ~1,650 bytes a line and 11.8 × the text.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from fmscript.calc.evaluator import Evaluator, SimpleContext
from fmscript.runtime import compiled as compiled_mod
from fmscript.runtime.interpreter import Interpreter
from fmscript.steps.state import StepContext
from fmscript.syntax import ast
from fmscript.syntax import build as build_mod
from fmscript.syntax.build import check_script

T = TypeVar("T")
LINES = 4_000
SCRIPT = "".join(f"Set Variable [ $v{i} ; Value: {i} ]\n" for i in range(LINES)) + (
    f"Exit Script [ Text Result: $v7 + $v{LINES - 1} ]\n"
)


@pytest.fixture(autouse=True)
def _warm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Parsers, grammars and step modules loaded before measuring (they are not per line), and
    the parse's batch of pending steps (a fixed ~2.5 MB, not per line) at a size 4,000 lines
    can tell apart from growth per line."""
    monkeypatch.setattr(build_mod._Builder, "BATCH", 256)
    compiled = compiled_mod.compile_text(
        "Set Variable [ $x ; Value: 1 ]\nExit Script [ Text Result: $x ]\n", "w"
    )
    Interpreter(StepContext(None, Path("."), io.StringIO(), io.StringIO())).run(compiled)
    yield


def _peak(work: Callable[[], T]) -> tuple[int, T]:
    tracemalloc.start()
    try:
        result = work()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_check_streams_its_steps(tmp_path: Path) -> None:
    path = tmp_path / "lines.fmscript"
    path.write_text(SCRIPT, encoding="utf-8")
    checker = Evaluator(SimpleContext())

    def each(step: ast.Step) -> None:
        for value in step.options.values():
            if isinstance(value, ast.Calc):
                checker.check(value)

    peak, (count, errors) = _peak(lambda: compiled_mod.check_file(path, each))
    assert (count, errors) == (LINES + 1, [])
    assert peak / LINES < 900, f"fmscript check: {peak / LINES:.0f} bytes per line"


def test_a_big_script_runs_from_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_mod, "COMPACT_FROM", 10_000)
    ctx = StepContext(None, Path("."), io.StringIO(), io.StringIO())

    def compile_and_run() -> object:
        compiled = compiled_mod.compile_text(SCRIPT, "lines.fmscript")
        assert not compiled.errors and len(compiled.plan) == LINES + 1
        return Interpreter(ctx).run(compiled)

    peak, result = _peak(compile_and_run)
    assert str(result) == str(7 + LINES - 1)
    assert peak / LINES < 1400, f"compile + run: {peak / LINES:.0f} bytes per line"


def test_the_steps_of_a_small_script_are_lean() -> None:
    peak, (script, errors) = _peak(lambda: check_script(SCRIPT, "lines.fmscript"))
    assert errors == [] and len(script.steps) == LINES + 1
    assert peak / LINES < 1400, f"the AST: {peak / LINES:.0f} bytes per line"


def test_escaped_quotes_stay_within_ten_times_the_text() -> None:
    text = (
        'Set Variable [ $x ; Value: "' + '\\"' * 200_000 + '" ]\nExit Script [ Text Result: Length ( $x ) ]\n'
    )
    peak, (script, errors) = _peak(lambda: check_script(text, "quotes.fmscript"))
    assert errors == [] and script.steps[0].options["value"].expr.value == '"' * 200_000
    assert peak / len(text) < 8, f"{peak / len(text):.1f} × the text"
