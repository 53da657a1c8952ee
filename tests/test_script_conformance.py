"""Data-driven script conformance: tests/conformance/scripts/<case>/main.fmscript.

Each case is an ``fmscript test`` case (README, "Testing your scripts"): ``main.fmscript`` starts with
a ``#`` header — ``# expect-stdout:`` (the golden ``main.stdout`` beside it), ``# file:`` (its own
``db.sql``, one of ``_databases/``, else ``samples/support_qa.sql``), ``# expect-error:`` /
``# expect-error-line:`` (the first uncaptured error), ``# expect-stderr:`` (every other error, with
its position), ``# expect-sql:`` (the database after the run), ``# param:`` — and sibling scripts for
Perform Script. A case that reports an error its header does not expect fails.

fmscript's pytest plugin collects each case as an item (id: its path), and runs it with the runner
of ``fmscript test``, which runs ``fmscript run`` through ``fmscript.cli.main`` — the command line
users run. The tests below keep the suite honest when the plugin is off (``-p no:fmscript``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmscript.cli import main
from fmscript.cli.testing.cases import discover, read_case

CASES_DIR = Path(__file__).resolve().parent / "conformance" / "scripts"
FOLDERS = sorted(d for d in CASES_DIR.iterdir() if d.is_dir() and not d.name.startswith("_"))


def test_every_case_folder_holds_a_case() -> None:
    # A header typo must not turn a case into a plain script that silently tests nothing.
    assert len(FOLDERS) >= 45
    for folder in FOLDERS:
        assert not (folder / "expected.json").exists(), (
            f"{folder.name}: write expected.json as a header (see above)"
        )
        case = read_case(folder / "main.fmscript")
        assert case is not None, f"{folder.name}: main.fmscript has no '# expect…' header"
        assert case.problem is None, f"{folder.name}: {case.problem}"
        assert case.golden is not None and case.golden.is_file(), folder.name
        assert case.file is not None and case.file.is_file(), folder.name


def test_the_suite_passes_through_fmscript_test(capsys: pytest.CaptureFixture[str]) -> None:
    cases, problems = discover([CASES_DIR])
    assert problems == [] and len(cases) == len(FOLDERS)
    with pytest.raises(SystemExit) as exit_:
        main(["test", str(CASES_DIR), "-j", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    failed = [f"{c['id']}: {c['message']}" for c in report["cases"] if c["status"] != "passed"]
    assert failed == []
    assert (report["passed"], exit_.value.code) == (len(FOLDERS), 0)
