"""Issue 22 item 4: a 20k–100k-character prompt never answered and wedged chat for everyone. The
prompt is capped at the model's context (400 with a clear message, the long one before it is even
tokenized), a request's time is bounded, and others go on being answered. In-process server over
the demo model (its context: 2,048 tokens)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("mlx_lm")

from fastapi.testclient import TestClient  # noqa: E402

from fmscript.ai.keys import KeyStore  # noqa: E402
from fmscript.server import batching  # noqa: E402
from fmscript.server.app import create_app  # noqa: E402
from fmscript.server.config import ServerOptions  # noqa: E402
from fmscript.settings import Settings  # noqa: E402


@pytest.fixture
def chat(demo_home: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(home_override=demo_home), ServerOptions(worker=False))
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {KeyStore(demo_home).create('t')}"}


def _ask(client: TestClient, headers: dict[str, str], text: str, **extra: object) -> object:
    body = {"model": "demo", "messages": [{"role": "user", "content": text}], "max_tokens": 4, **extra}
    return client.post("/v1/chat/completions", headers=headers, json=body)


@pytest.mark.parametrize("size", [20_000, 100_000, 3_000_000])
def test_a_prompt_longer_than_the_context_is_400(chat: tuple[TestClient, dict[str, str]], size: int) -> None:
    client, headers = chat
    start = time.monotonic()
    response = _ask(client, headers, "word " * (size // 5))
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    message = response.json()["error"]["message"]  # type: ignore[attr-defined]
    assert "context is 2,048 tokens" in message and "shorten" in message
    assert time.monotonic() - start < 60
    # Chat goes on for everyone else.
    assert _ask(client, headers, "hello").status_code == 200  # type: ignore[attr-defined]


def test_a_request_past_its_time_is_stopped(
    chat: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, headers = chat
    monkeypatch.setattr(batching, "REQUEST_SECONDS", 0.0)
    response = _ask(client, headers, "hello")
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert "took longer than" in response.json()["error"]["message"]  # type: ignore[attr-defined]
    monkeypatch.setattr(batching, "REQUEST_SECONDS", 300.0)
    assert _ask(client, headers, "hello").status_code == 200  # type: ignore[attr-defined]
