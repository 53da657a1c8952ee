"""The objects the server answers with, field by field against the openai SDK's own types (strict:
no field OpenAI does not define, except fmscript's extras under ``"fmscript"``), and the seed's AI
Model Server shape on ``/llm/v1``."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fmscript.ai.keys import KeyStore
from fmscript.server.app import create_app
from fmscript.server.config import ServerOptions
from fmscript.settings import Settings
from tests.server.conftest import jsonl

openai_types = pytest.importorskip("openai.types")
from openai.types import FileObject  # noqa: E402
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent  # noqa: E402
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint  # noqa: E402
from pydantic import BaseModel  # noqa: E402

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


def strict(kind: type[BaseModel], obj: dict[str, Any]) -> BaseModel:
    """``obj`` read as the SDK's ``kind`` in pydantic's strict mode, with no field the SDK does not
    define anywhere inside it (the SDK itself tolerates extras) — fmscript's ``fmscript`` key aside."""
    parsed = kind.model_validate({k: v for k, v in obj.items() if k != "fmscript"}, strict=True)

    def walk(model: BaseModel, where: str) -> None:
        assert not model.model_extra, f"{where}: fields OpenAI does not define: {sorted(model.model_extra)}"
        for name in type(model).model_fields:
            value = getattr(model, name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, BaseModel):
                    walk(item, f"{where}.{name}")

    walk(parsed, kind.__name__)
    return parsed


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    home = tmp_path / "home"
    base = home / "base-models" / "demo"
    base.mkdir(parents=True)
    (base / "config.json").write_text(json.dumps({"model_type": "llama", "num_hidden_layers": 2}))
    (base / "model.safetensors").write_bytes(b"")
    app = create_app(Settings(home_override=home), ServerOptions(worker=False))
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {KeyStore(home).create('tests')}"}


