"""Foundation checks: grammars build strictly, heavy imports stay out of plain runs, random text
never escapes fmscript's own errors, the CLI's exit codes."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fmscript.calc.evaluator import evaluate_text
from fmscript.cli import cli
from fmscript.errors import FMScriptError
from fmscript.syntax.build import check_script
from fmscript.syntax.parser import get_parser

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("mlx", "mlx_lm", "transformers", "openai", "fastapi", "tokenizers", "uvicorn")


@pytest.mark.parametrize("name", ["script", "calc"])
def test_grammar_builds_strict(name: str) -> None:
    pytest.importorskip("interegular")
    get_parser.__wrapped__(name, strict=True)


def test_plain_run_imports_nothing_heavy(tmp_path: Path) -> None:
    script = tmp_path / "plain.fmscript"
    script.write_text(
        'Go to Layout [ "Support QA" ]\nPerform Find [ Specified Find Requests: Find Records ; Criteria: Support QA::Category: "billing" ]\n'
        'Exit Script [ Text Result: JSONSetElement ( "{}" ; "n" ; Get ( FoundCount ) ; JSONNumber ) ]\n',
        encoding="utf-8",
    )
    code = (
        "import sys, json\n"
        "from fmscript.runtime.session import run_file\n"
        f"code, result, _ = run_file({str(script)!r}, file={str(ROOT / 'samples' / 'support_qa.sql')!r})\n"
        f"print(json.dumps([code, str(result), sorted(m for m in {HEAVY!r} if m in sys.modules)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    exit_code, result, heavy = json.loads(out.strip().splitlines()[-1])
    assert exit_code == 0
    assert json.loads(result)["n"] > 0
    assert heavy == []


def test_cli_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom fmscript.cli import cli\nCliRunner().invoke(cli, ['--help'])\n"
        + f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


_ALPHABET = st.sampled_from(
    list('[];:"“”「」()$¶\\ \n\t=<>≠&+-*/^#.,0123456789abcXYZ::')
    + ["Set Variable", "If", "End If", "Loop", "Value:", "Let", "JSONSetElement", "変数を設定", "设置变量"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_random_script_text_raises_only_fmscript_errors(text: str) -> None:
    check_script(text, "fuzz.fmscript")  # must return (script, errors), never raise anything else


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted((ROOT / "samples").glob("*.fmscript"))), st.data())
def test_mutated_samples_raise_only_fmscript_errors(path: Path, data: st.DataObject) -> None:
    text = path.read_text(encoding="utf-8")
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 8)))
    insert = data.draw(st.sampled_from(["", "[", "]", '"', ";", "(", ")", "\n", "::", "Let ("]))
    check_script(text[:i] + insert + text[j:], "mutated.fmscript")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list('0123456789.+-*/^&=<>()"ab ;¶')
            + ["and", "or", "not", "Left(", "Let([x=1];", "If(", "$v", "T::F", "1e-4"]
        ),
        max_size=25,
    ).map("".join)
)
def test_random_calcs_raise_only_fmscript_errors(text: str) -> None:
    with contextlib.suppress(FMScriptError):
        evaluate_text(text)


def test_check_command_reports_every_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fmscript"
    bad.write_text("Set Varable [ $x ; Value: 1 ]\nIf [ 1 + ]\nEnd If\nLoop\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(bad)])
    assert result.exit_code == 1
    assert "bad.fmscript:1:1: UnknownStep" in result.output
    assert "did you mean 'Set Variable'" in result.output
    assert "bad.fmscript:2:9: CalcSyntaxError" in result.output
    assert "bad.fmscript:4:1: SyntaxError: Loop without a matching End Loop" in result.output
    assert "Traceback" not in result.output


def test_check_ok_and_usage_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.fmscript"
    good.write_text("Set Variable [ $x ; Value: 1 ]\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", str(good)]).exit_code == 0
    assert CliRunner().invoke(cli, ["check"]).exit_code == 2
    assert CliRunner().invoke(cli, ["run", str(tmp_path / "missing.fmscript")]).exit_code == 2
    assert CliRunner().invoke(cli, ["nonsense"]).exit_code == 2


def test_runtime_error_exit_code_and_report(tmp_path: Path) -> None:
    script = tmp_path / "err.fmscript"
    script.write_text('Go to Layout [ "Nope" ]\nShow Custom Dialog [ "still running" ]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(script), "--file", str(ROOT / "samples" / "support_qa.sql")])
    assert result.exit_code == 1
    assert result.stdout == "still running\n"
    assert "err.fmscript:1:1: error 105 (layout is missing)" in result.stderr
    halted = CliRunner().invoke(
        cli, ["run", str(script), "--file", str(ROOT / "samples" / "support_qa.sql"), "--halt-on-error"]
    )
    assert halted.exit_code == 1 and halted.stdout == ""
