"""``/v1/embeddings`` on ``fmscript serve`` (issue 25 item 4) through the openai SDK: the vector of
Insert Embedding for the same text on the same model, base64 (the SDK's default) and float."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ai.test_embeddings import ACCOUNT, _run
from tests.server.conftest import LiveServer

pytestmark = pytest.mark.slow


def test_embeddings_route_matches_the_step(live: tuple[LiveServer, str], tmp_path: Path) -> None:
    """``/v1/embeddings`` through the openai SDK (base64 by default, and float) gives the vector
    Insert Embedding gives for the same text on the same model."""
    import openai

    server, key = live
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=key)
    text = "Returns are accepted within 14 days."
    reply = client.embeddings.create(model="demo", input=[text, "other"])
    floats = client.embeddings.create(model="demo", input=text, encoding_format="float")
    assert [d.index for d in reply.data] == [0, 1] and reply.usage.prompt_tokens > 0
    script = (
        ACCOUNT
        + f'Insert Embedding [ Account Name: "local" ; Embedding Model: "demo" ; Input: "{text}" ; Target: $v ]\nExit Script [ Text Result: $v ]\n'
    )
    code, _, err, _ = _run(server.home, tmp_path, script)
    assert code == 0, err
    step_vector = json.loads(err.rsplit("result: ", 1)[1])
    assert reply.data[0].embedding == pytest.approx(step_vector, abs=1e-7)
    assert floats.data[0].embedding == pytest.approx(step_vector, abs=1e-7)
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="no-such-model", input="x")
