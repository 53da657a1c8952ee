"""Save Records as JSONL and Table-source Fine-Tune Model stream records to the file.

What is written (found-set order, omitted records, both formats, the first path that can be
created, no partial file on failure) and that 100,000 records keep memory bounded: the export
runs in a fresh subprocess that reports its peak resident memory before and after.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

SYSTEM = "You are a helpful assistant. Answer the user's request using the record data provided."


def _db(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    con = sqlite3.connect(path)
    con.execute(
        'CREATE TABLE "Support QA" ("Question" TEXT, "Answer" TEXT, "Category" TEXT, "Key" TEXT GLOBAL)'
    )
    con.executemany('INSERT INTO "Support QA" ("Question", "Answer", "Category") VALUES (?, ?, ?)', rows)
    con.commit()
    con.close()
    return path


def _run(tmp_path: Path, script: str, db: Path) -> tuple[int, str]:
    path = tmp_path / "main.fmscript"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    err = io.StringIO()
    options = RunOptions(
        wait_for_jobs=False, progress=False, settings=Settings(home_override=tmp_path / "home")
    )
    code, _, _ = run_session(path, db, "", options, io.StringIO(), err)
    return code, err.getvalue()


ROWS = [(f"Q{i}", f"A{i}", "Billing" if i % 2 else "Account") for i in range(1, 7)]


def _messages(q: str, a: str, c: str) -> dict:
    return {
        "messages": [
            {"content": SYSTEM, "role": "system"},
            {"content": f"Question={q}, Category={c}", "role": "user"},
            {"content": a, "role": "assistant"},
        ]
    }


def test_found_set_order_and_omitted_records(tmp_path: Path) -> None:
    db = _db(tmp_path / "qa.sqlite", ROWS)
    code, err = _run(
        tmp_path,
        f"""\
        Go to Layout [ "Support QA" ]
        Perform Find [ Specified Find Requests: Find Records ; Criteria: Support QA::Category: “Billing” ] [ Restore ]
        Sort Records [ Specified Sort Order: Support QA::Question; descending ] [ Restore ; With dialog: Off ]
        Go to Record/Request/Page [ First ]
        Omit Record
        Save Records as JSONL [ With dialog: Off ; Format for fine-tuning: Off ; Table: "Support QA" ; Specify output file: "file:{tmp_path}/out.jsonl" ; Completion Field: Support QA::Answer ]
        """,
        db,
    )
    assert code == 0, err
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    # Billing is Q1, Q3, Q5; sorted descending Q5, Q3, Q1; the first (Q5) omitted.
    assert [json.loads(line) for line in lines] == [_messages(*ROWS[2]), _messages(*ROWS[0])]
    assert lines[0] == json.dumps(_messages(*ROWS[2]), ensure_ascii=False, separators=(",", ":"))


def test_fine_tuning_format_evaluates_prompts_per_record(tmp_path: Path) -> None:
    db = _db(tmp_path / "qa.sqlite", ROWS[:3])
    code, err = _run(
        tmp_path,
        f"""\
        Go to Layout [ "Support QA" ]
        Go to Record/Request/Page [ Last ]
        Save Records as JSONL [ With dialog: Off ; Format for fine-tuning: On ; Table: "Support QA" ; Specify output file: "file:{tmp_path}/no/such/dir/x.jsonl¶file:{tmp_path}/out.jsonl" ; System Prompt: "sys" ; User Prompt: Support QA::Question & "?" ; Assistant Prompt: Support QA::Answer ]
        Exit Script [ Text Result: Get ( RecordNumber ) ]
        """,
        db,
    )
    assert code == 0, err
    got = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert got == [
        {
            "messages": [
                {"content": "sys", "role": "system"},
                {"content": f"{q}?", "role": "user"},
                {"content": a, "role": "assistant"},
            ]
        }
        for q, a, _ in ROWS[:3]
    ]
    assert not (tmp_path / "no").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_failure_half_way_leaves_no_partial_file(tmp_path: Path) -> None:
    db = _db(tmp_path / "qa.sqlite", ROWS)
    (tmp_path / "out.jsonl").write_text("old\n", encoding="utf-8")
    # The assistant prompt names a missing field: the step fails (error 102) while writing.
    code, err = _run(
        tmp_path,
        f"""\
        Go to Layout [ "Support QA" ]
        Save Records as JSONL [ With dialog: Off ; Format for fine-tuning: On ; Table: "Support QA" ; Specify output file: "file:{tmp_path}/out.jsonl" ; User Prompt: Support QA::Question ; Assistant Prompt: Let ( x = 1 / 0 ; Support QA::Nonexistent ) ]
        """,
        db,
    )
    assert code == 1
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


CHILD = """
import io, json, resource, sys
from pathlib import Path
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

