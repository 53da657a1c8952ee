"""Meta-commands that touch files or need a larger found set: :save, :load, :reset, :found paging,
:help; and the file modes (.sqlite written through, .sql in memory)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from fmscript.cli.repl import dispatch, run_entries
from fmscript.cli.repl_meta import Quit, help_text, label_language
from fmscript.cli.repl_session import ReplSession
from fmscript.settings import Settings
from tests.repl.transcript import ROOT

SAMPLE = ROOT / "samples" / "support_qa.sql"


def _session(file: Path | None, tmp_path: Path) -> tuple[ReplSession, io.StringIO]:
    out = io.StringIO()
    settings = Settings(home_override=tmp_path / "home", documents_override=tmp_path)
    return ReplSession(file, out=out, err=out, progress=False, settings=settings), out


def _run(session: ReplSession, out: io.StringIO, text: str) -> str:
    start = len(out.getvalue())
    run_entries(session, text.split("\n"))
    return out.getvalue()[start:]


def test_save_reset_and_sql_in_memory(tmp_path: Path) -> None:
    original = SAMPLE.read_text(encoding="utf-8")
    s, out = _session(SAMPLE, tmp_path)
    _run(s, out, 'Set Field [ Support QA::Answer ; "changed" ]\nSet Variable [ $x ; Value: 1 ]')
    target = tmp_path / "saved.sqlite"
    assert _run(s, out, f":save {target}") == f"saved to {target}\n"
    con = sqlite3.connect(target)
    assert con.execute('SELECT Answer FROM "Support QA" ORDER BY rowid LIMIT 1').fetchone() == ("changed",)
    con.close()
    # :reset forgets the variables and, for a .sql file, loads it again.
    assert _run(s, out, ":reset\n:vars\n= Support QA::Answer") == (
        "reset\n(no variables)\nGo to Account > Billing > Payment methods and choose Edit.\n"
    )
    assert SAMPLE.read_text(encoding="utf-8") == original  # the .sql text is never written
    s.close()


def test_sqlite_is_written_through(tmp_path: Path) -> None:
    s, out = _session(SAMPLE, tmp_path)
    db = tmp_path / "db.sqlite"
    s.save(db)
    s.close()
    s, out = _session(db, tmp_path)
    assert _run(s, out, 'Set Field [ Support QA::Category ; "Written" ]') == ""
    con = sqlite3.connect(db)  # another connection sees it at once: no :save needed
    assert con.execute('SELECT Category FROM "Support QA" ORDER BY rowid LIMIT 1').fetchone() == ("Written",)
    con.close()
    # :reset keeps an on-disk file's data (it is committed) but forgets the run state.
    assert _run(s, out, ":reset\n= Support QA::Category & Get ( LastError )") == "reset\nWritten0\n"
    s.close()


def test_load_runs_a_script_into_the_context(tmp_path: Path) -> None:
    (tmp_path / "main.fmscript").write_text(
        'Set Variable [ $loaded ; Value: "yes" ]\nPerform Script [ "helper" ]\n'
        "Set Variable [ $$fromHelper ; Value: Get ( ScriptResult ) ]\n",
        encoding="utf-8",
    )
    (tmp_path / "Helper.fmscript").write_text('Exit Script [ Text Result: "helped" ]\n', encoding="utf-8")
    (tmp_path / "broken.fmscript").write_text("Set Variable [ $x ; Value: ( ]\n", encoding="utf-8")
    s, out = _session(SAMPLE, tmp_path)
    got = _run(s, out, f':load {tmp_path / "main.fmscript"}\n= $loaded & " " & $$fromHelper')
    assert got == "yes helped\n"
    got = _run(s, out, f":load {tmp_path / 'broken.fmscript'}")
    assert got.startswith(f"{tmp_path / 'broken.fmscript'}:1:")
    assert "Traceback" not in got
    got = _run(s, out, f":load {tmp_path / 'missing.fmscript'}")
    assert got.startswith(":load: cannot read ")
    assert _run(s, out, ":load") == ":load: :load needs a script file\n"
    s.close()


def test_found_pages(tmp_path: Path) -> None:
    s, out = _session(SAMPLE, tmp_path)
    page3 = _run(s, out, ":found 3")
    assert page3.splitlines()[0] == "Support QA (Support QA): 27 records found, showing 21-27 (page 3/3)"
    assert len(page3.splitlines()) == 3 + 7
    assert "(:found" not in page3  # the last page points nowhere further
    assert _run(s, out, ":found 9") == "Support QA (Support QA): 27 records found; there are 3 page(s)\n"
    assert _run(s, out, ":found x") == ":found: :found takes a page number, not 'x'\n"
    page1 = _run(s, out, "Go to Record/Request/Page [ 3 ]\n:found")
    assert page1.splitlines()[-1] == "(:found 2 for the next page)"
    assert [line[:4] for line in page1.splitlines()[3:6]] == ["  1 ", "  2 ", "> 3 "]
    assert _run(s, out, 'Perform Find [ Find Records ; Criteria: Support QA::Category: "zzz" ]\n:found')
    assert out.getvalue().endswith("Support QA (Support QA): 0 records found\n")
    s.close()


def test_quit_and_unknown_commands(tmp_path: Path) -> None:
    s, out = _session(None, tmp_path)
    with pytest.raises(Quit):
        dispatch(s, ":q")
    assert not dispatch(s, ":x")
    assert out.getvalue().startswith("unknown command ':x'")
    assert dispatch(s, ":h")  # unambiguous prefixes work
    assert out.getvalue().count(":layout") >= 1
    s.close()


@pytest.mark.parametrize(
    ("label", "langs"),
    [
        ("Account Name", ("en",)),
        ("アカウント名", ("ja",)),
        ("账户名称", ("zh",)),
        ("条件", ("ja", "zh")),  # the same word in both
        ("一時停止", ("ja",)),
        ("暂停", ("zh",)),
        ("繰り返し", ("ja",)),
        ("重复项", ("zh",)),
    ],
)
def test_label_language(label: str, langs: tuple[str, ...]) -> None:
    assert label_language(label) == langs


def test_help_for_a_step_in_any_language() -> None:
    text = help_text("モデルをファインチューニング")
    assert text.splitlines()[0] == "Fine-Tune Model — 日本語: モデルをファインチューニング — 中文: 微调模型"
    assert "      ja: 出力例フィールド:" in text
    assert "      zh: 完成字段:" in text
    assert "    ja: モデルをファインチューニング [ Source ; アカウント名: $value ;" not in text
    example_lines = [line for line in text.splitlines() if line.startswith("    en: Fine-Tune Model [")]
    assert example_lines and "Completion Field: Table::Field" in example_lines[0]
    assert help_text("Set Varable").startswith("unknown script step 'Set Varable' (did you mean Set Variable")
    assert "error 3" in help_text("Open URL")  # needs a screen: error 3 when reached
    assert "error 3" not in help_text("Generate Response from Model")


def test_every_step_has_help_and_a_parsable_example(tmp_path: Path) -> None:
    """The example :help shows parses as the step it documents, in each language."""
    from fmscript.cli.repl_meta import example
    from fmscript.syntax.build import check_script
    from fmscript.syntax.catalogue import STEPS

    bad = []
    for spec in STEPS:
        for lang, name in (("en", spec.name), ("ja", spec.ja[0]), ("zh", spec.zh[0])):
            text = example(spec, lang, name)
            script, errors = check_script(text + "\n", "<help>")
            if errors or script.steps[0].name != spec.name:
                bad.append((text, [e.message for e in errors]))
    assert bad == []


def test_errors_never_show_a_traceback(tmp_path: Path) -> None:
    s, out = _session(SAMPLE, tmp_path)
    for entry in [
        "= 1 +",
        "= Foo ( 1 )",
        "= Support QA::Nope",
        "Set Field [ Nope::x ; 1 ]",
        ":save /no/such/dir/x.sqlite",
    ]:
        dispatch(s, entry)
    assert "Traceback" not in out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0] == "<repl>:1:6: CalcSyntaxError: the calculation ends where a value is expected"
    assert lines[3].startswith("<repl>:1:3: error 113 (function is missing)")
    assert lines[-1].startswith(":save: ")
    s.close()
