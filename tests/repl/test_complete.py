"""Tab completion and highlighting of an entry (pure functions; the terminal test drives the keys)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fmscript.cli.repl_complete import NoSources, complete, highlight
from fmscript.cli.repl_session import ReplSession, function_names
from fmscript.settings import Settings
from tests.repl.transcript import ROOT

JA = ROOT / "tests" / "conformance" / "scripts" / "_databases" / "ja.sql"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplSession]:
    home = tmp_path_factory.mktemp("home")
    s = ReplSession(JA, settings=Settings(home_override=home, documents_override=home))
    assert s.run_entry("変数を設定 [ $件数 ; 値: 1 ]")
    assert s.run_entry("Set Variable [ $$Total ; Value: 2 ]")
    yield s
    s.close()


# (text before the cursor, completions offered: (text, characters replaced), all of them in order)
CASES: list[tuple[str, list[tuple[str, int]]]] = [
    # step names, in the language typed
    ("変数を", [("変数を設定", 3)]),
    ("设置变", [("设置变量", 3)]),
    ("  Set Fi", [("Set Field", 6), ("Set Field By Name", 6)]),
    ("レコード/検索条件/ページ", [("レコード/検索条件/ページへ移動", 13)]),
    ("ページへ", [("レコード/検索条件/ページへ移動", 4)]),  # no prefix match: contained names
    # option labels of the step being written (all three languages share the label list)
    ("Set Variable [ $x ; 繰", [("繰り返し: ", 1)]),
    ("変数を設定 [ $x ; 重复", [("重复项: ", 2), ("重复: ", 2)]),
    ("Perform Find [ Res", [("Restore", 3)]),
    # variables
    ("Set Variable [ $x ; 値: $件", [("$件数", 2)]),
    ("= $$t", [("$$total", 3)]),
    ("= $", [("$件数", 1)]),  # a $ asks for $locals, not $$globals
    # table occurrences and Table::Field, names with spaces and CJK
    ("If [ サポ", [("サポート QA::", 2)]),
    ("= サポート QA::質", [("質問", 1)]),
    ("If [ not サポート QA::回", [("回答", 1)]),
    (
        "= グローバル::ファインチューニング",
        [("ファインチューニング API キー", 10), ("ファインチューニング済みモデル", 10)],
    ),
    ("Perform Find [ Find Records ; Criteria: サポート QA::カ", [("カテゴリ", 1)]),
    ("= Nowhere::x", []),
    # functions and Get names (en/ja/zh)
    ("変数を設定 [ $x ; 値: JSONSetE", [("JSONSetElement", 8)]),
    ("= Get ( 対象", [("対象レコード数", 2)]),
    ("= get(查找", [("查找个数", 2)]),
    # meta-commands
    (":he", [(":help", 3)]),
    (":help 変数", [("変数を設定", 2)]),
    # layouts inside Go to Layout's quotes
    ('Go to Layout [ "サポ', [('サポート QA"', 2)]),
    ("レイアウト切り替え [ 「グ", [("グローバル」", 1)]),
    # nothing inside text or a comment step
    ('Show Custom Dialog [ "サポ', []),
    ("# サポ", []),
]


@pytest.mark.parametrize(("before", "expected"), CASES, ids=[c[0] for c in CASES])
def test_complete(session: ReplSession, before: str, expected: list[tuple[str, int]]) -> None:
    got = [(c.text, c.replace) for c in complete(before, session, function_names)]
    assert got == expected


def test_before_the_session_is_open_only_step_names() -> None:
    assert [c.text for c in complete("变数", NoSources(), list)] == []
    assert [c.text for c in complete("设置变", NoSources(), list)] == ["设置变量"]
    assert complete("= Get ( 対象", NoSources(), list) == []


def test_highlight_styles() -> None:
    (line,) = highlight('変数を設定 [ $x ; 値: サポート QA::質問 & "a" /* c */ ]')
    styles = {text.strip(): style for style, text in line if text.strip()}
    assert styles["変数を設定"] == "step"
    assert styles["値:"] == "label"
    assert styles["$x"] == "variable"
    assert styles["サポート QA::質問"] == "field"
    assert styles['"a"'] == "string"
    assert styles["/* c */"] == "comment"
    assert "".join(text for _style, text in line) == '変数を設定 [ $x ; 値: サポート QA::質問 & "a" /* c */ ]'


def test_highlight_lines() -> None:
    lines = highlight('If [ 1 ]\n  # note [\n  Nope [ "x\ny" ]\nEnd If')
    assert lines[0][0] == ("step", "If ")
    assert lines[1] == [("comment", "  # note [")]
    assert ("unknown", "Nope ") in lines[2]
    assert lines[3][0] == ("string", 'y"')  # the second line of an open text stays text
    assert lines[4] == [("step", "End If")]
    assert highlight(":found 2") == [[("meta", ":found 2")]]


def test_sources_without_a_file(tmp_path: Path) -> None:
    s = ReplSession(None, settings=Settings(home_override=tmp_path))
    assert complete("= サポ", s, function_names) == []  # no file: no tables
    assert [c.text for c in complete("= Substi", s, function_names)] == ["Substitute"]
    s.close()
