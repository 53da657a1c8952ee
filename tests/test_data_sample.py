"""samples/support_qa.sql: the file the fine-tuning samples run against."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fmscript.data import FieldType, FindRequest, FMFile, FoundSet, find

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "support_qa.sql"


@pytest.fixture
def fm() -> FMFile:
    return FMFile.open(SAMPLE)


def test_tables_layouts_and_fields(fm: FMFile) -> None:
    assert fm.tables() == ["Support QA", "Global"]
    assert fm.table_for_layout("Support QA") == "Support QA"
    assert [(f.name, f.type, f.is_global) for f in fm.fields("Support QA")] == [
        ("Question", FieldType.TEXT, False),
        ("Answer", FieldType.TEXT, False),
        ("Category", FieldType.TEXT, False),
    ]
    assert {f.name for f in fm.fields("Global") if f.is_global} == {
        "OpenAI API Key",
        "Fine_Tuned_Model",
        "Fine_Tuning_API_Key",
    }


def test_rows_are_many_short_and_categorised(fm: FMFile) -> None:
    rows = [fm.record("Support QA", rid) for rid in fm.record_ids("Support QA")]
    assert len(rows) >= 24
    categories = Counter(r["Category"] for r in rows)
    assert 3 <= len(categories) <= 4 and min(categories.values()) >= 5
    assert all(r["Question"].endswith("?") and r["Answer"] for r in rows)
    assert max(len(r["Answer"]) for r in rows) <= 80  # short: a tiny model can learn them
    assert len({r["Question"] for r in rows}) == len(rows)


def test_globals_start_empty_and_are_settable(fm: FMFile) -> None:
    assert fm.get("Global", None, "OpenAI API Key") == ""
    fm.set("Global", None, "Fine_Tuned_Model", "fm-mlx-support")
    assert fm.get("Global", None, "fine_tuned_model") == "fm-mlx-support"


def test_find_and_browse_a_category(fm: FMFile) -> None:
    ids = find(fm, "Support QA", [FindRequest([("Category", "==Shipping")])])
    fs = FoundSet("Support QA", ids)
    fs.sort(fm, [("Question", True)])
    questions = [fm.get("Support QA", rid, "Question") for rid in fs.ids]
    assert len(questions) >= 5 and questions == sorted(questions, key=str.casefold)
