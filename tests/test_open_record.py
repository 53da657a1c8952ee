"""The open-record model: Set Field changes are held until the record is committed.

ExecuteSQL reads the database itself, so inside a script it shows what is committed while
fields (``T::F``) show the open record, as in FileMaker's own window.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.steps.state import RunOptions
from tests.processes import spawned

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "people.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE "People" ("Name" TEXT, "Email" TEXT UNIQUE, "Score" NUMBER DEFAULT 10);
        INSERT INTO "People" VALUES ('Ann', 'ann@example.com', 1), ('Bob', 'bob@example.com', 2);
        """
    )
    con.commit()
    con.close()
    return path


def rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute('SELECT "Name", "Email", "Score" FROM "People" ORDER BY rowid').fetchall()
    finally:
        con.close()


def run(tmp_path: Path, db: Path, text: str) -> tuple[int, str, str]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code, _result, _ctx = run_session(script, db, "", RunOptions(progress=False), out, err)
    return code, out.getvalue(), err.getvalue()


SQL_NAME = 'ExecuteSQL ( "SELECT Name FROM People WHERE rowid = 1" ; "" ; "" )'


def test_set_field_then_revert_gives_back_the_old_value(tmp_path: Path, db: Path) -> None:
    code, out, err = run(
        tmp_path,
        db,
        'Set Field [ People::Name ; "Annie" ]\n'
        f'Show Custom Dialog [ People::Name & " / stored " & {SQL_NAME} & " / state " & Get ( RecordOpenState ) & " / open " & Get ( RecordOpenCount ) ]\n'
        "Revert Record/Request [ With dialog: Off ]\n"
        'Show Custom Dialog [ People::Name & " / state " & Get ( RecordOpenState ) & " / open " & Get ( RecordOpenCount ) ]\n',
    )
    assert (code, err) == (0, "")
    assert out == "Annie / stored Ann / state 2 / open 1\nAnn / state 0 / open 0\n"
    assert rows(db)[0] == ("Ann", "ann@example.com", 1)


def test_set_field_then_go_to_record_commits(tmp_path: Path, db: Path) -> None:
    code, out, err = run(
        tmp_path,
        db,
        'Set Field [ People::Name ; "Annie" ]\n'
        "Go to Record/Request/Page [ Next ]\n"
        f'Show Custom Dialog [ {SQL_NAME} & " / state " & Get ( RecordOpenState ) ]\n'
        "Revert Record/Request\n"
        f"Show Custom Dialog [ {SQL_NAME} ]\n",
    )
    assert (code, err) == (0, "")
    assert out == "Annie / state 0\nAnnie\n"
    assert rows(db)[0][0] == "Annie"


@pytest.mark.parametrize(
    "leave",
    [
        "Commit Records/Requests [ With dialog: Off ]",
        'Go to Layout [ "People" ]',
        "Show All Records",
        "Sort Records [ Restore ; With dialog: Off ; People::Name ; descending ]",
        "Perform Find [ Specified Find Requests: Find Records ; Criteria: People::Name: “Annie” ] [ Restore ]",
        "New Record/Request",
        "レコード/検索条件確定 [ ダイアログあり: オフ ]",
        "提交记录/请求 [ 对话框: 关 ]",
    ],
)
def test_what_commits(tmp_path: Path, db: Path, leave: str) -> None:
    code, out, err = run(
        tmp_path,
        db,
        f'Set Field [ People::Name ; "Annie" ]\n{leave}\nShow Custom Dialog [ {SQL_NAME} ]\n',
    )
    assert (code, out, err) == (0, "Annie\n", "")


def test_new_record_is_open_until_committed_and_revert_removes_it(tmp_path: Path, db: Path) -> None:
    code, out, err = run(
        tmp_path,
        db,
        "New Record/Request\n"
        'Set Field [ People::Name ; "Cy" ]\n'
        'Show Custom Dialog [ Get ( RecordOpenState ) & " " & Get ( FoundCount ) & " " & People::Score & " " & ExecuteSQL ( "SELECT COUNT(*) FROM People" ; "" ; "" ) & " id " & Get ( RecordID ) ]\n'
        "Revert Record/Request [ With dialog: Off ]\n"
        'Show Custom Dialog [ Get ( RecordOpenState ) & " " & Get ( FoundCount ) & " " & Get ( TotalRecordCount ) ]\n'
        "New Record/Request\n"
        'Set Field [ People::Name ; "Dee" ]\n'
        "Commit Records/Requests\n"
        'Show Custom Dialog [ Get ( RecordOpenState ) & " " & Get ( RecordNumber ) & " " & People::Name & " " & Get ( RecordID ) ]\n',
    )
    assert (code, err) == (0, "")
    # The new record shows its column default (Score 10) and its id before it is written.
    assert out == "1 3 10 2 id 3\n0 2 2\n0 3 Dee 3\n"
    assert rows(db) == [("Ann", "ann@example.com", 1), ("Bob", "bob@example.com", 2), ("Dee", None, 10)]


def test_end_of_script_commits(tmp_path: Path, db: Path) -> None:
    code, _out, err = run(tmp_path, db, "Set Field [ People::Score ; 42 ]\n")
    assert (code, err) == (0, "")
    assert rows(db)[0][2] == 42


