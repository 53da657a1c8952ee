"""``fmscript run`` without click (``fmscript.cli.fast_run``) accepts exactly the command lines
click's ``run`` accepts and hands everything else to click."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmscript.cli.fast_run import parse


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "s.fmscript").write_text('Exit Script [ Text Result: "x" ]\n', encoding="utf-8")
    (tmp_path / "db.sql").write_text("", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    return {"s": str(tmp_path / "s.fmscript"), "db": str(tmp_path / "db.sql"), "docs": str(tmp_path / "docs")}


def test_well_formed_lines_are_parsed(files: dict[str, str]) -> None:
    s, db, docs = files["s"], files["db"], files["docs"]
    assert parse(["run", s]) == {
        "halt_on_error": False,
        "no_wait": False,
        "follow_remote": False,
        "progress": True,
        "parameter": "",
        "script": s,
    }
    got = parse(["run", "-f", db, s, "--param=a=b", "--no-wait", "--halt-on-error", "--documents", docs])
    assert got is not None
    assert (got["file"], got["parameter"], got["no_wait"], got["halt_on_error"], got["documents"]) == (
        db,
        "a=b",
        True,
        True,
        docs,
    )
    assert parse(["run", "--no-progress", "--", s])["progress"] is False  # type: ignore[index]
    assert parse(["run", s, "--param", "1", "--param", "2"])["parameter"] == "2"  # type: ignore[index]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check", "{s}"],
        ["run"],
        ["run", "{s}", "{s}"],
        ["run", "--help", "{s}"],
        ["run", "{s}", "--unknown"],
        ["run", "{s}", "--file"],
        ["run", "{s}", "-f={db}"],
        ["run", "{s}", "-f{db}"],
        ["run", "{s}", "--no-wait=1"],
        ["run", "{s}", "--file", "{db}", "--file", "{db}"],
        ["run", "missing.fmscript"],
        ["run", "{s}", "--file", "missing.sql"],
        ["run", "{s}", "--documents", "{s}"],
        ["run", "{s}", "--save", "{docs}"],
    ],
)
def test_anything_else_goes_to_click(files: dict[str, str], argv: list[str]) -> None:
    assert parse([a.format(**files) for a in argv]) is None


def test_a_lazily_loaded_handler_commits_first(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from fmscript.runtime.compiled import compile_text\n"
        "plan = compile_text('Save Records as JSONL [ ]\\nSet Variable [ $x ; Value: 1 ]\\n'\n"
        "                    'Print [ ]', 's').plan\n"
        "assert plan[0].handler.__name__ == 'committing', plan[0]\n"
        "assert plan[1].handler.__name__ == 'set_variable' and plan[1].specializer is not None\n"
        "assert plan[2].handler is None\n"
        "assert 'fmscript.steps.generate' not in sys.modules  # only the modules the script uses\n"
        "print('ok')\n"
    )
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_every_spelling_of_every_click_option_parses_the_same(files: dict[str, str]) -> None:
    """The fast path's tables and click's ``run`` come from one list (``fast_run.RUN_OPTIONS``):
    each spelling click accepts gives the fast path the same value."""
    import click

    from fmscript.cli.run import run

    values = {"file": files["db"], "save": files["s"] + ".out", "documents": files["docs"], "parameter": "p"}
    seen = set()
    for param in run.params:
        if not isinstance(param, click.Option):
            continue
        for spelling in (*param.opts, *param.secondary_opts):
            argv = [spelling] if param.is_flag else [spelling, values[str(param.name)]]
            fast = parse(["run", files["s"], *argv])
            assert fast is not None, spelling
            expected = run.make_context("run", [files["s"], *argv]).params
            got = {key: fast.get(key) for key in expected}
            assert {
                k: None if v is None else v if isinstance(v, bool) else str(v) for k, v in expected.items()
            } == got
            seen.add(spelling)
    assert {"--file", "-f", "--no-progress", "--wait", "--param"} <= seen
