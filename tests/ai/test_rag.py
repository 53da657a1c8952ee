"""RAG spaces: Configure RAG Account and Perform RAG Action's Send Prompt against recorded OpenAI
responses (respx; nothing leaves the machine) in en/ja/zh — what is retrieved and sent, Parameters
with ``context_prompt``, Stream — Add Data from a PDF in a container field, a Local (mlx) space
embedding model, the chunking and the built-in embedding.
Claris: help.claris.com/{en,ja,zh}/pro-help/content/{configure-rag-account,perform-rag-action,
getragspaceinfo}.html."""

from __future__ import annotations

import io
import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest

from fmscript.ai.rag import HASH_MODEL, RagAccount, RagStore, chunk_text, cosine, count_tokens, hash_embed
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

API = "https://api.openai.com/v1"
KEY = "sk-secret-key-123"
RAG_KEY = "eyJhb-rag-secret"
DATA = Path(__file__).parent / "data"
RECORDED = json.loads((DATA / "openai_chat_responses.json").read_text("utf-8"))

SETUP = (
    f'Configure AI Account [ Account Name: "my-ai" ; Model Provider: OpenAI ; API key: "{KEY}" ]\n'
    f'Configure RAG Account [ RAG Account Name: "my-rag-account" ; Endpoint: "https://myserver.example.com/llm/v1/" ; API Key: "{RAG_KEY}" ]\n'
)
DOCS = (
    "Refunds are paid within 14 days of the return.",
    "Gift cards never expire and can be used online.",
    "Shipping takes three to five business days.",
)
ADD = 'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "support" ; Action: Add Data ; RAG Data: From Text ; Text: "{}" ]\n'
PROMPT = {
    "en": 'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "support" ; Action: Send Prompt ; '
    'Send Prompt: "How long until my refund is paid?" ; AI Account Name: "my-ai" ; Model: "gpt-4o-mini" ; {MORE}Response Target: $answer ]',
    "ja": 'RAG 処理を実行 [RAG アカウント名: "my-rag-account" ; スペース ID: "support" ; 処理: プロンプトを送信 ; '
    'プロンプトを送信: "How long until my refund is paid?" ; AI アカウント名: "my-ai" ; モデル: "gpt-4o-mini" ; {MORE}応答のターゲット: $answer]',
    "zh": '执行 RAG 操作 [ RAG 账户名称: "my-rag-account" ; 空间 ID: "support" ; 操作: 发送提示 ; '
    '发送提示: "How long until my refund is paid?" ; AI 账户名称: "my-ai" ; 模型: "gpt-4o-mini" ; {MORE}响应目标: $answer ]',
}


def run(
    tmp_path: Path, text: str, out: io.StringIO | None = None, db: Path | None = None, **settings: Any
) -> tuple[int, str, str, Any, str]:
    """(exit code, stdout, stderr, step context, script result as text)."""
    script = tmp_path / "main.fmscript"
    script.write_text(text, "utf-8")
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    config = Settings(
        **{
            "home_override": tmp_path / "home",
            "max_retries": 0,
            "request_timeout": 2,
            "connect_timeout": 1,
            **settings,
        }
    )
    code, result, ctx = run_session(script, db, "", RunOptions(progress=False, settings=config), out, err)
    return code, out.getvalue(), err.getvalue(), ctx, str(result)


def _sse(chunks: list[dict[str, Any]]) -> bytes:
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n"


@pytest.mark.parametrize("lang", ["en", "ja", "zh"])
def test_send_prompt_retrieves_the_closest_chunks_and_asks_the_model(lang: str, tmp_path: Path) -> None:
    respx = pytest.importorskip("respx")
    pytest.importorskip("openai")
    more = 'Parameters: "{\\"context_prompt\\": \\"Treat today as 12/01/2025\\", \\"temperature\\": 0.2}" ; '
    script = SETUP + "".join(ADD.format(d) for d in DOCS) + PROMPT[lang].replace("{MORE}", more) + "\n"
    with respx.mock(base_url=API) as mock:
        chat = mock.post("/chat/completions").respond(200, json=RECORDED["answer"])
        code, out, err, ctx, _ = run(tmp_path, script)
    assert code == 0, err
    assert ctx.vars.final_locals[("$answer", 1)] == "Restart step 3."
    body = json.loads(chat.calls[0].request.content)
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0.2 and "context_prompt" not in body
    system, context_prompt, user = body["messages"]
    assert (system["role"], context_prompt, user) == (
        "system",
        {"role": "system", "content": "Treat today as 12/01/2025"},
        {"role": "user", "content": "How long until my refund is paid?"},
    )
    # the refund document shares the most words with the prompt: it comes first; shipping shares none
    context = system["content"].split("Context:\n", 1)[1]
    assert context.startswith("[1] Refunds are paid within 14 days of the return.")
    assert "Shipping" not in context
    assert RAG_KEY not in out + err and KEY not in out + err


