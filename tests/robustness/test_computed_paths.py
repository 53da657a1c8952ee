"""Issue 22 item 17: a path list written as a calculation is computed, so a NUL character in it is
error 800 (as in a $variable path) instead of being dropped with the file written elsewhere."""

from __future__ import annotations

import io
from pathlib import Path

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

NUL = 'JSONGetElement ( "[\\"\\\\u0000\\"]" ; 0 )'  # a NUL character, computed


def _run(folder: Path, body: str) -> tuple[int, str, str]:
    (folder / "t.sql").write_text("CREATE TABLE T (q TEXT, a TEXT);\nINSERT INTO T VALUES ('q1', 'a1');\n")
    script = folder / "main.fmscript"
    script.write_text(
        f"Set Variable [ $z ; Value: {NUL} ]\nSet Error Capture [ On ]\n{body}", encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    options = RunOptions(progress=False, settings=Settings(home_override=folder / "home"))
    code, _result, _ctx = run_session(script, folder / "t.sql", "", options, out, err)
    return code, out.getvalue(), err.getvalue()


def _save(path: str) -> str:
    return f'Save Records as JSONL [ Format for fine-tuning: Off ; Table: "T" ; {path} ; Completion Field: T::a ]\n'


def test_nul_in_a_computed_path_is_error_800(tmp_path: Path) -> None:
    code, out, err = _run(
        tmp_path,
        _save('"out" & $z & "x.jsonl"')
        + "Set Variable [ $e1 ; Value: Get ( LastError ) ]\n"
        + _save('Substitute ( "outQy.jsonl" ; "Q" ; $z )')
        + "Set Variable [ $e2 ; Value: Get ( LastError ) ]\n"
        + 'Set Variable [ $p ; Value: "file:out" & $z & "v.jsonl" ]\n'
        + _save("$p")
        + 'Exit Script [ Text Result: $e1 & " " & $e2 & " " & Get ( LastError ) ]\n',
    )
    assert (code, out, err) == (0, "800 800 800\n", "")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == []


def test_a_computed_path_writes_where_it_says(tmp_path: Path) -> None:
    code, out, err = _run(
        tmp_path,
        'Set Variable [ $n ; Value: "run 7" ]\n'
        + _save('"file:out-" & $n & ".jsonl"')
        + _save('"plain.jsonl"')
        + "Exit Script [ Text Result: Get ( LastError ) ]\n",
    )
    assert (code, out, err) == (0, "0\n", "")
    assert (tmp_path / "out-run 7.jsonl").read_text().count("\n") == 1
    assert (tmp_path / "plain.jsonl").exists()
