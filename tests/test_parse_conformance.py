"""Data-driven parse conformance: tests/conformance/parse/*.json.

Each file is a list of cases: ``{"name", "source", "text", "steps": [{"name", "lang"?, "line"?,
"options": {key: described value}}]}`` or ``{"name", "text", "error": {"kind", "line", "column",
"message"?}}``. ``steps`` entries list only the options to assert, but every listed key must match.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmscript.errors import FMScriptError
from fmscript.syntax.blocks import analyse_blocks
from fmscript.syntax.build import check_script
from tests.conformance.describe import describe_step

CASES = []
for path in sorted((Path(__file__).parent / "conformance" / "parse").glob("*.json")):
    for case in json.loads(path.read_text(encoding="utf-8")):
        CASES.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))


def _parse(text: str) -> tuple[list, list[FMScriptError]]:
    script, errors = check_script(text, "case.fmscript")
    _, block_errors = analyse_blocks(script)
    errors = sorted(errors + block_errors, key=lambda e: (e.span.line, e.span.column))
    return list(script.steps), errors


@pytest.mark.parametrize("case", CASES)
def test_parse_case(case: dict) -> None:
    steps, errors = _parse(case["text"])
    if "error" in case:
        want = case["error"]
        assert errors, f"expected a {want['kind']} error, parsed fine"
        err = errors[0]
        assert err.kind == want["kind"], str(err)
        assert (err.span.line, err.span.column) == (want["line"], want["column"]), str(err)
        if "message" in want:
            assert want["message"] in err.message, str(err)
        rendered = str(err)
        assert rendered.startswith(f"case.fmscript:{want['line']}:{want['column']}: {want['kind']}: ")
        assert "^" in rendered.splitlines()[-1]
        return
    assert not errors, "\n".join(str(e) for e in errors)
    got = [describe_step(s) for s in steps]
    assert len(got) == len(case["steps"]), json.dumps(got, ensure_ascii=False, indent=1)
    for expected, actual, step in zip(case["steps"], got, steps, strict=True):
        assert actual["name"] == expected["name"]
        if "lang" in expected:
            assert step.lang == expected["lang"]
        if "line" in expected:
            assert actual["line"] == expected["line"]
        for key in ("comment", "disabled"):
            if key in expected:
                assert actual.get(key) == expected[key]
        for key, value in expected.get("options", {}).items():
            assert key in actual["options"], f"{step.name}: option {key} missing in {actual['options']}"
            assert actual["options"][key] == value, f"{step.name}.{key}"
        if expected.get("exact"):
            assert set(actual["options"]) == set(expected.get("options", {}))
