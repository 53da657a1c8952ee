"""Data-driven calculation conformance: tests/conformance/calc/*.json.

Each case: ``{"calc", "result" | "error", "type"?, "context"?, "source"?, "note"?}``; the result is
compared with FileMaker's text form of the value (``to_text``); ``error`` is the error kind.
``context`` gives Get-function values for the fake context (e.g. ``{"FoundCount": "3"}``); ``db``
runs the case over a real file instead (``tests/conformance/calc_file.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fmscript.calc import values as V
from fmscript.calc.evaluator import SimpleContext, evaluate_text
from fmscript.errors import FMScriptError
from tests.conformance.calc_file import file_context

CASES = []
for path in sorted((Path(__file__).parent / "conformance" / "calc").glob("*.json")):
    for i, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        CASES.append(pytest.param(case, id=f"{path.stem}:{i}:{case['calc'][:40]}"))

_TYPES = {"text": str, "number": Decimal, "date": dt.date, "timestamp": dt.datetime}


@pytest.mark.parametrize("case", CASES)
def test_calc_case(case: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    ctx: Any = SimpleContext(info=dict(case.get("context", {})), fields=dict(case.get("fields", {})))
    if "db" in case:  # a case over a real file (design functions, ExecuteSQL, GetNthRecord)
        ctx = file_context(case, tmp_path_factory.mktemp("calc"))
    if "error" in case:
        with pytest.raises(FMScriptError) as info:
            evaluate_text(case["calc"], ctx)
        assert case["error"] in (info.value.kind, type(info.value).__name__), str(info.value)
        assert info.value.span is not None, "calc errors must carry a position"
        return
    value = evaluate_text(case["calc"], ctx)
    assert V.to_text(value) == case["result"]
    kind = case.get("type")
    if kind == "time":
        assert isinstance(value, V.FMTime)
    elif kind == "date":
        assert isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    elif kind:
        assert isinstance(value, _TYPES[kind])


def test_enough_cases() -> None:
    documented = [c for c in CASES if "claris.com" in c.values[0].get("source", "")]
    assert len(CASES) >= 150
    assert len(documented) >= 40
