"""Data-driven script conformance: tests/conformance/scripts/<case>/.

Each case folder holds ``main.fmscript`` (plus sibling scripts for Perform Script, and optionally
its own ``db.sql``; the default file is ``samples/support_qa.sql``) and ``expected.json``::

    {
      "stdout": "<exact stdout>",          # Show Custom Dialog lines, then the Exit Script result
      "exit": 0,                            # 1 when an error was not captured by Set Error Capture
      "stderr_contains": ["main.fmscript:4:1: error 105 (layout is missing)"],
      "stderr_excludes": ["error"],         # optional: substrings that must NOT be on stderr
      "param": "text",                      # optional: --param (Get ( ScriptParameter ))
      "saved": [                            # optional: run with --save, then query the saved file
        {"sql": "SELECT COUNT(*) FROM \\"Support QA\\"", "rows": [[27]]}
      ]
    }

The CLI runs in-process (click's CliRunner) exactly as a user would call it:
``fmscript run main.fmscript --file DB --no-wait --no-progress``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "conformance" / "scripts"
DEFAULT_DB = ROOT / "samples" / "support_qa.sql"

CASES = [
    pytest.param(d, id=d.name)
    for d in sorted(CASES_DIR.iterdir() if CASES_DIR.is_dir() else [])
    if (d / "main.fmscript").is_file() and (d / "expected.json").is_file()
]


def _stderr(result) -> str:  # type: ignore[no-untyped-def]
    try:
        return result.stderr
    except ValueError:  # pragma: no cover - older click mixing the streams
        return result.output


@pytest.mark.parametrize("case_dir", CASES)
def test_script_case(case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
    # Keep every run away from the user's own folders (Documents, fmscript home, models).
    monkeypatch.setenv("FMSCRIPT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FMSCRIPT_DOCUMENTS", str(tmp_path / "Documents"))
    monkeypatch.setenv("FMSCRIPT_TEMP", str(tmp_path / "temp"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / "Documents").mkdir()

    # Run a copy of the case folder, so nothing a script writes lands in the repository.
    work = tmp_path / "case"
    shutil.copytree(case_dir, work)
    # A case's own db.sql, else a shared one named by "db" (tests/conformance/scripts/_databases/),
    # else the sample database.
    source = CASES_DIR / "_databases" / expected["db"] if "db" in expected else DEFAULT_DB
    db = work / "db.sql" if (work / "db.sql").is_file() else tmp_path / source.name
    if not db.exists():
        shutil.copy(source, db)

    args = ["run", str(work / "main.fmscript"), "--file", str(db), "--no-wait", "--no-progress"]
    if "param" in expected:
        args += ["--param", expected["param"]]
    saved = tmp_path / "saved.sqlite"
    if expected.get("saved"):
        args += ["--save", str(saved)]

    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    stdout, stderr = result.stdout, _stderr(result)
    context = f"\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}"

    assert stdout == expected["stdout"], context
    assert result.exit_code == expected.get("exit", 0), context
    for part in expected.get("stderr_contains", []):
        assert part in stderr, f"missing on stderr: {part!r}{context}"
    for part in expected.get("stderr_excludes", []):
        assert part not in stderr, f"unexpected on stderr: {part!r}{context}"
    if expected.get("saved"):
        con = sqlite3.connect(saved)
        try:
            for check in expected["saved"]:
                rows = [list(r) for r in con.execute(check["sql"]).fetchall()]
                assert rows == check["rows"], f"{check['sql']}{context}"
        finally:
            con.close()


def test_enough_cases() -> None:
    assert len(CASES) >= 25
