"""kill -9 the server while a job trains, start it again: the queue and the files are all there,
the interrupted job is failed with the reason, and the queued job is trained by the new server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from fmscript.ai.keys import KeyStore
from tests.server.conftest import LiveServer, jsonl, make_home, wait_for

pytestmark = pytest.mark.slow


def test_kill_9_while_training_then_restart(tmp_path: Path, demo_model: Path) -> None:
    home = make_home(tmp_path / "home", demo_model)
    key = KeyStore(home).create("tests")
    headers = {"Authorization": f"Bearer {key}"}
    server = LiveServer(home).start()
    try:
        api = f"{server.url}/llm/v1"
        file = httpx.post(f"{api}/files", headers=headers, files={"file": ("d.jsonl", jsonl())},
                          data={"purpose": "fine-tune"}).json()  # fmt: skip
        long = {
            "model": "demo",
            "training_file": file["id"],
            "max_steps": 100000,
            "fine_tuned_model_name": "long",
        }
        short = {
            "model": "demo",
            "training_file": file["id"],
            "max_steps": "3",
            "fine_tuned_model_name": "short",
        }
        first = httpx.post(f"{api}/fine_tuning/jobs", headers=headers, json=long).json()
        second = httpx.post(f"{api}/fine_tuning/jobs", headers=headers, json=short).json()

        def step_events() -> bool:
            events = httpx.get(
                f"{api}/fine_tuning/jobs/{first['id']}/events?limit=100", headers=headers
            ).json()
            return any((e.get("data") or {}).get("step") for e in events["data"])

        wait_for(step_events)  # the first job is really training
        # The API answers while it trains (training runs outside the event loop).
        assert (
            httpx.get(f"{api}/fine_tuning/jobs/{second['id']}", headers=headers).json()["status"] == "queued"
        )
        server.kill9()

        server.start()
        api = f"{server.url}/llm/v1"
        assert file["id"] in [f["id"] for f in httpx.get(f"{api}/files", headers=headers).json()["data"]]
        assert httpx.get(f"{api}/files/{file['id']}/content", headers=headers).text == jsonl()
        failed = wait_for(
            lambda: (
                (j := httpx.get(f"{api}/fine_tuning/jobs/{first['id']}", headers=headers).json())["status"]
                == "failed"
                and j
            )
        )
        assert "stopped" in failed["error"]["message"]
        done = wait_for(
            lambda: (
                (j := httpx.get(f"{api}/fine_tuning/jobs/{second['id']}", headers=headers).json())["status"]
                in ("succeeded", "failed")
                and j
            )
        )
        assert done["status"] == "succeeded", done["error"]
    finally:
        server.stop()


def test_stopping_the_server_queues_the_training_job_again(tmp_path: Path, demo_model: Path) -> None:
    from fmscript.ai.jobs.store import open_store

    home = make_home(tmp_path / "home", demo_model)
    key = KeyStore(home).create("tests")
    headers = {"Authorization": f"Bearer {key}"}
    server = LiveServer(home).start()
    try:
        api = f"{server.url}/v1"
        file = httpx.post(f"{api}/files", headers=headers, files={"file": ("d.jsonl", jsonl())},
                          data={"purpose": "fine-tune"}).json()  # fmt: skip
        body = {"model": "demo", "training_file": file["id"], "max_steps": 100000}
        job = httpx.post(f"{api}/fine_tuning/jobs", headers=headers, json=body).json()
        wait_for(
            lambda: (
                httpx.get(f"{api}/fine_tuning/jobs/{job['id']}", headers=headers).json()["status"]
                == "running"
            )
        )
    finally:
        server.stop()  # SIGTERM: uvicorn shuts down gracefully
    store = open_store(home)
    stopped = store.jobs.get(job["id"])
    assert (stopped.status, stopped.pid) == ("queued", None)
    assert any("queued again" in e.message for e in store.jobs.events(job["id"]))
    assert store.jobs.reap_dead() == []  # nobody owns it: the next server trains it


def test_sigterm_ends_a_wedged_server_within_seconds(tmp_path: Path, demo_model: Path) -> None:
    """Issue 22 item 4: a request that never finishes (here a body that never arrives) used to keep
    the server from stopping; its training child went on after the server was gone."""
    import socket
    import time

    from fmscript.ai.jobs.store import open_store
    from tests.processes import descendants

    home = make_home(tmp_path / "home", demo_model)
    key = KeyStore(home).create("tests")
    headers = {"Authorization": f"Bearer {key}"}
    server = LiveServer(home).start()
    try:
        api = f"{server.url}/v1"
        file = httpx.post(f"{api}/files", headers=headers, files={"file": ("d.jsonl", jsonl())},
                          data={"purpose": "fine-tune"}).json()  # fmt: skip
        body = {"model": "demo", "training_file": file["id"], "max_steps": 100000}
        job = httpx.post(f"{api}/fine_tuning/jobs", headers=headers, json=body).json()
        wait_for(
            lambda: (
                httpx.get(f"{api}/fine_tuning/jobs/{job['id']}", headers=headers).json()["status"]
                == "running"
            )
        )
        assert server.proc is not None
        children = [pid for pid, _ in descendants(server.proc.pid)]
        assert children, "the training child"
        with socket.create_connection(("127.0.0.1", server.port)) as wedge:
            wedge.sendall(
                f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{".encode()
            )
            time.sleep(0.5)
            start = time.monotonic()
            server.proc.terminate()
            server.proc.wait(30)
            assert time.monotonic() - start < 20
        for pid in children:  # gone, or a zombie waiting to be reaped
            stat = Path(f"/proc/{pid}/stat")
            assert not stat.exists() or stat.read_text().split()[2] == "Z"
    finally:
        server.stop()
    stopped = open_store(home).jobs.get(job["id"])
    assert (stopped.status, stopped.pid) == ("queued", None)
