"""A real ``fmscript serve`` app on 127.0.0.1 (uvicorn in a thread) with the demo base model and
an API key, and Debian's Chromium driven by playwright — never a downloaded browser.

The browser tests skip, saying why, only when ``/usr/bin/chromium`` is missing (CI installs it
with ``apt-get install -y chromium``). Training runs in the server's child process as in
production; the tests pause it where they must see a state (see :class:`WriteHold`).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Server:
    """The running app: its URL, home, API key and state (to start the training queue)."""

    def __init__(self, url: str, home: Path, key: str, state: Any) -> None:
        self.url, self.home, self.key, self.state = url, home, key, state

    def get(self, path: str) -> Any:
        import urllib.request

        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        import urllib.request

        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.home / "jobs.sqlite", timeout=30, isolation_level=None)

    def job_status(self, job_id: str) -> str:
        db = self.db()
        try:
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        finally:
            db.close()
        return str(row[0]) if row else ""

    def wait_status(self, job_id: str, wanted: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.job_status(job_id) != wanted:
            assert time.monotonic() < deadline, f"{job_id} never became {wanted} ({self.job_status(job_id)})"
            time.sleep(0.01)

    def loss_events(self, job_id: str, key: str = "train_loss") -> list[dict[str, Any]]:
        """The job's loss reports, as the OpenAI events route reports them."""
        events = self.get(f"/v1/fine_tuning/jobs/{job_id}/events?limit=1000")["data"]
        return [e for e in reversed(events) if (e.get("data") or {}).get(key) is not None]


class WriteHold:
    """Hold the job store's write lock: the trainer (another process) stops at its next write —
    every step writes a heartbeat — while the server and the page go on reading (WAL). This makes
    "running" and a half-drawn curve observable without racing the training."""

    def __init__(self, server: Server, job_id: str, status: str = "running", loss_reports: int = 0) -> None:
        """Hold as soon as the job has ``status`` and at least ``loss_reports`` training-loss
        events: the store is read every millisecond, so the trainer gets at most a step further."""
        self.db = server.db()
        self.wanted = (job_id, status, loss_reports)

    def _ready(self) -> bool:
        job_id, status, loss_reports = self.wanted
        row = self.db.execute(
            "SELECT status, (SELECT count(*) FROM events WHERE job_id = jobs.id AND data LIKE '%\"train_loss\"%')"
            " FROM jobs WHERE id = ?",
            (job_id,),
        ).fetchone()
        assert row is not None and row[0] in ("queued", "running", status), f"{job_id} is {row}"
        return bool(row[0] == status and row[1] >= loss_reports)

    def __enter__(self) -> WriteHold:
        deadline = time.monotonic() + 120
        while not self._ready():
            assert time.monotonic() < deadline, f"{self.wanted} never came"
            time.sleep(0.001)
        self.db.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.execute("ROLLBACK")
        self.db.close()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` "
            "(the browser tests never download a browser)"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[Server]:
    import uvicorn

    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.keys import KeyStore
    from fmscript.server.app import create_app
    from fmscript.server.config import ServerOptions
    from fmscript.settings import Settings

    home = tmp_path_factory.mktemp("admin-home")
    create_demo_model(home / "base-models" / "demo", seed=0)
    key = KeyStore(home).create("browser-test")
    settings = Settings(home_override=home, progress=False, temp_override=home / "tmp")
    # worker off: the test starts the queue itself once it has seen the job queued
    app = create_app(settings, ServerOptions(worker=False))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", home, key, app.state.server)
    finally:
        uv.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.url + "/admin/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("API key").fill(server.key)
    page.get_by_label("API key").press("Enter")
    expect(page.get_by_role("heading", name="Fine-tuning jobs")).to_be_visible()
