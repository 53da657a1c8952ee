"""Issue 22 item 20: messages that name the real cause — TLS spoken to a plain-HTTP port, a missing
key for `fmscript jobs`, the SSL hint that fits the provider — and `eval --api-key-env`."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.cli import cli
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions
from tests.ai.test_remote_openai import API, RECORDED
from tests.ai.test_remote_tls import Handler

pytest.importorskip("openai")


@pytest.fixture
def plain_http() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_tls_to_a_plain_http_port_says_so(plain_http: int, tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    line = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    data.write_text((json.dumps(line) + "\n") * 10, "utf-8")
    script = tmp_path / "main.fmscript"
    script.write_text(
        f'Configure AI Account [ Account Name: "s" ; Model Provider: Custom ; '
        f'Endpoint: "https://127.0.0.1:{plain_http}/v1/" ; API key: "k-123456" ; Verify SSL Certificates ]\n'
        f'Fine-Tune Model [ Account Name: "s" ; Base Model: "demo" ; Training Data: File ; "{data.as_posix()}" ; '
        "Response Target: $r ]\n",
        "utf-8",
    )
    settings = Settings(home_override=tmp_path / "home", max_retries=0)
    out, err = io.StringIO(), io.StringIO()
    code, _, _ = run_session(script, None, "", RunOptions(progress=False, settings=settings), out, err)
    assert code == 1
    assert "does not answer in TLS" in err.getvalue() and "http:// Endpoint" in err.getvalue()
    assert "could not be verified" not in err.getvalue()


def test_jobs_without_a_key_say_which_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fmscript.ai.jobs.store import open_store

    monkeypatch.setenv("FMSCRIPT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    open_store(tmp_path / "home").remote.record("OpenAI", API, RECORDED["job_created"])
    shown = CliRunner().invoke(
        cli, ["jobs", "show", "ftjob-abc123", "--api-key-env", "MY_KEY"], env={"MY_KEY": ""}
    )
    assert shown.exit_code == 1
    assert "no API key" in shown.output and "set MY_KEY" in shown.output and "refused" not in shown.output


def test_eval_takes_api_key_env() -> None:
    helped = CliRunner().invoke(cli, ["eval", "--help"])
    assert "--api-key-env" in helped.output