def _upload(client: TestClient, headers: dict[str, str], prefix: str = "/v1") -> dict[str, Any]:
    reply = client.post(
        f"{prefix}/files",
        headers=headers,
        files={"file": ("qa.jsonl", jsonl())},
        data={"purpose": "fine-tune"},
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_v1_objects_are_openai_objects(api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    file = _upload(client, headers)
    strict(FileObject, file)
    datetime.datetime.fromtimestamp(file["created_at"])  # seconds, as OpenAI counts them
    body = {
        "model": "demo",
        "training_file": file["id"],
        "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 3}}},
        "metadata": {"team": "support"},
    }
    created = client.post("/v1/fine_tuning/jobs", headers=headers, json=body).json()
    job = strict(FineTuningJob, created)
    assert isinstance(job, FineTuningJob)
    assert abs(datetime.datetime.fromtimestamp(job.created_at).year - datetime.date.today().year) <= 1
    assert job.training_file == file["id"] and job.status == "queued" and job.finished_at is None
    assert job.hyperparameters.n_epochs == 2 and job.hyperparameters.batch_size == 3
    assert job.metadata == {"team": "support"} and job.seed == 0
    extras = created["fmscript"]
    assert (extras["file_id"], extras["training_file_name"], extras["n_examples"]) == (
        file["id"],
        "qa.jsonl",
        12,
    )
    assert extras["parameters"]["max_steps"] == 8  # ceil(12 × 2 / 3)

    # no n_epochs asked for: the epochs that max_steps × batch_size make over the examples
    plain = client.post(
        "/v1/fine_tuning/jobs",
        headers=headers,
        json={"model": "demo", "training_file": file["id"], "max_steps": 30},
    ).json()
    assert strict(FineTuningJob, plain).hyperparameters.n_epochs == 3  # ceil(30 × 1 / 12)

    listed = client.get("/v1/fine_tuning/jobs", headers=headers).json()
    assert [strict(FineTuningJob, j).id for j in listed["data"]] == [plain["id"], created["id"]]
    cancelled = client.post(f"/v1/fine_tuning/jobs/{job.id}/cancel", headers=headers).json()
    done = strict(FineTuningJob, cancelled)
    assert done.status == "cancelled" and done.finished_at is not None and done.finished_at >= job.created_at

    events = client.get(
        f"/v1/fine_tuning/jobs/{job.id}/events", headers=headers, params={"limit": 100}
    ).json()
    parsed = [strict(FineTuningJobEvent, e) for e in events["data"]]
    assert [e.message for e in parsed][:2] == ["Job cancelled", "Cancellation requested"]
    seqs = [e["fmscript"]["seq"] for e in events["data"]]
    assert seqs == sorted(seqs, reverse=True) == list(range(len(seqs), 0, -1))  # newest first, no gaps
    assert all(isinstance(e.created_at, int) and e.created_at < 10**11 for e in parsed)  # seconds


def test_a_checkpoint_is_an_openai_checkpoint(api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    file = _upload(client, headers)
    job = client.post(
        "/v1/fine_tuning/jobs", headers=headers, json={"model": "demo", "training_file": file["id"]}
    )
    job_id = job.json()["id"]
    state = client.app.state.server  # type: ignore[attr-defined]
    from fmscript.ai.jobs.records import ModelCard

    state.store.jobs.claim(job_id)
    card = ModelCard(name="fm-mlx-x", steps=4, final_train_loss=0.5, val_loss=0.75)
    assert state.store.jobs.set_status(job_id, "succeeded", result=card, expect=("running",))
    page = client.get(f"/v1/fine_tuning/jobs/{job_id}/checkpoints", headers=headers).json()
    (checkpoint,) = [strict(FineTuningJobCheckpoint, c) for c in page["data"]]
    assert isinstance(checkpoint, FineTuningJobCheckpoint)
    assert checkpoint.step_number == 4 and checkpoint.metrics.train_loss == 0.5
    assert checkpoint.created_at < 10**11


def test_llm_v1_answers_as_the_ai_model_server(api: tuple[TestClient, dict[str, str]]) -> None:
    """FileMaker's Custom provider calls ``/llm/v1``: the seed's reply, ``created_at`` in ms (the
    id's number) and ``training_file`` the file's name, then OpenAI's fields."""
    client, headers = api
    file = _upload(client, headers, "/llm/v1")
    assert file["created_at"] == int(file["id"].rsplit("-", 1)[1])
    body = {"model": "demo", "training_file": file["id"], "fine_tuned_model_name": "support bot"}
    job = client.post("/llm/v1/fine_tuning/jobs", headers=headers, json=body).json()
    assert list(job)[: len(SEED_KEYS)] == SEED_KEYS
    assert job["created_at"] == int(job["id"].rsplit("-", 1)[1])
    assert (job["training_file"], job["file_id"], job["tags"]) == ("qa.jsonl", file["id"], ["fine-tune"])
    assert job["fine_tuned_model"] == "fm-mlx-support-bot"
    cancelled = client.post(f"/llm/v1/fine_tuning/jobs/{job['id']}/cancel", headers=headers).json()
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"] > 10**12


def test_default_names_differ_and_a_named_model_is_not_deleted_at_create(
    api: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    client, headers = api
    file = _upload(client, headers)
    names = [
        client.post(
            "/v1/fine_tuning/jobs", headers=headers, json={"model": "demo", "training_file": file["id"]}
        ).json()["fine_tuned_model"]
        for _ in range(5)
    ]
    assert len(set(names)) == 5, names
    old = tmp_path / "home" / "models" / "fm-mlx-keep"
    old.mkdir(parents=True)
    (old / "adapter_config.json").write_text("{}")
    (old / "card.json").write_text(json.dumps({"name": "fm-mlx-keep", "base_model": "demo"}))
    body = {"model": "demo", "training_file": file["id"], "suffix": "keep"}
    assert (
        client.post("/v1/fine_tuning/jobs", headers=headers, json=body).json()["fine_tuned_model"]
        == "fm-mlx-keep"
    )
    assert (old / "card.json").exists()  # replaced only when the new training succeeds
