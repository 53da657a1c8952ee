"""Data-driven calculation conformance: tests/conformance/calc/*.json.

Each case: ``{"calc", "result" | "error", "type"?, "context"?, "fields"?, "source"?, "note"?}``; the
result is
compared with FileMaker's text form of the value (``to_text``); ``error`` is the error kind.
``type`` (text, number, date, time, timestamp) checks the value's type; ``context`` gives
Get-function values for the fake context (e.g. ``{"FoundCount": "3"}``) and ``fields`` field values
by name (``{"Contacts::Name": "Ada"}``); ``db`` runs the case over a real file instead
(``tests/conformance/calc_file.py``).
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
_KEYS = {"calc", "result", "error", "type", "context", "fields", "source", "note"}
_KEYS |= {"db", "layout", "sort", "record"}  # cases over a real file (calc_file.py)


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


@pytest.mark.parametrize("case", CASES)
def test_case_is_well_formed(case: dict) -> None:
    assert set(case) <= _KEYS, set(case) - _KEYS
    assert ("result" in case) != ("error" in case)
    assert case.get("type") in (None, "time", *_TYPES)


def test_enough_cases() -> None:
    documented = [c for c in CASES if "claris.com" in c.values[0].get("source", "")]
    assert len(CASES) >= 150
    assert len(documented) >= 40