def peak():
    # VmHWM: this process image's peak resident set (ru_maxrss would include the parent's, since
    # Linux keeps it across exec).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

script, db = Path(sys.argv[1]), Path(sys.argv[2])
before = peak()
err = io.StringIO()
options = RunOptions(wait_for_jobs=False, progress=False, settings=Settings.from_env())
code, _, _ = run_session(script, db, "", options, io.StringIO(), err)
print(json.dumps({"code": code, "err": err.getvalue()[-2000:], "before": before, "after": peak()}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from /proc/self/status")
def test_100k_records_stream_in_bounded_memory(tmp_path: Path) -> None:
    n = 100_000
    db = tmp_path / "big.sqlite"
    con = sqlite3.connect(db)
    con.execute('CREATE TABLE "Support QA" ("Question" TEXT, "Answer" TEXT, "Category" TEXT)')
    con.executemany(
        'INSERT INTO "Support QA" VALUES (?, ?, ?)',
        (
            (f"How do I fix problem number {i}?", f"Answer {i}: restart the app.", f"C{i % 7}")
            for i in range(n)
        ),
    )
    con.commit()
    con.close()
    # A registered-looking base model: submit only checks the folder's form and layer count.
    home = tmp_path / "home"
    model = home / "base-models" / "tiny"
    model.mkdir(parents=True)
    (model / "config.json").write_text('{"num_hidden_layers": 2}', encoding="utf-8")
    (model / "model.safetensors").write_bytes(b"")
    script = tmp_path / "export.fmscript"
    script.write_text(
        f"""Go to Layout [ "Support QA" ]
Save Records as JSONL [ With dialog: Off ; Format for fine-tuning: Off ; Table: "Support QA" ; Specify output file: "file:{tmp_path}/out.jsonl" ; Completion Field: Support QA::Answer ]
Configure AI Account [ Account Name: "local" ; Model Provider: Local ]
Fine-Tune Model [ Account Name: "local" ; Base Model: "tiny" ; Training Data: Table ; "Support QA" ; Completion Field: Support QA::Answer ; Fine-Tune Parameters: "{{\\"max_steps\\": 1}}" ]
""",
        encoding="utf-8",
    )
    env = {"FMSCRIPT_HOME": str(home), "FMSCRIPT_PROGRESS": "0", "PATH": "/usr/bin:/bin"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(script), str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, report["err"]
    with (tmp_path / "out.jsonl").open(encoding="utf-8") as f:
        assert sum(1 for _ in f) == n
    files = list((home / "files").glob("*.jsonl"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    # Holding the 100k lines (or the parsed examples) in memory costs well over 100 MB; streaming
    # needs a few MB (the found set's ids, SQLite's page cache, write buffers).
    grown = report["after"] - report["before"]
    assert grown < 40, f"the export grew the peak resident memory by {grown:.0f} MB"


@pytest.mark.parametrize(
    "ids",
    [None, [2, 5, 999, 1200], [1200, 3, 999_999, 7, 2], list(range(1300, 0, -1))],
    ids=["all", "ascending-with-missing", "any-order-with-missing", "more-than-a-chunk"],
)
def test_iter_records_follows_ids(tmp_path: Path, ids: list[int] | None) -> None:
    from fmscript.data.sqlite_file import FMFile

    db = _db(tmp_path / "qa.sqlite", [(f"Q{i}", f"A{i}", "") for i in range(1, 1301)])
    with FMFile.open(db) as file:
        got = list(file.iter_records("support qa", ["Answer", "Category", "Key"], ids))
    expected = [(f"A{i}", "", "") for i in (range(1, 1301) if ids is None else ids) if 1 <= i <= 1300]
    assert got == expected