def test_send_prompt_with_a_rag_prompt_template(tmp_path: Path) -> None:
    """Claris configure-prompt-template.html: Template Type RAG Prompt, used by Perform RAG Action's
    Prompt Template Name; a template of another type is error 11."""
    respx = pytest.importorskip("respx")
    pytest.importorskip("openai")
    template = (
        'Configure Prompt Template [ Template Name: "Polite" ; Model Provider: OpenAI ; Template Type: RAG Prompt ; '
        'RAG Prompt: "Answer politely. :context: Question: :question:" ]\n'
        'Configure Prompt Template [ Template Name: "Sql" ; Model Provider: OpenAI ; Template Type: SQL Query ]\n'
    )
    more = 'Prompt Template Name: "{T}" ; Parameters: "{\\"context_prompt\\": \\"Today is Monday.\\"}" ; '
    script = (
        SETUP
        + template
        + ADD.format(DOCS[0])
        + PROMPT["en"].replace("{MORE}", more.replace("{T}", "Polite"))
        + "\nSet Error Capture [ On ]\n"
        + PROMPT["en"].replace("{MORE}", more.replace("{T}", "Sql"))
        + "\nExit Script [ Text Result: Get ( LastError ) ]\n"
    )
    with respx.mock(base_url=API) as mock:
        chat = mock.post("/chat/completions").respond(200, json=RECORDED["answer"])
        code, _, err, _, result = run(tmp_path, script)
    assert code == 0, err
    assert len(chat.calls) == 1 and result == "11"
    system, user = json.loads(chat.calls[0].request.content)["messages"]
    assert system["content"].endswith("[1] Refunds are paid within 14 days of the return.")
    assert user == {
        "role": "user",
        "content": "Answer politely. Today is Monday. Question: How long until my refund is paid?",
    }


def test_send_prompt_streams_at_a_terminal(tmp_path: Path) -> None:
    respx = pytest.importorskip("respx")
    pytest.importorskip("openai")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    script = SETUP + ADD.format(DOCS[0]) + PROMPT["en"].replace("{MORE}", "Stream ; ") + "\n"
    with respx.mock(base_url=API) as mock:
        chat = mock.post("/chat/completions").respond(
            200, content=_sse(RECORDED["stream_chunks"]), headers={"content-type": "text/event-stream"}
        )
        code, out, err, ctx, _ = run(tmp_path, script, out=Terminal())
    assert code == 0, err
    assert json.loads(chat.calls[0].request.content)["stream"] is True
    assert out == "Restart step 3.\n" and ctx.vars.final_locals[("$answer", 1)] == "Restart step 3."


