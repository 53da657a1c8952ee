"""Issue 22 item 11: every number in a job body is checked (type, range) -> 400 naming the field;
absurd values were accepted and queued (max_steps 1e20, lora_layers 1e9, max_steps true) or ended
as a 500 with a traceback (n_epochs 1e308). In-process server, no training."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from fmscript.ai.keys import KeyStore  # noqa: E402
from fmscript.server.app import create_app  # noqa: E402
from fmscript.server.config import ServerOptions  # noqa: E402
from fmscript.settings import Settings  # noqa: E402
from tests.server.conftest import jsonl  # noqa: E402


@pytest.fixture
def api(demo_home: Path) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    app = create_app(Settings(home_override=demo_home), ServerOptions(worker=False))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {KeyStore(demo_home).create('tests')}"}
        upload = client.post(
            "/v1/files", headers=headers, files={"file": ("t.jsonl", jsonl())}, data={"purpose": "fine-tune"}
        )
        assert upload.status_code == 200, upload.text
        yield client, headers, upload.json()["id"]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"hyperparameters": {"n_epochs": 1e308}}, "n_epochs"),
    ({"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1e308}}}}, "n_epochs"),
    ({"hyperparameters": {"n_epochs": 51}}, "n_epochs"),
    ({"hyperparameters": {"batch_size": 1e9}}, "batch_size"),
    ({"max_steps": 1e20}, "max_steps"),
    ({"max_steps": "1e20"}, "max_steps"),
    ({"max_steps": True}, "max_steps"),
    ({"max_steps": -1}, "max_steps"),
    ({"lora_layers": 1e9}, "lora_layers"),
    ({"batch_size": 1e9}, "batch_size"),
    ({"learning_rate": 1e308}, "learning_rate"),
    ({"seed": True}, "seed"),
    ({"seed": 1e30}, "seed"),
]


@pytest.mark.parametrize(("fields", "name"), BAD, ids=[f"{n}-{i}" for i, (_, n) in enumerate(BAD)])
def test_absurd_numbers_are_400_naming_the_field(
    api: tuple[TestClient, dict[str, str], str], fields: dict[str, Any], name: str
) -> None:
    client, headers, file_id = api
    response = client.post(
        "/v1/fine_tuning/jobs", headers=headers, json={"model": "demo", "training_file": file_id, **fields}
    )
    assert response.status_code == 400, response.text
    assert name in response.json()["error"]["message"], response.text
    assert "Traceback" not in response.text
    assert client.get("/v1/fine_tuning/jobs", headers=headers).json()["data"] == []


def test_sensible_numbers_still_queue(api: tuple[TestClient, dict[str, str], str]) -> None:
    client, headers, file_id = api
    response = client.post(
        "/v1/fine_tuning/jobs",
        headers=headers,
        json={
            "model": "demo",
            "training_file": file_id,
            "max_steps": "20",
            "hyperparameters": {"batch_size": 2},
        },
    )
    assert response.status_code == 200, response.text
