"""Issue 22 item 2: a job is created at most once. A slow create reply is not retried blindly by the
SDK: the provider's jobs are searched for one on the just-uploaded training file first, and a retry
carries the same Idempotency-Key."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.ai.test_remote_openai import API, RECORDED, _run, _script, respx


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FMSCRIPT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FMSCRIPT_MAX_RETRIES", "2")  # the SDK would retry the POST twice on its own
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return tmp_path / "home"


def test_a_timed_out_create_finds_the_job_it_made(tmp_path: Path, env: Path) -> None:
    with respx.mock(base_url=API) as mock:
        mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").mock(side_effect=httpx.ReadTimeout("slow"))
        listed = mock.get("/fine_tuning/jobs").respond(
            200, json={"object": "list", "data": [RECORDED["job_created"]], "has_more": False}
        )
        code, out, err, _ = _run(_script(tmp_path, {}), tmp_path)
    assert code == 0, err
    assert create.call_count == 1 and listed.call_count == 1  # one POST: no paid duplicates
    assert json.loads(out.strip().splitlines()[-1])["result"]["id"] == RECORDED["job_created"]["id"]
    from fmscript.ai.jobs.store import open_store

    store = open_store(env)
    assert store.remote.get(RECORDED["job_created"]["id"]) is not None  # fmscript recorded the job it got


def test_a_retry_carries_the_same_idempotency_key(tmp_path: Path) -> None:
    replies = iter([httpx.ConnectError("reset"), httpx.Response(200, json=RECORDED["job_created"])])

    def reply(request: httpx.Request) -> httpx.Response:
        answer = next(replies)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with respx.mock(base_url=API) as mock:
        mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").mock(side_effect=reply)
        mock.get("/fine_tuning/jobs").respond(200, json={"object": "list", "data": [], "has_more": False})
        code, _, err, _ = _run(_script(tmp_path, {}), tmp_path)
    assert code == 0, err
    keys = [call.request.headers.get("idempotency-key") for call in create.calls]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].startswith("fmscript-")


def test_a_refused_create_is_not_retried(tmp_path: Path) -> None:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").respond(400, json={"error": {"message": "bad model"}})
        listed = mock.get("/fine_tuning/jobs").respond(200, json={"object": "list", "data": []})
        code, _, err, _ = _run(_script(tmp_path, {}), tmp_path)
    assert code == 1 and "bad model" in err
    assert create.call_count == 1 and not listed.called