def test_send_prompt_errors(tmp_path: Path) -> None:
    pytest.importorskip("openai")
    script = (
        SETUP
        + "Set Error Capture [ On ]\n"
        + ADD.format(DOCS[0])
        + PROMPT["en"]
        .replace("{MORE}", 'Parameters: "{\\"bogus_key\\": 1}" ; ')
        .replace('"gpt-4o-mini"', '""')
        + "\nSet Variable [ $nomodel ; Value: Get ( LastError ) ]\n"
        + PROMPT["en"].replace("{MORE}", 'Parameters: "[1]" ; ')
        + "\nSet Variable [ $array ; Value: Get ( LastError ) ]\n"
        + PROMPT["en"].replace("{MORE}", 'Prompt Template Name: "t" ; ')
        + "\nSet Variable [ $template ; Value: Get ( LastError ) ]\n"
        + "Exit Script [ Text Result: List ( $nomodel ; $array ; $template ) ]\n"
    )
    code, _, err, _, result = run(tmp_path, script)
    assert code == 0, err
    assert result.split("\r") == ["11", "11", "10"]  # no Model, Parameters not an object, no such template


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (Helvetica), with a correct cross-reference table."""
    shown = "".join(f"({line}) Tj 0 -14 Td " for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {shown}ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_add_data_from_a_container_pdf(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    db = tmp_path / "docs.sqlite"
    con = sqlite3.connect(db)
    con.execute('CREATE TABLE "Docs" ("Title" TEXT, "File" BLOB)')
    con.execute(
        'INSERT INTO "Docs" VALUES (?, ?), (?, ?)',
        (
            "manual",
            _pdf(["Returns are accepted within 30 days.", "Keep the receipt."]),
            "note",
            b"plain bytes",
        ),
    )
    con.commit()
    con.close()
    add = (
        'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "manuals" ; Action: Add Data ; '
        "RAG Data: {SOURCE} ; Container Field: Docs::File ; Detect vertical text ; Response Target: $r ]\n"
    )
    script = (
        SETUP
        + 'Set Error Capture [ On ]\nGo to Layout [ "Docs" ]\n'
        + add.replace("{SOURCE}", "From Container")
        + "Set Variable [ $first ; Value: $r ]\nGo to Record/Request/Page [ Next ]\n"
        + add.replace("{SOURCE}", "From Container (Async)")
        + 'Exit Script [ Text Result: List ( $first ; Get ( LastError ) ; GetRAGSpaceInfo ( "my-rag-account" ; "manuals" ) ) ]\n'
    )
    code, _, err, _, result = run(tmp_path, script, db=db)
    assert code == 0, err
    first, error, info = result.split("\r")
    assert first == "1"  # the document's id
    assert error == "882"  # container data that is not a PDF
    assert json.loads(info)["values"] == [{"filename": "File.pdf", "id": 1}]
    owner = RagAccount("my-rag-account", "https://myserver.example.com/llm/v1/", api_key=RAG_KEY).owner
    with RagStore(tmp_path / "home") as store:
        [chunk] = store.chunks(owner, "manuals")
    assert chunk.text == "Returns are accepted within 30 days. Keep the receipt."


def test_a_space_made_with_a_local_model_embeds_with_it(demo_home: Path, tmp_path: Path) -> None:
    script = (
        'Configure RAG Account [ RAG Account Name: "r" ; Endpoint: "http://127.0.0.1:8080/llm/v1/" ]\n'
        'Perform RAG Action [ RAG Account Name: "r" ; Space ID: "s" ; Action: Add Data ; RAG Data: From Text ; Text: "Gift cards never expire." ]\n'
        'Exit Script [ Text Result: GetRAGSpaceInfo ( "r" ) ]\n'
    )
    code, _, err, _, result = run(tmp_path, script, home_override=demo_home, rag_embedding_model="demo")
    assert code == 0, err
    assert json.loads(result) == {"rag_space_list": [{"model": "demo", "space_id": "s"}]}
    with RagStore(demo_home) as store:
        owner = RagAccount("r", "http://127.0.0.1:8080/llm/v1/").owner
        [chunk] = store.chunks(owner, "s")
    assert len(chunk.vector) == 64  # the demo model's hidden size, not the built-in embedding's


def test_chunking_keeps_sentences_and_paragraphs_together() -> None:
    text = "One two three. Four five six.\n\nSeven eight nine ten eleven twelve thirteen."
    assert chunk_text(text, 6) == [
        "One two three. Four five six.",
        "Seven eight nine ten eleven twelve",
        "thirteen.",
    ]
    assert chunk_text(text, 100) == [
        "One two three. Four five six.",
        "Seven eight nine ten eleven twelve thirteen.",
    ]
    assert chunk_text("  \n\n ") == []
    assert count_tokens("返品は30日") == 5 and chunk_text("返品です。領収書です。", 6) == [
        "返品です。",
        "領収書です。",
    ]


def test_the_built_in_embedding() -> None:
    refund, gift = hash_embed("Refunds are paid within 14 days."), hash_embed("Gift cards never expire.")
    query = hash_embed("when is my refund paid")
    assert len(refund) == 512 and abs(cosine(refund, refund) - 1) < 1e-9
    assert cosine(query, refund) > cosine(query, gift)
    assert hash_embed("Refunds are paid") == hash_embed("refunds  ARE paid")  # case and spacing
    assert hash_embed("") == [0.0] * 512 and cosine(hash_embed(""), refund) == 0
    assert HASH_MODEL == "fmscript-hash-embedding"


def test_spaces_belong_to_an_endpoint_and_key(tmp_path: Path) -> None:
    a = RagAccount("a", "https://one.example.com/llm/v1/", api_key="k1")
    same = RagAccount("other name", "https://ONE.example.com/llm/v1", api_key="k1")
    b = RagAccount("a", "https://one.example.com/llm/v1/", api_key="k2")
    assert a.owner == same.owner != b.owner and "k1" not in repr(a)
    with RagStore(tmp_path) as store:
        first = store.add(a.owner, "s", HASH_MODEL, [("x", [1.0, 0.0])])
        second = store.add(a.owner, "s", HASH_MODEL, [("y", [0.0, 1.0])])
        assert (first, second) == (1, 2)
        assert store.remove(a.owner, "s", [2, 2, 9]) == [2]
        assert store.add(a.owner, "s", HASH_MODEL, [("z", [0.0, 1.0])]) == 3  # ids are never reused
        assert store.spaces(b.owner) == [] and [s.space_id for s in store.spaces(a.owner)] == ["s"]


def test_the_rag_support_sample(demo_home: Path, tmp_path: Path) -> None:
    """samples/rag_support.fmscript: records keep their document ids; a changed article is removed
    and added again; Send Prompt answers with the Local demo model."""
    db = tmp_path / "articles.sqlite"
    root = Path(__file__).resolve().parents[2]
    sqlite3.connect(db).executescript((root / "samples" / "rag_support.sql").read_text("utf-8"))
    text = (root / "samples" / "rag_support.fmscript").read_text("utf-8")
    code, out, err, _, result = run(tmp_path, text, db=db, home_override=demo_home)
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "Added 5 chunks from 4 articles",
        "Removed document 2, added it again as 5",
        "Answered: yes",
    ]
    assert result != "" and out.rstrip("\n").endswith(result.rstrip("\n"))  # the run prints its result last
    ids = [r[0] for r in sqlite3.connect(db).execute('SELECT "RAG Document" FROM "Articles" ORDER BY "Id"')]
    assert ids == [1, 5, 3, 4]


def test_set_ai_call_logging_logs_each_rag_action(tmp_path: Path) -> None:
    """Claris set-ai-call-logging.html: every AI script step is logged; the RAG key never is."""
    docs = tmp_path / "docs"
    script = (
        SETUP
        + 'Set AI Call Logging [ On ; Filename: "rag.log" ; Verbose: On ; Truncate Messages: On ]\n'
        + ADD.format(DOCS[0])
        + 'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "support" ; Action: Remove Data ; Parameters: "{\\"id\\":[1]}" ]\n'
        + "Set Error Capture [ On ]\n"
        + f'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "{RAG_KEY}" ; Action: Remove Data ; Parameters: "{{\\"id\\":[1]}}" ]\n'
    )
    path = tmp_path / "main.fmscript"
    path.write_text(script, "utf-8")
    options = RunOptions(
        documents_path=docs, settings=Settings(home_override=tmp_path / "home", progress=False)
    )
    code, _, _ = run_session(path, None, "", options, io.StringIO(), io.StringIO())
    assert code == 0
    log = (docs / "rag.log").read_text("utf-8")
    added, removed, failed = [json.loads(line) for line in log.splitlines()]
    assert (added["call"], added["action"], added["id"], added["chunks"]) == ("rag", "Add Data", 1, 1)
    assert added["texts"] == [DOCS[0]] and added["vectors"][0][-1] == "… 512 numbers"
    assert (removed["action"], removed["removed"]) == ("Remove Data", [1])
    assert failed["error"] == 10 and RAG_KEY not in log and failed["space_id"] == "***"


def test_hostile_inputs_end_in_error_codes(tmp_path: Path) -> None:
    """A damaged PDF is 882, an id past SQLite's range removes nothing, NaN ids are 11 — never a
    crash."""
    pytest.importorskip("pypdf")
    (tmp_path / "broken.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ntrailer garbage"
    )
    remove = 'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "support" ; Action: Remove Data ; Parameters: "{P}" ; Response Target: $r ]\n'
    script = (
        SETUP
        + "Set Error Capture [ On ]\n"
        + 'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "s" ; Action: Add Data ; RAG Data: From File ; Input File: "broken.pdf" ]\n'
        + "Set Variable [ $pdf ; Value: Get ( LastError ) ]\n"
        + ADD.format(DOCS[0])
        + remove.replace("{P}", '{\\"id\\":[1e300, 99999999999999999999999]}')
        + 'Set Variable [ $big ; Value: Get ( LastError ) & "/" & $r ]\n'
        + remove.replace("{P}", '{\\"id\\":[NaN]}')
        + "Set Variable [ $nan ; Value: Get ( LastError ) ]\n"
        + "Exit Script [ Text Result: List ( $pdf ; $big ; $nan ) ]\n"
    )
    code, _, err, _, result = run(tmp_path, script)
    assert code == 0, err
    assert result.split("\r") == ["882", '0/{"id":[],"rag_space_id":"support"}', "11"]


def test_nesting_chunk_counts_and_a_damaged_store_end_in_error_codes(tmp_path: Path) -> None:
    """Issue 22: Parameters nested 100,000 deep is 11 (Python's JSON reader would recurse out),
    a text that makes more than MAX_CHUNKS_PER_DOCUMENT chunks is 14 at once (2 MB at 1 token a
    chunk was 9 GB and minutes), Tokens per Text Chunk 0 / -1 / 1e9 is 14, and a rag-spaces.sqlite
    that is no database is 802 and is left as it was — in the step and in GetRAGSpaceInfo."""
    deep = 'Substitute ( "xxxxxxxxxx" ; "x" ; ' * 4 + '"[[[[[[[[[["' + " )" * 4

    def add(text: str, tokens: str) -> str:
        return ADD.format(text).replace(" ]\n", f" ; Tokens per Text Chunk: {tokens} ]\n")

    script = (
        SETUP
        + "Set Error Capture [ On ]\n"
        + ADD.format(DOCS[0])
        + f'Set Variable [ $deep ; Value: "{{\\"id\\":" & {deep} ]\n'
        + 'Perform RAG Action [ RAG Account Name: "my-rag-account" ; Space ID: "support" ; Action: Remove Data ; Parameters: $deep ]\n'
        + "Set Variable [ $nested ; Value: Get ( LastError ) ]\n"
        + add("a b c", "0")
        + "Set Variable [ $t ; Value: Get ( LastError ) ]\n"
        + add("a", "-1")
        + "Set Variable [ $t ; Value: $t & Get ( LastError ) ]\n"
        + add("a", "1e9")
        + "Set Variable [ $t ; Value: $t & Get ( LastError ) ]\n"
        + add("w " * 10_001, "1")
        + "Exit Script [ Text Result: List ( $nested ; $t ; Get ( LastError ) ; "
        + 'JSONGetElement ( GetRAGSpaceInfo ( "my-rag-account" ; "support" ) ; "entries" ) ) ]\n'
    )
    code, _, err, _, result = run(tmp_path, script)
    assert code == 0, err
    assert result.split("\r") == ["11", "141414", "14", "1"]  # the 10,001 words added nothing

    home = tmp_path / "home"
    (home / "rag-spaces.sqlite").write_text("my notes, not a database")
    script = (
        SETUP
        + "Set Error Capture [ On ]\n"
        + ADD.format(DOCS[0])
        + 'Exit Script [ Text Result: Get ( LastError ) & "/" & GetRAGSpaceInfo ( "my-rag-account" ; "" ) ]\n'
    )
    code, _, err, _, result = run(tmp_path, script)
    assert (code, result) == (0, "802/?"), err
    assert (home / "rag-spaces.sqlite").read_text() == "my notes, not a database"


def test_bulk_similarities_match_one_at_a_time() -> None:
    from fmscript.ai.rag import similarities

    query = hash_embed("refund paid days")
    vectors = [hash_embed(d) for d in DOCS] + [[1.0, 0.0], [0.0] * 512]
    bulk = similarities(query, [struct.pack(f"<{len(v)}f", *v) for v in vectors])
    assert bulk[-2:] == [0.0, 0.0]  # another length, a zero vector
    assert all(abs(a - cosine(query, v)) < 1e-6 for a, v in zip(bulk, vectors))  # float32 storage
    assert bulk[0] > 0 and bulk[0] == max(bulk)
