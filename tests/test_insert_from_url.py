"""Insert from URL against a local HTTP server started by the test (127.0.0.1 only, no network).

The server echoes what it received as JSON (method, path, headers, body), so each script checks
what fmscript really sent; a few paths answer with a status, a delay or a header of their own.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.steps.state import RunOptions

pytest.importorskip("httpx")

RECORDS = [
    {"question": "How do I reset my password?", "answer": "Choose Forgot password on the sign-in page."},
    {"question": "Do you ship abroad?", "answer": "Yes, to over 40 countries."},
]


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        status = 200
        if self.path.startswith("/missing"):
            status = 404
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        if self.path.startswith("/records"):
            payload = json.dumps({"data": RECORDS}).encode("utf-8")
        elif self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/records")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            payload = json.dumps(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            ).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("X-Echo", "yes")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (--max-time)
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(tmp_path: Path, text: str, db: Path | None = None) -> tuple[int, str, str]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code, _result, _ctx = run_session(script, db, "", RunOptions(progress=False), out, err)
    return code, out.getvalue(), err.getvalue()


def test_get_into_variable(server: str, tmp_path: Path) -> None:
    code, out, err = run(
        tmp_path,
        f'Insert from URL [ Select ; With dialog: Off ; Target: $r ; "{server}/hello?x=1" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "method" ) & " " & JSONGetElement ( $r ; "path" ) ]\n',
    )
    assert (code, out, err) == (0, "GET /hello?x=1\n", "")


def test_filemaker_printed_form_positional_target(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        f'Insert from URL [ Verify SSL Certificates ; Select ; With dialog: Off ; $response ; "{server}/p" ; "--location" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $response ; "path" ) ]\n',
    )
    assert (code, out) == (0, "/p\n")


def test_headers_are_sent(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        'Set Variable [ $token ; Value: "abc123" ]\n'
        f'Insert from URL [ Target: $r ; "{server}/h" ; cURL options: "-H \\"X-Token: " & $token & "\\" --header \\"Accept: application/json\\"" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "headers.x-token" ) & "|" & JSONGetElement ( $r ; "headers.accept" ) ]\n',
    )
    assert (code, out) == (0, "abc123|application/json\n")


def test_post_body_from_variable(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        'Set Variable [ $body ; Value: JSONSetElement ( "{}" ; "name" ; "Ann" ; JSONString ) ]\n'
        f'Insert from URL [ Target: $r ; "{server}/post" ; cURL options: "-X POST -H \\"Content-Type: application/json\\" --data-binary @$body" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "method" ) & " " & JSONGetElement ( $r ; "body" ) & " " & JSONGetElement ( $r ; "headers.content-type" ) ]\n',
    )
    assert (code, out) == (0, 'POST {"name":"Ann"} application/json\n')


def test_data_makes_a_form_post_and_strips_newlines(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        'Set Variable [ $form ; Value: "a=1¶&b=2" ]\n'
        f'Insert from URL [ Target: $r ; "{server}/form" ; cURL options: "-d @$form --data c=3" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "method" ) & " " & JSONGetElement ( $r ; "body" ) & " " & JSONGetElement ( $r ; "headers.content-type" ) ]\n',
    )
    assert (code, out) == (0, "POST a=1&b=2&c=3 application/x-www-form-urlencoded\n")


def test_get_with_data_goes_into_the_query(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        f'Insert from URL [ Target: $r ; "{server}/q" ; cURL options: "-G --data-urlencode \\"q=a b\\"" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "method" ) & " " & JSONGetElement ( $r ; "path" ) ]\n',
    )
    assert (code, out) == (0, "GET /q?q=a+b\n")


def test_user_and_dump_header(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        f'Insert from URL [ Target: $r ; "{server}/auth" ; cURL options: "--user ann:secret --dump-header $headers" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "headers.authorization" ) & "|" & GetValue ( Substitute ( $headers ; Char ( 10 ) ; "" ) ; 1 ) & "|" & PatternCount ( $headers ; "X-Echo: yes" ) ]\n',
    )
    assert (code, out) == (0, "Basic YW5uOnNlY3JldA==|HTTP/1.1 200 OK|1\n")


def test_http_error_status_is_not_an_error_without_fail(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        "Set Error Capture [ On ]\n"
        f'Insert from URL [ Target: $r ; "{server}/missing" ]\n'
        "Set Variable [ $e1 ; Value: Get ( LastError ) ]\n"
        f'Insert from URL [ Target: $r2 ; "{server}/missing" ; cURL options: "--fail" ]\n'
        'Exit Script [ Text Result: $e1 & " " & JSONGetElement ( $r ; "path" ) & " " & Get ( LastError ) ]\n',
    )
    assert (code, out) == (0, "0 /missing 1631\n")


def test_failing_urls_under_error_capture(server: str, tmp_path: Path) -> None:
    port = _closed_port()
    code, out, err = run(
        tmp_path,
        "Set Error Capture [ On ]\n"
        f'Insert from URL [ Target: $r ; "http://127.0.0.1:{port}/nothing" ]\n'
        "Set Variable [ $refused ; Value: Get ( LastError ) ]\n"
        'Insert from URL [ Target: $r ; "not a url" ]\n'
        "Set Variable [ $malformed ; Value: Get ( LastError ) ]\n"
        'Insert from URL [ Target: $r ; "ftp://127.0.0.1/file.txt" ]\n'
        "Set Variable [ $protocol ; Value: Get ( LastError ) ]\n"
        f'Insert from URL [ Target: $r ; "{server}/slow" ; cURL options: "--max-time 0.2" ]\n'
        "Set Variable [ $slow ; Value: Get ( LastError ) ]\n"
        f'Insert from URL [ Target: $r ; "{server}/x" ; cURL options: "--proxy http://p" ]\n'
        "Exit Script [ Text Result: List ( $refused ; $malformed ; $protocol ; $slow ; Get ( LastError ) ) ]\n",
    )
    assert (code, out, err) == (0, "1631\n1630\n1626\n1629\n21\n", "")


def test_failing_url_without_capture_reports(tmp_path: Path) -> None:
    port = _closed_port()
    code, _out, err = run(tmp_path, f'Insert from URL [ Target: $r ; "http://127.0.0.1:{port}/" ]\n')
    assert code == 1
    assert "main.fmscript:1:1: error 1631 (connection failed)" in err


def test_redirects_follow_only_with_location(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        f'Insert from URL [ Target: $plain ; "{server}/redirect" ]\n'
        f'Insert from URL [ Target: $followed ; "{server}/redirect" ; cURL options: "-L" ]\n'
        'Exit Script [ Text Result: Length ( $plain ) & " " & JSONGetElement ( $followed ; "data[0].answer" ) ]\n',
    )
    assert (code, out) == (0, "0 Choose Forgot password on the sign-in page.\n")


def test_japanese_and_chinese_step_names(server: str, tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path,
        f'URL から挿入 [ 選択 ; ダイアログあり: オフ ; ターゲット: $r ; "{server}/ja" ]\n'
        f'从 URL 插入 [ 选择 ; 对话框: 关 ; 目标: $r2 ; "{server}/zh" ]\n'
        'Exit Script [ Text Result: JSONGetElement ( $r ; "path" ) & JSONGetElement ( $r2 ; "path" ) ]\n',
    )
    assert (code, out) == (0, "/ja/zh\n")


def test_response_into_a_field(server: str, tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite"
    import sqlite3

    con = sqlite3.connect(db)
    con.execute('CREATE TABLE "Pages" ("Body" TEXT)')
    con.execute('INSERT INTO "Pages" VALUES (NULL)')
    con.commit()
    con.close()
    code, _out, err = run(
        tmp_path,
        f'Insert from URL [ Target: Pages::Body ; "{server}/field" ]\nCommit Records/Requests [ With dialog: Off ]\n',
        db,
    )
    assert (code, err) == (0, "")
    con = sqlite3.connect(db)
    body = con.execute('SELECT "Body" FROM "Pages"').fetchone()[0]
    con.close()
    assert json.loads(body)["path"] == "/field"


def test_sample_fetches_records_and_saves_jsonl(tmp_path: Path) -> None:
    """samples/fetch_training_data.fmscript against samples/web_records/serve.py."""
    import importlib.util
    import shutil

    samples = Path(__file__).resolve().parent.parent / "samples"
    spec = importlib.util.spec_from_file_location("serve", samples / "web_records" / "serve.py")
    assert spec is not None and spec.loader is not None
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    httpd = serve.make_server(0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        shutil.copy(samples / "fetch_training_data.fmscript", tmp_path / "main.fmscript")
        shutil.copy(samples / "web_qa.sql", tmp_path / "web_qa.sql")
        url = f"http://127.0.0.1:{httpd.server_address[1]}/records"
        out, err = io.StringIO(), io.StringIO()
        code, _r, _c = run_session(
            tmp_path / "main.fmscript", tmp_path / "web_qa.sql", url, RunOptions(progress=False), out, err
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == f"5 records from {url} saved to web_qa_training.jsonl\n"
    lines = (tmp_path / "web_qa_training.jsonl").read_text(encoding="utf-8").splitlines()
    records = json.loads((samples / "web_records" / "records.json").read_text(encoding="utf-8"))["data"]
    assert len(lines) == len(records)
    first = json.loads(lines[0])
    assert first["messages"] == [
        {"role": "system", "content": "You answer customer questions briefly."},
        {"role": "user", "content": records[0]["question"]},
        {"role": "assistant", "content": records[0]["answer"]},
    ]
