"""Keys, names and sizes, in-process (the app over httpx's ASGI transport; no training)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fmscript.ai.keys import KeyStore
from fmscript.server.app import create_app
from fmscript.server.config import ServerOptions
from fmscript.settings import Settings
from tests.server.conftest import jsonl

ROUTES = [
    ("GET", "/v1/models"),
    ("GET", "/llm/v1/models/demo"),
    ("DELETE", "/v1/models/demo"),
    ("GET", "/v1/files"),
    ("POST", "/llm/v1/files"),
    ("GET", "/v1/files/fm-ft-train-1/content"),
    ("DELETE", "/v1/files/fm-ft-train-1"),
    ("POST", "/v1/fine_tuning/jobs"),
    ("GET", "/llm/v1/fine_tuning/jobs"),
    ("GET", "/v1/fine_tuning/jobs/fm-ftjob-1"),
    ("POST", "/v1/fine_tuning/jobs/fm-ftjob-1/cancel"),
    ("GET", "/v1/fine_tuning/jobs/fm-ftjob-1/events"),
    ("GET", "/v1/fine_tuning/jobs/fm-ftjob-1/checkpoints"),
    ("POST", "/v1/chat/completions"),
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    app = create_app(
        Settings(home_override=home), ServerOptions(max_upload_bytes=4096, max_body_bytes=2048, worker=False)
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def key(home: Path, client: TestClient) -> str:
    return KeyStore(home).create("tests")


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_a_valid_key(
    method: str, path: str, client: TestClient, key: str, home: Path
) -> None:
    revoked = KeyStore(home).create("old")
    KeyStore(home).revoke("old")
    for headers in ({}, _auth("fmk-wrong-key-1234567890"), _auth(revoked), {"Authorization": f"Basic {key}"}):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"]["code"] == "invalid_api_key"
        assert response.headers["www-authenticate"] == "Bearer"
        assert "fmk-wrong" not in response.text and revoked not in response.text and key not in response.text
    assert client.request(method, path, headers=_auth(key)).status_code != 401


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/llm/v1/files", "/v1/files", "/v1/fine_tuning/jobs", "/llm/v1/chat/completions"} <= set(paths)
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    "name", ["../../../evil.jsonl", "..\\..\\evil.jsonl", "/etc/passwd", "..", "a\x00b\n.jsonl"]
)
def test_client_file_names_never_choose_where_files_go(
    name: str, client: TestClient, key: str, home: Path
) -> None:
    data = jsonl().encode()
    response = client.post(
        "/v1/files", headers=_auth(key), files={"file": (name, data)}, data={"purpose": "fine-tune"}
    )
    assert response.status_code == 200, response.text
    file = response.json()
    assert "/" not in file["filename"] and "\\" not in file["filename"] and file["filename"] not in ("", "..")
    stored = [p for p in home.rglob("*") if p.is_file() and p.read_bytes() == data]
    assert stored == [home / "files" / f"{file['id']}.jsonl"]
    assert not list(home.parent.glob("evil*")) and not Path("/evil.jsonl").exists()


def test_oversize_upload_is_413(client: TestClient, key: str, home: Path) -> None:
    big = b'{"messages": []}\n' * 400  # 6.8 kB > the 4 kB limit
    declared = client.post(
        "/v1/files", headers=_auth(key), files={"file": ("big.jsonl", big)}, data={"purpose": "fine-tune"}
    )
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n'
        for _ in range(10):
            yield big[:1000]
        yield b"\r\n--xyz--\r\n"

    streamed = client.post(
        "/v1/files",
        headers={**_auth(key), "content-type": "multipart/form-data; boundary=xyz"},
        content=chunks(),
    )
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "request_too_large"
    assert not [p for p in (home / "files").iterdir()]
    body = client.post("/v1/chat/completions", headers=_auth(key), content=b"{" + b" " * 4000 + b"}")
    assert body.status_code == 413


def test_invalid_upload_lists_every_bad_line(client: TestClient, key: str, home: Path) -> None:
    lines = jsonl().splitlines()
    bad = "\n".join(lines[:3] + ["{oops", lines[3], '{"messages": [{"role": "user"}]}'] + lines[4:]) + "\n"
    response = client.post(
        "/v1/files", headers=_auth(key), files={"file": ("d.jsonl", bad)}, data={"purpose": "fine-tune"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_file" and "line 4:" in error["message"] and "line 6:" in error["message"]
    assert "d.jsonl" in error["message"] and not list((home / "files").iterdir())


def test_openai_shaped_errors(client: TestClient, key: str) -> None:
    missing = client.get("/v1/fine_tuning/jobs/fm-ftjob-404", headers=_auth(key))
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"message", "type", "param", "code"}
    bad = client.post(
        "/v1/fine_tuning/jobs", headers=_auth(key), json={"model": "demo", "training_file": "fm-ft-train-1"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "training_file"
    unknown = client.post(
        "/v1/fine_tuning/jobs", headers=_auth(key), json={"model": "x", "training_file": "y", "epochs": 1}
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "epochs"
    assert client.get("/v1/nowhere", headers=_auth(key)).json()["error"]["code"] == "not_found"


def test_keys_are_never_logged(client: TestClient, key: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client.get("/v1/models", headers=_auth(key))
        client.get("/v1/models", headers=_auth(key + "x"))
    assert key not in caplog.text


def test_key_store_keeps_hashes_only(home: Path, key: str) -> None:
    text = (home / "api-keys.json").read_text()
    assert key not in text and key[:8] in text  # the prefix, to tell keys apart
    assert (home / "api-keys.json").stat().st_mode & 0o077 == 0
    store = KeyStore(home)
    assert store.verify(key) == "tests"
    with pytest.raises(Exception, match="exists"):
        store.create("tests")
    store.revoke("tests")
    assert store.verify(key) is None


def test_keys_cli(home: Path) -> None:
    from click.testing import CliRunner

    from fmscript.cli import cli

    runner = CliRunner()
    env = {"FMSCRIPT_HOME": str(home)}
    created = runner.invoke(cli, ["keys", "create", "ci"], env=env)
    key = created.stdout.strip()
    assert created.exit_code == 0 and key.startswith("fmk-")
    listed = runner.invoke(cli, ["keys", "list"], env=env)
    assert "ci" in listed.output and key not in listed.output
    assert runner.invoke(cli, ["keys", "revoke", "ci"], env=env).exit_code == 0
    again = runner.invoke(cli, ["keys", "revoke", "ci"], env=env)
    assert again.exit_code == 1 and "no active API key" in again.output
    assert runner.invoke(cli, ["keys", "create", "../x"], env=env).exit_code == 1