def test_validation_failure_at_commit_keeps_the_record_open(tmp_path: Path, db: Path) -> None:
    code, out, err = run(
        tmp_path,
        db,
        "Set Error Capture [ On ]\n"
        'Set Field [ People::Email ; "bob@example.com" ]\n'
        "Commit Records/Requests [ With dialog: Off ]\n"
        'Show Custom Dialog [ Get ( LastError ) & " " & Get ( RecordOpenState ) ]\n'
        "Revert Record/Request [ With dialog: Off ]\n"
        'Show Custom Dialog [ People::Email & " " & Get ( RecordOpenState ) ]\n',
    )
    assert (code, err) == (0, "")
    assert out == "504 2\nann@example.com 0\n"
    assert rows(db)[0][1] == "ann@example.com"


def test_global_fields_are_not_part_of_the_record(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        'CREATE TABLE "G" ("Key" TEXT GLOBAL, "Name" TEXT); INSERT INTO "G" VALUES (\'k0\', \'x\');'
    )
    con.close()
    code, out, err = run(
        tmp_path,
        path,
        'Set Field [ G::Key ; "k1" ]\nRevert Record/Request\nShow Custom Dialog [ G::Key & " " & Get ( RecordOpenState ) ]\n',
    )
    assert (code, out, err) == (0, "k1 0\n", "")


# ----------------------------------------------------------------------------- a killed process


class _Block(BaseHTTPRequestHandler):
    arrived = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:  # noqa: N802
        type(self).arrived.set()
        type(self).release.wait(30)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def blocking_server() -> Iterator[str]:
    _Block.arrived.clear()
    _Block.release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Block)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/wait"
    finally:
        _Block.release.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGKILL")
@pytest.mark.parametrize(
    "edit",
    [
        'Set Field [ People::Name ; "Half" ]\nSet Field [ People::Email ; "half@example.com" ]\n',
        'New Record/Request\nSet Field [ People::Name ; "Never" ]\n',
    ],
    ids=["changed-record", "new-record"],
)
@pytest.mark.parametrize("journal", ["delete", "wal"])  # WAL files commit at synchronous=NORMAL
def test_killed_mid_edit_leaves_the_database_as_before_the_uncommitted_change(
    tmp_path: Path, db: Path, blocking_server: str, edit: str, journal: str
) -> None:
    pytest.importorskip("httpx")
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA journal_mode={journal}")
    con.close()
    script = tmp_path / "edit.fmscript"
    script.write_text(
        "Set Field [ People::Score ; 100 ]\n"
        "Commit Records/Requests [ With dialog: Off ]\n"
        + edit
        # The process waits here, mid-edit, until the test kills it.
        + f'Insert from URL [ Target: $wait ; "{blocking_server}" ]\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "FMSCRIPT_HOME": str(tmp_path / "home")}
    with spawned(
        [sys.executable, "-m", "fmscript", "run", str(script), "--file", str(db)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert _Block.arrived.wait(60), "the script never reached Insert from URL"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    # The committed change is there; the open record's changes (or the new record) are not.
    assert rows(db) == [("Ann", "ann@example.com", 100), ("Bob", "bob@example.com", 2)]


def test_delete_and_duplicate_with_an_open_record(tmp_path: Path, db: Path) -> None:
    code, out, err = run(
        tmp_path,
        db,
        "New Record/Request\n"
        "Delete Record/Request [ With dialog: Off ]\n"
        'Show Custom Dialog [ Get ( FoundCount ) & " " & Get ( RecordOpenCount ) ]\n'
        "Go to Record/Request/Page [ First ]\n"
        'Set Field [ People::Email ; "" ]\n'
        "Duplicate Record/Request\n"
        'Show Custom Dialog [ Get ( FoundCount ) & " " & People::Name & " [" & People::Email & "]" ]\n',
    )
    assert (code, err) == (0, "")
    assert out == "2 0\n3 Ann []\n"
    assert [r[0] for r in rows(db)] == ["Ann", "Bob", "Ann"]


def test_file_buffer_reads_see_open_changes(tmp_path: Path, db: Path) -> None:
    from fmscript.data.sqlite_file import FMFile

    with FMFile.open(db) as fm:
        fm.stage("People", 1, "Name", "Zed")
        new = fm.new_record("People", open=True)
        fm.stage("People", new, "Name", "Amy")
        assert new < 0 and fm.record_ids("People") == [1, 2, new]
        assert fm.get("People", 1, "Name") == "Zed" and fm.record("People", new)["Name"] == "Amy"
        assert [r[1] for r in fm.raw_rows("People", ["Name"])] == [("Zed",), ("Bob",), ("Amy",)]
        assert (fm.open_state("People", 1), fm.open_state("People", new), fm.open_state("People", 2)) == (
            2,
            1,
            0,
        )
        assert rows(db)[0][0] == "Ann"  # nothing written yet
        mapping = fm.commit_records()
        assert mapping == {new: 3} and fm.record_ids("People") == [1, 2, 3]
    assert [r[0] for r in rows(db)] == ["Zed", "Bob", "Amy"]
