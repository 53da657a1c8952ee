"""Verify SSL Certificates for a Custom provider, over real TLS on loopback with a self-signed
certificate: on, the certificate failure is error 1628 and says so; off, the job is created."""

from __future__ import annotations

import io
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

pytest.importorskip("openai")
RECORDED = json.loads((Path(__file__).parent / "data" / "openai_responses.json").read_text("utf-8"))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps(RECORDED["file" if self.path.endswith("/files") else "job_created"]).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/llm/v1/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("verify", [True, False])
def test_verify_ssl_certificates(verify: bool, tls_server: str, tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    line = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    data.write_text((json.dumps(line) + "\n") * 10, "utf-8")
    flag = " ; Verify SSL Certificates" if verify else ""
    script = tmp_path / "main.fmscript"
    script.write_text(
        f'Configure AI Account [ Account Name: "s" ; Model Provider: Custom ; Endpoint: "{tls_server}" ; '
        f'API key: "k-123456"{flag} ]\n'
        f'Fine-Tune Model [ Account Name: "s" ; Base Model: "demo" ; Training Data: File ; "{data.as_posix()}" ; '
        "Response Target: $r ]\n"
        'Exit Script [ Text Result: JSONGetElement ( $r ; "result.id" ) ]\n',
        "utf-8",
    )
    settings = Settings(home_override=tmp_path / "home", max_retries=0)
    out, err = io.StringIO(), io.StringIO()
    code, _, _ = run_session(script, None, "", RunOptions(progress=False, settings=settings), out, err)
    if verify:
        assert code == 1 and "error 1628 " in err.getvalue() and "could not be verified" in err.getvalue()
    else:
        assert code == 0, err.getvalue()
        assert out.getvalue().strip() == "ftjob-abc123"
