"""Issue 22 item 5: Insert from URL against hostile servers on 127.0.0.1 — a total deadline with
cURL's meaning for ``-m`` (a server trickling one byte at a time, in the headers or in the body),
a default deadline, a body size cap, and bad ``-m`` values as error 21, never an internal error."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

pytest.importorskip("httpx")


def _handle(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then answer by its path: /trickle-body, /trickle-headers or /endless."""
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ", 2)[1]
        try:
            if path == b"/trickle-headers":
                head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000
                for byte in head:
                    if stop.wait(0.05):
                        return
                    conn.sendall(bytes([byte]))
            elif path == b"/trickle-body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not stop.wait(0.05):
                    conn.sendall(b"x")
            elif path == b"/endless":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"y" * 65536
                while not stop.is_set():
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:  # the client gave up: what the test wants
            pass


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=_handle, args=(conn, stop), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for thread in threads:
            thread.join(5)


def _run(tmp_path: Path, text: str, settings: Settings | None = None) -> tuple[int, str, str]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    options = RunOptions(progress=False, settings=settings or Settings(home_override=tmp_path))
    code, _result, _ctx = run_session(script, None, "", options, out, err)
    return code, out.getvalue(), err.getvalue()


def _timed(tmp_path: Path, url: str, options: str, settings: Settings | None = None) -> tuple[str, float]:
    """Run the step in a thread so that a hang fails the test (after 15 s) instead of hanging it."""
    start = time.monotonic()
    outcome: list[tuple[int, str, str]] = []
    text = (
        "Set Error Capture [ On ]\n"
        f'Insert from URL [ Target: $r ; "{url}" ; cURL options: "{options}" ]\n'
        'Exit Script [ Text Result: Get ( LastError ) & " " & Length ( $r ) ]\n'
    )
    worker = threading.Thread(target=lambda: outcome.append(_run(tmp_path, text, settings)), daemon=True)
    worker.start()
    worker.join(15)
    assert outcome, f"Insert from URL {url} {options!r} still running after 15 s"
    code, out, err = outcome[0]
    assert (code, err) == (0, ""), err
    return out.strip(), time.monotonic() - start


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_max_time_is_a_total_deadline(hostile: str, tmp_path: Path, path: str) -> None:
    result, seconds = _timed(tmp_path, hostile + path, "-m 1")
    assert result == "1629 0"
    assert seconds < 5, seconds


def test_a_default_deadline_without_max_time(hostile: str, tmp_path: Path) -> None:
    settings = Settings(home_override=tmp_path, url_timeout=1.0)
    result, seconds = _timed(tmp_path, hostile + "/trickle-body", "", settings)
    assert result == "1629 0"
    assert seconds < 5, seconds
    # -m 0 is cURL's "no limit": the default deadline still bounds it.
    result, seconds = _timed(tmp_path, hostile + "/trickle-body", "-m 0", settings)
    assert result == "1629 0"
    assert seconds < 5, seconds


def test_an_endless_body_stops_at_the_size_cap(hostile: str, tmp_path: Path) -> None:
    settings = Settings(home_override=tmp_path, url_max_bytes=1_000_000)
    result, seconds = _timed(tmp_path, hostile + "/endless", "-m 20", settings)
    assert result == "1631 0"
    assert seconds < 10, seconds


def test_settings_read_the_environment() -> None:
    settings = Settings.from_env({"FMSCRIPT_URL_TIMEOUT": "2.5", "FMSCRIPT_URL_MAX_BYTES": "1000"})
    assert (settings.url_timeout, settings.url_max_bytes) == (2.5, 1000)
    assert (Settings.from_env({}).url_timeout, Settings.from_env({}).url_max_bytes) == (300.0, 100_000_000)


@pytest.mark.parametrize("value", ["-5", "1e308", "nan", "inf", "soon", "-0.5"])
def test_bad_max_time_values_are_error_21(tmp_path: Path, value: str) -> None:
    for option in ("-m", "--max-time", "--connect-timeout"):
        code, out, err = _run(
            tmp_path,
            "Set Error Capture [ On ]\n"
            f'Insert from URL [ Target: $r ; "http://127.0.0.1:9/" ; cURL options: "{option} {value}" ]\n'
            "Exit Script [ Text Result: Get ( LastError ) ]\n",
        )
        assert (code, out, err) == (0, "21\n", "")
