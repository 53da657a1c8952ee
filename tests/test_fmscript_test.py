"""``fmscript test`` and the pytest plugin: .fmscript files with ``# expect…`` headers as test cases."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from fmscript.cli import main
from fmscript.cli.testing import plugin
from fmscript.cli.testing.cases import read_case
from fmscript.cli.testing.keyword import KeywordError, compile_keyword
from fmscript.cli.testing.pool import run_cases
from fmscript.cli.testing.runner import Result, RunnerOptions, run_case

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "tests"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _bar_folder(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    _write(folder, "pass.fmscript", "# expect: 42\nExit Script [ Text Result: 6 * 7 ]\n")
    _write(folder, "fail.fmscript", "# expect: 42\nExit Script [ Text Result: 6 * 8 ]\n")
    _write(folder, "error.fmscript", '# expect-error: 100\n# expect-error-line: 3\nGo to Layout [ "Nope" ]\n')
    _write(
        folder,
        "golden.fmscript",
        '# expect-stdout:\nShow Custom Dialog [ "hello" ]\nExit Script [ Text Result: "bye" ]\n',
    )
    _write(folder, "golden.stdout", "hello\nbye\n")
    return folder


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    return int(exit_.value.code or 0)


def _junit_counts(path: Path) -> tuple[int, int]:
    cases = ET.parse(path).getroot().iter("testcase")
    found = [(c, c.find("failure")) for c in cases]
    return len(found), sum(failure is not None for _, failure in found)


# ---------------------------------------------------------------- bar 24-fmscript-test


def test_bar_fmscript_test_reports_three_passed_one_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _bar_folder(tmp_path / "cases")
    folder_xml = tmp_path / "report.xml"
    assert _exit_code(["test", str(folder), "--junit-xml", str(folder_xml)]) == 1
    out = capsys.readouterr().out
    assert "3 passed, 1 failed, 0 skipped" in out
    assert "fail.fmscript: expected '42', got '48'" in out
    assert _junit_counts(folder_xml) == (4, 1)


def test_bar_pytest_collects_the_same_four_items(tmp_path: Path) -> None:
    folder = _bar_folder(tmp_path / "cases")
    junit = tmp_path / "pytest.xml"
    code = pytest.main([str(folder), "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"])
    assert code == pytest.ExitCode.TESTS_FAILED
    assert _junit_counts(junit) == (4, 1)
    names = sorted(c.get("name", "") for c in ET.parse(junit).getroot().iter("testcase"))
    assert names == ["error", "fail", "golden", "pass"]


def test_the_plugin_is_registered_for_pytest() -> None:
    points = importlib.metadata.entry_points(group="pytest11")
    assert {p.name: p.value for p in points}.get("fmscript") == "fmscript.cli.testing.plugin"


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist is not installed")
def test_pytest_xdist_runs_the_cases_in_workers(tmp_path: Path) -> None:
    folder = _bar_folder(tmp_path / "cases")
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # only the two plugins: fast workers
    args = ["-p", "xdist.plugin", "-p", "fmscript.cli.testing.plugin", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(folder), *args, "-n", "2", "-k", "not golden", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 2 passed" in proc.stdout
    assert "expected '42', got '48'" in proc.stdout


def test_the_plugin_ignores_other_files_and_scripts_without_a_header(tmp_path: Path) -> None:
    # Collection of a Python test tree costs one suffix comparison per file: parent is not touched.
    assert plugin.pytest_collect_file(file_path=tmp_path / "test_x.py", parent=None) is None  # type: ignore[arg-type]
    helper = _write(tmp_path, "Helper.fmscript", '# a helper script\nExit Script [ Text Result: "x" ]\n')
    assert read_case(helper) is None
    parent = SimpleNamespace(config=SimpleNamespace(rootpath=tmp_path))
    assert plugin.pytest_collect_file(file_path=helper, parent=parent) is None  # type: ignore[arg-type]


def test_samples_tests_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["test", str(SAMPLES), "-j", "1"]) == 0
    assert "3 passed, 0 failed, 0 skipped" in capsys.readouterr().out
    cases = {p.name: read_case(p) for p in SAMPLES.glob("*.fmscript")}
    assert cases["Invoice Amount.fmscript"] is None  # a helper, performed by a case
    assert sum(c is not None and c.golden is not None for c in cases.values()) == 1
    assert sum(c is not None and c.file is not None and c.file.suffix == ".sql" for c in cases.values()) >= 1


# ---------------------------------------------------------------- what a header asserts

FAILS = [
    ("# expect: 42\nExit Script [ Text Result: 6 * 8 ]\n", "expected '42', got '48'"),
    ('# expect: a¶b\nExit Script [ Text Result: "a¶c" ]\n', "expected 'a\\nb', got 'a\\nc'"),
    (
        '# expect: 1\nGo to Layout [ "Nope" ]\nExit Script [ Text Result: 1 ]\n',
        "got error 100 at case.fmscript:2:1",
    ),
    (
        "# expect-error: 100\nExit Script [ Text Result: 1 ]\n",
        "expected error 100, got no error (exit code 0)",
    ),
    (
        '# expect-error: 100\n# expect-error-line: 9\nGo to Layout [ "N" ]\n',
        "expected error 100 at line 9, got error 100 at case.fmscript:3:1",
    ),
    ('# expect-error: 101\nGo to Layout [ "N" ]\n', "expected error 101, got error 100 at"),
    (
        '# expect-error: 100\n# expect-error-line: 3\nGo to Layout [ "N" ]\nPerform Script [ "Nope" ]\n',
        "unexpected error 104 at case.fmscript:4:1 (script is missing)",
    ),
    (
        "# expect-error: UnknownStep\nSet Variable [ $x ; Value: 1 + ]\n",
        "expected error UnknownStep, got CalcSyntaxError at",
    ),
    ("# expect: 1\n# expect-stderr: error 104\nExit Script [ Text Result: 1 ]\n", "stderr lacks 'error 104'"),
    ("# expect: 1\n# timeout: 0.3\nLoop\nEnd Loop\n", "timed out after 0.3 s"),
    ("# expect-stout:\nExit Script [ Text Result: 1 ]\n", "bad header: unknown directive '# expect-stout:'"),
    ("# expect: 1\n# expect: 2\n", "bad header: '# expect:' is given twice"),
    ("# expect: 1\n# file: nowhere.sql\n", "does not exist"),
    (
        "# expect: 1\n# expect-sql: SELECT 1 => [[1]]\nExit Script [ Text Result: 1 ]\n",
        "no database to query",
    ),
]


@pytest.mark.parametrize(("text", "message"), FAILS, ids=[str(i) for i in range(len(FAILS))])
def test_each_expectation_can_fail(tmp_path: Path, text: str, message: str) -> None:
    case = read_case(_write(tmp_path, "case.fmscript", text))
    assert case is not None
    result = run_case(case)
    assert result.status == "failed"
    assert message in result.message, result


PASSES = [
    '# expect: a¶b\nExit Script [ Text Result: "a¶b" ]\n',
    "# expect-error: UnknownStep\n# expect-error-line: 3\nSett Variable [ $x ; Value: 1 ]\n",
    '# expect-error: 100\n# expect-stderr: case.fmscript:4:1: error 104\nGo to Layout [ "N" ]\nPerform Script [ "Nope" ]\n',
    "# A comment line in the header is just a comment.\n\n# param: hello world\n# expect: HELLO WORLD\n"
    "Exit Script [ Text Result: Upper ( Get ( ScriptParameter ) ) ]\n",
    "# expect: 1\n変数を設定 [ $x ; 値: 1 ]\nExit Script [ Text Result: $x ]\n",
]


@pytest.mark.parametrize("text", PASSES, ids=[str(i) for i in range(len(PASSES))])
def test_cases_that_pass(tmp_path: Path, text: str) -> None:
    case = read_case(_write(tmp_path, "case.fmscript", text))
    assert case is not None
    result = run_case(case)
    assert (result.status, result.message) == ("passed", "")


def test_golden_diff_missing_and_update(tmp_path: Path) -> None:
    script = _write(tmp_path, "g.fmscript", '# expect-stdout:\nShow Custom Dialog [ "hullo" ]\n')
    case = read_case(script)
    assert case is not None
    missing = run_case(case)
    assert missing.status == "failed" and "--update-golden" in missing.message
    _write(tmp_path, "g.stdout", "hello\n")
    differs = run_case(case)
    assert differs.message == "stdout differs from g.stdout"
    assert "--- g.stdout\n+++ stdout\n" in differs.details and "-hello\n+hullo" in differs.details
    assert run_case(case, RunnerOptions(update_golden=True)).status == "passed"
    assert (tmp_path / "g.stdout").read_text(encoding="utf-8") == "hullo\n"
    assert run_case(case).status == "passed"


def test_sqlite_file_is_a_fresh_copy_per_case_and_sql_checks(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    con = sqlite3.connect(db)
    con.execute('CREATE TABLE "Items" ("Name" TEXT)')
    con.execute("INSERT INTO \"Items\" VALUES ('a')")
    con.commit()
    con.close()
    text = (
        "# expect: 2\n# file: shop.sqlite\n"
        '# expect-sql: SELECT "Name" FROM "Items" ORDER BY 1 => [["a"], ["b"]]\n'
        'Go to Layout [ "Items" ]\nNew Record/Request\nSet Field [ Items::Name ; "b" ]\n'
        "Commit Records/Requests\nShow All Records\nExit Script [ Text Result: Get ( FoundCount ) ]\n"
    )
    case = read_case(_write(tmp_path, "add.fmscript", text))
    assert case is not None
    assert run_case(case).status == "passed"
    assert run_case(case).status == "passed"  # the second run starts from the committed file again
    assert sqlite3.connect(db).execute('SELECT COUNT(*) FROM "Items"').fetchone() == (1,)
    wrong = read_case(_write(tmp_path, "wrong.fmscript", text.replace('["b"]', '["c"]')))
    assert wrong is not None
    result = run_case(wrong)
    assert result.status == "failed"
    assert (
        result.message == 'SELECT "Name" FROM "Items" ORDER BY 1: expected [["a"], ["c"]], got [["a"], ["b"]]'
    )


def test_needs_a_missing_model_skips_with_the_reason(tmp_path: Path) -> None:
    case = read_case(_write(tmp_path, "m.fmscript", "# expect: 1\n# needs: no-such-model\n"))
    assert case is not None
    result = run_case(case, RunnerOptions(models_home=tmp_path / "home"))
    assert result.status == "skipped" and "needs no-such-model" in result.message
    (tmp_path / "home" / "base-models" / "no-such-model").mkdir(parents=True)
    assert run_case(case, RunnerOptions(models_home=tmp_path / "home")).status == "failed"  # runs now


def test_each_case_has_its_own_scratch_folders(tmp_path: Path) -> None:
    # What one case leaves in its Documents folder, the next one does not see.
    text = (
        "# expect: 0\n"
        'Set Variable [ $file ; Value: Get ( DocumentsPath ) & "mark.txt" ]\n'
        'Get File Exists [ "$file" ; Target: $before ]\n'
        'Create Data File [ "$file" ; Create folders: Off ]\n'
        "Exit Script [ Text Result: $before ]\n"
    )
    cases = [read_case(_write(tmp_path, f"{n}.fmscript", text)) for n in ("a", "b")]
    where = read_case(
        _write(tmp_path, "w.fmscript", "# expect: x\nExit Script [ Text Result: Get ( DocumentsPath ) ]\n")
    )
    before = dict(os.environ)
    results = [run_case(c) for c in [*cases, *cases] if c is not None]
    assert [(r.status, r.message) for r in results] == [("passed", "")] * 4
    assert where is not None and "fmscript-test-" in run_case(where).stdout
    assert dict(os.environ) == before


# ---------------------------------------------------------------- the command line


def test_workers_agree_with_one_process_and_x_stops(tmp_path: Path) -> None:
    for n in range(6):
        _write(
            tmp_path,
            f"c{n}.fmscript",
            f"# expect: {n % 3}\nExit Script [ Text Result: {n} - {n // 3 * 3} ]\n",
        )
    _write(tmp_path, "slow.fmscript", "# expect: 1\n# timeout: 0.5\nLoop\nEnd Loop\n")
    cases = [read_case(p) for p in sorted(tmp_path.glob("*.fmscript"))]
    one = run_cases([c for c in cases if c], RunnerOptions(), jobs=1)
    two = run_cases([c for c in cases if c], RunnerOptions(), jobs=2)

    def key(results: list[Result]) -> list[tuple[str, str, str]]:
        return [(r.id, r.status, r.message) for r in results]

    assert key(one) == key(two)
    assert [r.status for r in two].count("failed") == 1 and "timed out" in two[-1].message
    bad = [c for c in cases if c and c.path.stem in ("c0", "slow", "c1")]
    assert (
        len(run_cases(sorted(bad, key=lambda c: c.id)[::-1], RunnerOptions(), jobs=1, stop_first=True)) == 1
    )


def test_json_output_keyword_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _bar_folder(tmp_path)
    assert _exit_code(["test", str(folder), "-k", "pass or golden", "--json", "-j", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["passed"], report["failed"], report["skipped"]) == (2, 0, 0)
    assert [Path(c["id"]).name for c in report["cases"]] == ["golden.fmscript", "pass.fmscript"]
    assert _exit_code(["test", str(folder), "-k", "and"]) == 2
    assert _exit_code(["test", str(tmp_path / "missing")]) == 2
    assert _exit_code(["test", str(folder / "golden.stdout")]) == 2
    assert _exit_code(["test", str(folder), "-k", "nothing-matches"]) == 1
    assert _exit_code(["test", str(folder), "-k", "pass", "--junit-xml", str(tmp_path / "no" / "r.xml")]) == 1
    assert "--junit-xml" in capsys.readouterr().err


def test_keyword_expressions() -> None:
    ids = ["a/ja_find.fmscript", "a/en_find.fmscript", "b/ja_sort.fmscript"]
    assert [i for i in ids if compile_keyword("ja and not sort")(i)] == ["a/ja_find.fmscript"]
    assert [i for i in ids if compile_keyword("(en or SORT) and .fmscript")(i)] == ids[1:]
    for bad in ("and", "(ja", "ja )", "not"):
        with pytest.raises(KeywordError):
            compile_keyword(bad)


def test_workers_are_spawned_when_this_process_has_threads(tmp_path: Path) -> None:
    # fork is unsafe with other threads alive (and unavailable on macOS/Windows): spawn then.
    import threading

    from fmscript.cli.testing import pool

    for n in range(2):
        _write(tmp_path, f"c{n}.fmscript", f"# expect: {n}\nExit Script [ Text Result: {n} ]\n")
    cases = [c for c in (read_case(p) for p in sorted(tmp_path.glob("*.fmscript"))) if c]
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert pool._context().get_start_method() == "spawn"
        results = run_cases(cases, RunnerOptions(), jobs=2)
    finally:
        stop.set()
        thread.join()
    assert [r.status for r in results] == ["passed", "passed"]
    alone = sys.platform == "linux" and threading.active_count() == 1  # other tests may leave threads
    assert pool._context().get_start_method() == ("fork" if alone else "spawn")


def test_files_a_case_writes_land_in_its_scratch_folder(tmp_path: Path) -> None:
    # The database in a subfolder is copied to its place in the scratch copy of the case's folder,
    # so the export next to it (relative paths resolve against the file's folder) stays there too.
    (tmp_path / "data").mkdir()
    con = sqlite3.connect(tmp_path / "data" / "shop.sqlite")
    con.execute('CREATE TABLE "Items" ("Name" TEXT, "Note" TEXT)')
    con.execute("INSERT INTO \"Items\" VALUES ('a', 'n')")
    con.commit()
    con.close()
    text = (
        "# expect: 0 1\n# file: data/shop.sqlite\n"
        'Go to Layout [ "Items" ]\n'
        'Save Records as JSONL [ Format for fine-tuning: Off ; Table: "Items" ; "file:out/items.jsonl" ; '
        "Create folders: On ; Completion Field: Items::Name ]\n"
        'Get File Exists [ "out/items.jsonl" ; Target: $exists ]\n'
        'Exit Script [ Text Result: Get ( LastError ) & " " & $exists ]\n'
    )
    case = read_case(_write(tmp_path, "export.fmscript", text))
    assert case is not None
    result = run_case(case)
    assert (result.status, result.message) == ("passed", "")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["data", "export.fmscript", "shop.sqlite"]
