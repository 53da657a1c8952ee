"""A big script's steps kept as offsets (``CompactSteps``) and the streamed ``fmscript check`` give
exactly what the full parse gives: the same steps (name, span, options), block tables and errors,
for every conformance script, seed and parse-conformance case (issue 22 item 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmscript.errors import FMScriptError
from fmscript.runtime import compiled as compiled_mod
from fmscript.syntax import ast
from fmscript.syntax.build import CompactSteps

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "tests" / "conformance" / "scripts").glob("*/*.fmscript"))
PARSE_CASES = [
    case["text"]
    for name in ("errors", "forms", "tokenizer")
    for case in json.loads((ROOT / "tests" / "conformance" / "parse" / f"{name}.json").read_text("utf-8"))
    if "text" in case
]


def _shape(step: ast.Step) -> tuple[object, ...]:
    return (
        step.name,
        step.written_name,
        step.lang,
        step.disabled,
        step.comment,
        step.span,
        repr(step.options),
    )


def _errors(errors: list[FMScriptError] | tuple[FMScriptError, ...]) -> list[str]:
    return [str(e) for e in errors]


def _texts() -> list[pytest.ParameterSet]:
    cases = [pytest.param(p.read_text("utf-8"), id=p.parent.name + "/" + p.name) for p in SCRIPTS]
    cases += [pytest.param(text, id=f"parse-{i}") for i, text in enumerate(PARSE_CASES)]
    return cases


@pytest.mark.parametrize("text", _texts())
def test_compact_and_streamed_agree_with_the_full_parse(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "main.fmscript"
    path.write_text(text, encoding="utf-8")
    full = compiled_mod.compile_text(text, str(path))
    monkeypatch.setattr(compiled_mod, "COMPACT_FROM", -1)
    compact = compiled_mod.compile_text(text, str(path))
    assert isinstance(compact.script.steps, CompactSteps)
    assert [_shape(s) for s in compact.script.steps] == [_shape(s) for s in full.script.steps]
    assert [_shape(p.step) for p in compact.plan] == [_shape(p.step) for p in full.plan]
    assert compact.blocks == full.blocks
    assert _errors(compact.errors) == _errors(full.errors)

    seen: list[tuple[object, ...]] = []
    count, errors = compiled_mod.check_file(path, lambda step: seen.append(_shape(step)))
    assert count == len(full.script.steps) and seen == [_shape(s) for s in full.script.steps]
    assert _errors(errors) == _errors(compiled_mod.load_script(path).errors)


def test_enough_cases() -> None:
    assert len(SCRIPTS) > 50 and len(PARSE_CASES) > 50
