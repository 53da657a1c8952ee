"""schemathesis against /openapi.json (bounded: a few examples per operation): no 5xx, ever."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from fmscript.ai.keys import KeyStore  # noqa: E402
from fmscript.server.app import create_app  # noqa: E402
from fmscript.server.config import ServerOptions  # noqa: E402
from fmscript.settings import Settings  # noqa: E402

HOME = Path(tempfile.mkdtemp(prefix="fmscript-schema-")) / "home"
APP = create_app(Settings(home_override=HOME), ServerOptions(worker=False, max_upload_bytes=1 << 16))
KEY = KeyStore(HOME).create("schemathesis")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, checks=[not_a_server_error])


@pytest.mark.parametrize("route", ["/v1/embeddings", "/llm/v1/embeddings", "/v1/chat/completions"])
def test_a_tilde_user_model_name_is_not_found_not_a_crash(route: str) -> None:
    """A model named ``~nosuchuser/x`` (found by schemathesis): pathlib's expanduser raises for a user
    that does not exist; the name is simply not a model (404), never a 500."""
    from fastapi.testclient import TestClient

    body: dict[str, object] = {"model": "~nosuchuser_fmscript/x", "input": "hi"}
    if "chat" in route:
        body = {"model": "~nosuchuser_fmscript/x", "messages": [{"role": "user", "content": "hi"}]}
    reply = TestClient(APP).post(route, json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert reply.status_code == 404, reply.text
