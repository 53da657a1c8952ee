"""Over real loopback HTTP: ``fmscript serve`` in a subprocess, seed Example 2 (Custom provider)
run verbatim apart from the Endpoint and the key — its base model ``google/codegemma-7b-it`` is
downloaded by the server from the loopback hub (a tiny gemma stand-in) — and the openai SDK against it."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions
from tests.ai.hub_stub import HubStub
from tests.server.conftest import QA, SEED_BASE_MODEL, LiveServer, jsonl, wait_for

pytestmark = pytest.mark.slow
SEEDS = Path(__file__).parent / "seeds"
SEED_PARAMETERS = ("max_steps", "learning_rate", "lora_layers", "batch_size", "fine_tuned_model_name", "seed")
SEED_KEYS = [
    "object",
    "id",
    "file_id",
    "model",
    "created_at",
    "fine_tuned_model",
    "status",
    "training_file",
    "tags",
]


def _db(path: Path, lang: str, key: str) -> Path:
    table, fields = (
        ("グローバル", ("OpenAI API キー", "ファインチューニング API キー", "ファインチューニング済みモデル"))
        if lang == "ja"
        else ("Global", ("OpenAI_API_Key", "Fine_Tuning_API_Key", "Fine_Tuned_Model"))
    )
    con = sqlite3.connect(path)
    con.execute(f'CREATE TABLE "{table}" ({", ".join(f"{chr(34)}{f}{chr(34)} TEXT GLOBAL" for f in fields)})')
    con.execute(f'INSERT INTO "{table}" VALUES (?, ?, ?)', ("unused", key, ""))
    con.commit()
    con.close()
    return path


def _script(tmp_path: Path, lang: str, url: str) -> Path:
    text = (SEEDS / f"{lang}_example2.fmscript").read_text("utf-8")
    assert text.count('"https://myserver.example.com/llm/v1/"') == 1
    assert text.count('"google/codegemma-7b-it"') == 1
    text = text.replace("https://myserver.example.com/llm/v1/", f"{url}/llm/v1/")
    script = tmp_path / f"{lang}_example2.fmscript"
    script.write_text(text, "utf-8")
    return script


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_seed_example2_against_fmscript_serve(
    lang: str,
    live: tuple[LiveServer, str],
    seed_hub: HubStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, key = live
    client_home = tmp_path / "client-home"
    monkeypatch.setenv("FMSCRIPT_HOME", str(client_home))
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "training_data.jsonl").write_text(jsonl(), "utf-8")
    db = _db(tmp_path / "file.sqlite", lang, key)
    out, err = io.StringIO(), io.StringIO()
    options = RunOptions(
        documents_path=docs, progress=False, follow_remote=True, settings=Settings.from_env()
    )
    code, _, rt = run_session(_script(tmp_path, lang, server.url), db, "", options, out, err)
    assert code == 0, err.getvalue()
    assert "succeeded: model fm-mlx-product-expert-v2" in err.getvalue()

    # The Response Target: the seed's keys first, in order, with the seed's values; OpenAI's
    # fields after them, kept even when null.
    result = json.loads(rt.vars.final_locals[("$responsetarget", 1)])["result"]
    assert list(result)[: len(SEED_KEYS)] == SEED_KEYS
    assert re.fullmatch(r"fm-ftjob-\d{13}", result["id"])
    assert re.fullmatch(r"fm-ft-train-\d{13}", result["file_id"])
    assert result["created_at"] == int(result["id"].rsplit("-", 1)[1])
    assert (result["model"], result["fine_tuned_model"], result["status"]) == (
        SEED_BASE_MODEL,
        "fm-mlx-product-expert-v2",
        "queued",
    )
    assert (result["training_file"], result["tags"]) == ("training_data.jsonl", ["fine-tune"])
    assert "finished_at" in result and result["finished_at"] is None and result["error"] is None
    # The numeric strings FileMaker sends were taken as numbers (steps capped by the server).
    assert {k: v for k, v in result["fmscript"]["parameters"].items() if k in SEED_PARAMETERS} == {
        "max_steps": 5, "learning_rate": 0.0001, "lora_layers": 4, "batch_size": 2,
        "fine_tuned_model_name": "product-expert-v2", "seed": 0,
    }  # fmt: skip
    assert result["fmscript"]["parameters"]["fine_tune_type"] == "lora"  # fmscript's defaults after them

    field = (
        ("グローバル", "ファインチューニング済みモデル") if lang == "ja" else ("Global", "Fine_Tuned_Model")
    )
    con = sqlite3.connect(db)
    row = con.execute(
        "SELECT value FROM fmscript_globals WHERE table_name = ? AND field_name = ?", field
    ).fetchone()
    assert row == ("fm-mlx-product-expert-v2",)

    headers = {"Authorization": f"Bearer {key}"}
    job = httpx.get(f"{server.url}/llm/v1/fine_tuning/jobs/{result['id']}", headers=headers).json()
    assert job["status"] == "succeeded" and job["trained_tokens"] > 0
    models = httpx.get(f"{server.url}/llm/v1/models", headers=headers).json()
    assert "fm-mlx-product-expert-v2" in [m["id"] for m in models["data"]]
    # The server pulled the base model from the hub once (ja, the first run), as job events.
    assert seed_hub.downloads(SEED_BASE_MODEL).count("model.safetensors") == 1
    events = httpx.get(f"{server.url}/llm/v1/fine_tuning/jobs/{result['id']}/events", headers=headers).json()
    messages = [e["message"] for e in events["data"]]
    downloading = any(m.startswith(f"Downloading {SEED_BASE_MODEL}") for m in messages)
    assert downloading == (lang == "ja"), messages

    # The client recorded the remote job (last status succeeded), never the key.
    from fmscript.ai.jobs.store import open_store

    record = open_store(client_home).remote.get(result["id"])
    assert (record.provider, record.status) == ("Custom", "succeeded")
    assert record.base_url == f"{server.url}/llm/v1/"
    for folder in (client_home, server.home):
        for path in folder.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path
    assert key not in server.log.read_text("utf-8", "replace")
    assert key not in out.getvalue() + err.getvalue()


def test_openai_sdk_against_fmscript_serve(live: tuple[LiveServer, str]) -> None:
    import openai

    server, key = live
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=60)
    uploaded = client.files.create(file=("sdk.jsonl", jsonl().encode()), purpose="fine-tune")
    assert uploaded.id.startswith("fm-ft-train-") and uploaded.bytes == len(jsonl().encode())
    assert client.files.retrieve(uploaded.id).filename == "sdk.jsonl"
    assert client.files.content(uploaded.id).read() == jsonl().encode()
    assert uploaded.id in [f.id for f in client.files.list()]

    job = client.fine_tuning.jobs.create(
        model="demo",
        training_file=uploaded.id,
        suffix="sdk-model",
        seed=3,
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1, "batch_size": 2}}},
    )
    assert (job.status, job.fine_tuned_model, job.model) == ("queued", "fm-mlx-sdk-model", "demo")
    assert job.hyperparameters.batch_size == 2 and job.seed == 3

    # A second job, cancelled while it waits in the queue behind the first.
    second = client.fine_tuning.jobs.create(
        model="demo", training_file=uploaded.id, extra_body={"max_steps": "3"}
    )
    cancelled = client.fine_tuning.jobs.cancel(second.id)
    assert cancelled.status == "cancelled"

    done = wait_for(
        lambda: (j := client.fine_tuning.jobs.retrieve(job.id)).status in ("succeeded", "failed") and j
    )
    assert done.status == "succeeded", done.error
    assert done.trained_tokens and done.finished_at
    listed = client.fine_tuning.jobs.list(limit=5)
    assert {job.id, second.id} <= {j.id for j in listed.data}
    assert [j.id for j in client.fine_tuning.jobs.list(limit=1, after=second.id).data] == [job.id]
    messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=100)]
    assert any("succeeded" in m for m in messages) and any("queued" in m for m in messages)
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert [c.fine_tuned_model_checkpoint for c in checkpoints] == ["fm-mlx-sdk-model"]

    ids = [m.id for m in client.models.list()]
    assert "demo" in ids and "fm-mlx-sdk-model" in ids
    assert client.models.retrieve("fm-mlx-sdk-model").owned_by == "fmscript"

    question = [{"role": "user", "content": QA[0][0]}]
    reply = client.chat.completions.create(model="fm-mlx-sdk-model", messages=question, max_tokens=6)
    assert reply.choices[0].message.role == "assistant" and reply.choices[0].message.content
    assert reply.choices[0].finish_reason in ("stop", "length")
    stream = client.chat.completions.create(
        model="fm-mlx-sdk-model", messages=question, max_tokens=6, stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == reply.choices[0].message.content  # greedy: the same reply, streamed
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")

    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="fm-mlx-nope", messages=question, max_tokens=2)
    assert missing.value.body["code"] == "model_not_found"  # type: ignore[index]
    assert client.models.delete("fm-mlx-sdk-model").deleted
    assert "fm-mlx-sdk-model" not in [m.id for m in client.models.list()]
    assert client.files.delete(uploaded.id).deleted
