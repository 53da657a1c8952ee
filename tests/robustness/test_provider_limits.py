"""Issue 22 item 8: a provider that never answers took 3 x 60 s per step; a 300 MB reply was read
into 1.3 GB. One call now ends within FMSCRIPT_CALL_DEADLINE, retries included (1629), and a reply
past FMSCRIPT_REPLY_MAX_BYTES stops being read (1631). Loopback fakes only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("openai")

from tests.ai.test_remote_openai import _run, _script  # noqa: E402


def _serve(handle: object) -> Iterator[str]:
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            thread = threading.Thread(target=handle, args=(conn, stop), daemon=True)  # type: ignore[arg-type]
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/llm/v1/"
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for thread in threads:
            thread.join(5)


def _trickle(conn: socket.socket, stop: threading.Event) -> None:
    """Headers one byte every 0.1 s, for ever: no read ever times out on its own."""
    with conn:
        try:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                if stop.wait(0.1):
                    return
                conn.sendall(bytes([byte]))
        except OSError:
            pass


def _huge(conn: socket.socket, stop: threading.Event) -> None:
    """A JSON reply of endless size."""
    with conn:
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b'{"pad": "' + b"x" * 65536
            while not stop.is_set():
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                chunk = b"x" * 65536
        except OSError:
            pass


@pytest.fixture
def trickling() -> Iterator[str]:
    yield from _serve(_trickle)


@pytest.fixture
def huge() -> Iterator[str]:
    yield from _serve(_huge)


def test_a_hung_provider_ends_within_the_call_deadline(
    trickling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMSCRIPT_CALL_DEADLINE", "2")
    monkeypatch.setenv("FMSCRIPT_MAX_RETRIES", "2")
    start = time.monotonic()
    code, _, err, _ = _run(_script(tmp_path, {}, "Custom", trickling), tmp_path)
    assert time.monotonic() - start < 15
    assert code == 1 and "error 1629 " in err and "within 2 s, retries included" in err


def test_a_huge_reply_is_cut_at_the_cap(huge: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMSCRIPT_REPLY_MAX_BYTES", "1000000")
    monkeypatch.setenv("FMSCRIPT_MAX_RETRIES", "0")
    code, _, err, _ = _run(_script(tmp_path, {}, "Custom", huge), tmp_path)
    assert code == 1 and "error 1631 " in err and "larger than 1,000,000 bytes" in err
