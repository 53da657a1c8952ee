"""A local JSON endpoint for samples/fetch_training_data.fmscript (127.0.0.1 only).

    python samples/web_records/serve.py [PORT]      # default 8765; Ctrl-C to stop

GET /records answers records.json; a request without "Authorization: Bearer demo-token" gets 401,
as a real web service would.
"""

from __future__ import annotations

import contextlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDS = Path(__file__).with_name("records.json")
TOKEN = "demo-token"


class Records(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, b'{"error":"missing or wrong bearer token"}')
        elif self.path.split("?")[0] == "/records":
            self._send(200, RECORDS.read_bytes())
        else:
            self._send(404, b'{"error":"not found"}')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def make_server(port: int = 8765) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), Records)


if __name__ == "__main__":
    server = make_server(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
    print(f"serving http://127.0.0.1:{server.server_address[1]}/records (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
