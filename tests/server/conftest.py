"""A real ``fmscript serve`` on an ephemeral loopback port, over a home with a demo base model."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.processes import kill_group, spawn

if TYPE_CHECKING:
    from tests.ai.hub_stub import HubStub

pytest.importorskip("fastapi")
pytest.importorskip("openai")

QA = [(f"How do I fix problem {i}?", f"Restart step {i}.") for i in range(12)]


def jsonl(rows: list[tuple[str, str]] = QA) -> str:
    return "".join(
        json.dumps({"messages": [{"content": q, "role": "user"}, {"content": a, "role": "assistant"}]}) + "\n"
        for q, a in rows
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``python -m fmscript serve`` in a subprocess; its combined output is kept in ``log``."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = {**os.environ, "FMSCRIPT_HOME": str(home), "FMSCRIPT_PROGRESS": "0", **(env or {})}
        self.log = home.parent / f"{home.name}-server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> LiveServer:
        self.port = free_port()
        out = open(self.log, "ab")  # noqa: SIM115 - the child writes to it until it ends
        self.proc = spawn(
            [sys.executable, "-m", "fmscript", "serve", "--port", str(self.port), "--log-level", "info"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(15)
        if self.proc is not None:
            kill_group(self.proc)  # and its training children, whatever happened to the server


@pytest.fixture(scope="session")
def demo_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mlx_lm")
    from fmscript.ai.demo_model import create_demo_model

    return create_demo_model(tmp_path_factory.mktemp("server-demo") / "demo", seed=0)


def make_home(folder: Path, demo_model: Path) -> Path:
    from fmscript.ai.jobs.store import open_store

    store = open_store(folder)
    store.models.add_base("demo", demo_model)
    store.close()
    return folder


SEED_BASE_MODEL = "google/codegemma-7b-it"


@pytest.fixture(scope="module")
def seed_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubStub]:
    """The loopback hub serving a tiny gemma stand-in under the seed's base model name."""
    pytest.importorskip("mlx_lm")
    from fmscript.ai.families import create_tiny_model
    from tests.ai.hub_stub import HubStub, StubRepo

    gemma = create_tiny_model(tmp_path_factory.mktemp("seed-hub") / "gemma", "gemma", num_hidden_layers=4)
    stub = HubStub(repos={SEED_BASE_MODEL: StubRepo.from_folder(gemma)}).start()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, demo_model: Path, seed_hub: HubStub
) -> Iterator[tuple[LiveServer, str]]:
    """A running server (training capped at 5 steps) and an API key for it; hub models come from
    the loopback hub into the server's own Hugging Face cache."""
    from fmscript.ai.keys import KeyStore

    root = tmp_path_factory.mktemp("server")
    home = make_home(root / "home", demo_model)
    key = KeyStore(home).create("tests")
    env = {"FMSCRIPT_MAX_STEPS": "5", "HF_ENDPOINT": seed_hub.url, "HF_HUB_CACHE": str(root / "hf-cache")}
    server = LiveServer(home, env).start()
    try:
        yield server, key
    finally:
        server.stop()


def wait_for(predicate, timeout: float = 120.0, poll: float = 0.25):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy (returned), failing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        time.sleep(poll)
