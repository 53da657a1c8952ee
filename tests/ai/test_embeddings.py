"""The embedding family on the Local provider with the demo model (issue 25, bar 23-ai-family):
GetEmbedding / GetEmbeddingAsText / GetEmbeddingAsFile / CosineSimilarity, Insert Embedding (in
Found Set), Perform Semantic Find — through ``samples/semantic_search.fmscript`` and focused steps.
Claris: help.claris.com/en/pro-help/content/{getembedding,insert-embedding,
insert-embedding-in-found-set,perform-semantic-find,cosinesimilarity}.html."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

from fmscript.calc.functions.vectors import as_text, decode, encode
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.embeddings import similarities
from fmscript.steps.state import RunOptions

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = 'Configure AI Account [ Account Name: "local" ; Model Provider: Local ]\n'


def _run(home: Path, tmp_path: Path, text: str, db: Path | None = None) -> tuple[int, str, str, Any]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    options = RunOptions(progress=False, settings=Settings(home_override=home, progress=False))
    code, result, ctx = run_session(script, db, "", options, out, err)
    return code, out.getvalue(), err.getvalue() + f"\nresult: {result}", ctx


def test_the_semantic_search_sample(demo_home: Path, tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    sqlite3.connect(db).executescript((ROOT / "samples" / "semantic_search.sql").read_text("utf-8"))
    code, out, err, ctx = _run(
        demo_home, tmp_path, (ROOT / "samples" / "semantic_search.fmscript").read_text("utf-8"), db
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Insert Embedding in Found Set: 4 updated, 0 skipped, 0 errors"
    assert (
        lines[1] == "Found 2 notes; the best: Gift cards never expire."
    )  # the text equal to the query first
    assert lines[2] == "Same text twice: CosineSimilarity 1"
    assert lines[3] == "As text, a JSON array of 64 numbers"
    assert lines[4] == "Container and JSON forms agree: 1"
    assert lines[5].startswith("3 ")  # Save result: record 3 (the query's text) first
    rows = sqlite3.connect(db).execute('SELECT "Embedding", "Embedding JSON" FROM "Notes"').fetchall()
    assert len(rows) == 4 and all(isinstance(b, bytes) and decode(b) for b, _ in rows)  # all 4 filled
    assert all(json.loads(t) and len(json.loads(t)) == 64 for _, t in rows)


def test_semantic_find_options(demo_home: Path, tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    sqlite3.connect(db).executescript((ROOT / "samples" / "semantic_search.sql").read_text("utf-8"))
    find = (
        'Perform Semantic Find [ Query by: Natural language ; Account Name: "local" ; Embedding Model: "demo" ; '
        'Text: "Gift cards never expire." ; Record set: {SET} ; Target field: Notes::Embedding JSON ; {MORE} Save result: $r ]\n'
    )
    text = (
        ACCOUNT
        + 'Go to Layout [ "Notes" ]\n'
        + 'Insert Embedding in Found Set [ Account Name: "local" ; Embedding Model: "demo" ; Source Field: Notes::Text ; Target Field: Notes::Embedding JSON ]\n'
        + find.replace("{SET}", "All records").replace("{MORE}", "")
        + "Set Variable [ $all ; Value: Get ( FoundCount ) ]\n"
        + find.replace("{SET}", "All records").replace(
            "{MORE}",
            "Cosine similarity condition: greater than or equal to ; Cosine similarity value: .9999 ;",
        )
        + 'Set Variable [ $close ; Value: Get ( FoundCount ) & "/" & Notes::Text ]\n'
        + 'Enter Find Mode [ Pause: Off ]\nSet Field [ Notes::Text ; "Shipping" ]\nPerform Find []\n'
        + find.replace("{SET}", "Current found set").replace("{MORE}", "")
        + 'Set Variable [ $within ; Value: Get ( FoundCount ) & "/" & Notes::Text ]\n'
        + "Set Error Capture [ On ]\n"
        + find.replace("{SET}", "All records").replace(
            "{MORE}", "Cosine similarity condition: less than ; Cosine similarity value: -1 ;"
        )
        + "Set Variable [ $none ; Value: Get ( LastError ) ]\n"
        + find.replace("{SET}", "All records").replace("{MORE}", "Return count: 0 ;")
        + "Set Variable [ $zero ; Value: Get ( LastError ) ]\n"
        + 'Insert Embedding [ Account Name: "nobody" ; Embedding Model: "demo" ; Input: "x" ; Target: $x ]\n'
        + "Set Variable [ $noaccount ; Value: Get ( LastError ) ]\n"
        + 'Set Variable [ $q ; Value: EvaluationError ( GetEmbedding ( "nobody" ; "demo" ; "x" ) ) ]\n'
        + 'Insert Embedding [ Account Name: "local" ; Embedding Model: "demo" ; Input: "Gift cards never expire." ; Target: $v ]\n'
        + "Exit Script [ Text Result: List ( $all ; $close ; $within ; $none ; $zero ; $noaccount ; $q ; Left ( $v ; 1 ) ) ]\n"
    )
    code, _, err, ctx = _run(demo_home, tmp_path, text, db)
    assert code == 0, err
    # default Return count 10 → all 4; the condition keeps the exact match only; the current found
    # set limits the candidates; nothing left is 401; a bad count 14; no account 877 (also for GetEmbedding).
    assert err.rsplit("result: ", 1)[1].split("\r") == [
        "4", "1/Gift cards never expire.", "1/Shipping takes three to five business days.", "401", "14", "877", "877", "[",
    ]  # fmt: skip


def test_vector_forms_and_bulk_similarity() -> None:
    vector = [0.25, -0.5, 0.0009765625, 3.0]  # float32-exact
    assert decode(encode(vector)) == vector
    assert as_text(vector) == "[0.25,-0.5,0.0009765625,3]" and as_text([0.1]) == "[0.1]"
    stored: list[object] = [
        encode([1, 0, 0, 0]),
        "[0,1,0,0]",
        "",
        "not a vector",
        encode([1, 0]),
        "[-1,0,0,0]",
    ]
    sims = similarities([1, 0, 0, 0], stored)
    assert sims == [1.0, 0.0, None, None, None, -1.0]


def test_set_ai_call_logging(demo_home: Path, tmp_path: Path) -> None:
    """Claris set-ai-call-logging.html: On logs every AI call to the file in the Documents folder
    (appending), Verbose adds the vectors, Truncate Messages shortens them, Off stops; keys never
    reach the log."""
    text = (
        'Configure AI Account [ Account Name: "local" ; Model Provider: Local ; API key: "sk-secret-123456" ]\n'
        'Set AI Call Logging [ On ; Filename: "ai-calls.log" ; Verbose: On ; Truncate Messages: On ]\n'
        'Set Variable [ $e ; Value: GetEmbedding ( "local" ; "demo" ; "hello" ) ]\n'
        'Generate Response from Model [ Account Name: "local" ; Model: "demo" ; User Prompt: "my key is sk-secret-123456" ; '
        'Parameters: "{\\"max_tokens\\":2}" ; Response: $r ]\n'
        "Set Error Capture [ On ]\n"
        'Set Variable [ $bad ; Value: GetEmbedding ( "local" ; "no-such-model" ; "x" ) ]\n'
        "Set AI Call Logging [ Off ]\n"
        'Set Variable [ $f ; Value: GetEmbedding ( "local" ; "demo" ; "not logged" ) ]\n'
        'AI 呼び出しログ設定 [ オン ]\nSet Variable [ $g ; Value: GetEmbedding ( "local" ; "demo" ; "default file" ) ]\n'
    )
    script = tmp_path / "main.fmscript"
    script.write_text(text, "utf-8")
    docs = tmp_path / "docs"
    options = RunOptions(documents_path=docs, settings=Settings(home_override=demo_home, progress=False))
    code, _, _ = run_session(script, None, "", options, io.StringIO(), io.StringIO())
    assert code == 0
    log = (docs / "ai-calls.log").read_text("utf-8")
    entries = [json.loads(line) for line in log.splitlines()]
    assert [e["call"] for e in entries] == ["embeddings", "chat", "embeddings"]
    assert entries[0]["texts"] == ["hello"] and entries[0]["vectors"][0][-1] == "… 64 numbers"
    assert entries[1]["messages"][-1]["content"] == "my key is ***" and "sk-secret" not in log
    assert entries[2]["error"] == 10 and "no-such-model" in entries[2]["message"]
    assert "not logged" not in log
    [default] = [json.loads(line) for line in (docs / "LLMDebug.log").read_text("utf-8").splitlines()]
    assert default["inputs"] == 1 and "texts" not in default  # not Verbose: no texts, no vectors
