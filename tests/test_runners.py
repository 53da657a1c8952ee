"""The hot loop's specialised runners (``StepSpec.runner``) do exactly what their step's handler does.

A handler is a step's one definition; a runner is the same step with per-step work done once
(``runtime/interpreter.py``). Every conformance script that uses a step with a runner runs twice —
with runners, and with every step through its handler (``Interpreter.specialize = False``) — and
both runs must print the same output and exit with the same code.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.cli import cli
from fmscript.runtime.compiled import load_script
from fmscript.runtime.interpreter import Interpreter

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "conformance" / "scripts"
DEFAULT_DB = ROOT / "samples" / "support_qa.sql"


def _uses_a_runner(case: Path) -> bool:
    return any(
        any(planned.specializer is not None for planned in load_script(path).plan)
        for path in case.glob("*.fmscript")
    )


CASES = [
    pytest.param(d, id=d.name)
    for d in sorted(CASES_DIR.iterdir() if CASES_DIR.is_dir() else [])
    if (d / "main.fmscript").is_file() and (d / "expected.json").is_file() and _uses_a_runner(d)
]


def _run(case: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch, specialize: bool) -> tuple[int, str, str]:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    for name in ("home", "Documents", "temp"):
        (tmp / name).mkdir(parents=True)
    monkeypatch.setenv("FMSCRIPT_HOME", str(tmp / "home"))
    monkeypatch.setenv("FMSCRIPT_DOCUMENTS", str(tmp / "Documents"))
    monkeypatch.setenv("FMSCRIPT_TEMP", str(tmp / "temp"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(Interpreter, "specialize", specialize)
    work = tmp / "case"
    shutil.copytree(case, work)
    source = CASES_DIR / "_databases" / expected["db"] if "db" in expected else DEFAULT_DB
    db = work / "db.sql" if (work / "db.sql").is_file() else tmp / source.name
    if not db.exists():
        shutil.copy(source, db)
    args = ["run", str(work / "main.fmscript"), "--file", str(db), "--no-wait", "--no-progress"]
    if "param" in expected:
        args += ["--param", expected["param"]]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout.replace(str(tmp), "TMP"), result.stderr.replace(str(tmp), "TMP")


@pytest.mark.parametrize("case", CASES)
def test_runners_agree_with_handlers(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _run(case, tmp_path / "fast", monkeypatch, specialize=True)
    general = _run(case, tmp_path / "general", monkeypatch, specialize=False)
    assert fast == general


def test_the_check_runs_the_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without runners, a step that has one runs through its handler (so the comparison compares)."""
    import io

    from fmscript.runtime.compiled import compile_text
    from fmscript.steps.state import StepContext

    compiled = compile_text("Set Variable [ $x ; Value: 1 ]\n", "s.fmscript")
    ctx = StepContext(None, Path("."), io.StringIO(), io.StringIO())
    assert Interpreter(ctx)._runner(compiled, 0)[0].__name__ == "set_local"
    monkeypatch.setattr(Interpreter, "specialize", False)
    assert Interpreter(ctx)._runner(compiled, 0)[0].__name__ == "general"
    assert len(CASES) > 20  # most conformance scripts use If / Loop / Set Variable
