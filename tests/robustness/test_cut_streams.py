"""Issue 22 item 9: a streamed chat reply cut short (no finish_reason, no [DONE]) was accepted as
the whole answer, and an HTML page sent to a streaming request gave an empty answer with error 0.
Both are error 1631 now, with the partial text not put into the Response target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

respx = pytest.importorskip("respx")
pytest.importorskip("openai")

from tests.ai.test_generate_remote import ACCOUNT, API, RECORDED, Terminal, run  # noqa: E402

SCRIPT = ACCOUNT + (
    "Set Error Capture [ On ]\n"
    'Set Variable [ $r ; Value: "before" ]\n'
    'Generate Response from Model [ Account Name: "my-account" ; Model: "gpt-4o-mini" ; User Prompt: "Q" ; '
    "Stream ; Response: $r ]\n"
    'Show Custom Dialog [ Get ( LastError ) & " " & $r ]\n'
)


def _events(chunks: list[dict[str, Any]], done: bool) -> bytes:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
    return (body + ("data: [DONE]\n\n" if done else "")).encode()


def _cut(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chunks without the one that carries finish_reason (the connection closed before it)."""
    return [c for c in chunks if not any(ch.get("finish_reason") for ch in c.get("choices", []))]


REPLIES = {
    "cut": (_events(_cut(RECORDED["stream_chunks"]), done=False), "text/event-stream"),
    "cut but [DONE]": (_events(_cut(RECORDED["stream_chunks"]), done=True), "text/event-stream"),
    "html": (b"<html><body>Welcome to nginx!</body></html>", "text/html"),
}


@pytest.mark.parametrize("why", list(REPLIES))
def test_an_incomplete_stream_is_error_1631(tmp_path: Path, why: str) -> None:
    content, kind = REPLIES[why]
    with respx.mock(base_url=API) as mock:
        mock.post("/chat/completions").respond(200, content=content, headers={"content-type": kind})
        code, out, err, _ = run(tmp_path, SCRIPT, out=Terminal())  # a terminal: the request streams
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "1631 before"


def test_a_whole_stream_still_answers(tmp_path: Path) -> None:
    with respx.mock(base_url=API) as mock:
        mock.post("/chat/completions").respond(
            200,
            content=_events(RECORDED["stream_chunks"], done=True),
            headers={"content-type": "text/event-stream"},
        )
        code, out, err, _ = run(tmp_path, SCRIPT, out=Terminal())
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "0 Restart step 3."


def test_stream_chunks_have_a_finish_reason() -> None:
    assert any(ch.get("finish_reason") for c in RECORDED["stream_chunks"] for ch in c.get("choices", []))
    assert httpx  # the fake replies are httpx responses through respx
