"""The OpenAI and Custom providers against recorded OpenAI responses (respx; nothing leaves the
machine): seed Example 1 verbatim, parameter mapping, local validation before upload, the error
matrix, bounded timeouts, and ``fmscript jobs`` on a recorded remote job."""

from __future__ import annotations

import io
import json
import socket
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from fmscript.errors import error_meaning
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

respx = pytest.importorskip("respx")
pytest.importorskip("openai")

API = "https://api.openai.com/v1"
KEY = "sk-secret-key-123"
RECORDED = json.loads((Path(__file__).parent / "data" / "openai_responses.json").read_text("utf-8"))
SEEDS = Path(__file__).parents[1] / "server" / "seeds"
QA = [(f"How do I fix problem {i}?", f"Restart step {i}.", ["billing", "account"][i % 2]) for i in range(12)]


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FMSCRIPT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FMSCRIPT_MAX_RETRIES", "0")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return tmp_path / "home"


def _example1_db(path: Path, lang: str) -> Path:
    table, q, a, c, glob, key_field = (
        ("サポート QA", "質問", "回答", "カテゴリ", "グローバル", "OpenAI API キー")
        if lang == "ja"
        else ("Support_QA", "Question", "Answer", "Category", "Global", "OpenAI_API_Key")
    )
    con = sqlite3.connect(path)
    con.execute(f'CREATE TABLE "{table}" ("{q}" TEXT, "{a}" TEXT, "{c}" TEXT)')
    con.executemany(f'INSERT INTO "{table}" VALUES (?, ?, ?)', QA)
    con.execute(f'CREATE TABLE "{glob}" ("{key_field}" TEXT GLOBAL)')
    con.execute(f'INSERT INTO "{glob}" VALUES (?)', (KEY,))
    con.commit()
    con.close()
    return path


def _run(script: Path | str, tmp_path: Path, db: Path | None = None) -> tuple[int, str, str, Any]:
    if isinstance(script, str):
        path = tmp_path / "main.fmscript"
        path.write_text(script, "utf-8")
        script = path
    out, err = io.StringIO(), io.StringIO()
    code, result, rt = run_session(
        script, db, "", RunOptions(progress=False, settings=Settings.from_env()), out, err
    )
    return code, out.getvalue(), err.getvalue(), rt


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_seed_example1_verbatim(lang: str, tmp_path: Path, env: Path) -> None:
    db = _example1_db(tmp_path / "file.sqlite", lang)
    with respx.mock(base_url=API) as mock:
        upload = mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").respond(200, json=RECORDED["job_created"])
        code, out, err, rt = _run(SEEDS / f"{lang}_example1.fmscript", tmp_path, db)
    assert code == 0, err
    sent = upload.calls[0].request
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.content.decode()
    assert 'name="purpose"' in body and "fine-tune" in body
    lines = [
        json.loads(line) for line in body.replace("\r\n", "\n").split("\n") if line.startswith('{"messages"')
    ]
    assert len(lines) == 12
    assert json.loads(create.calls[0].request.content) == {
        "model": "gpt-4.1-2025-04-14",
        "training_file": "file-abc123",
    }
    # The Response Target is the provider's job object as it came: every key, nulls included.
    target = rt.get_variable("$$responseTarget")
    assert json.loads(target) == {"result": RECORDED["job_created"]}
    assert '"fine_tuned_model":null' in target
    assert list(json.loads(target)["result"]) == list(RECORDED["job_created"])
    from fmscript.ai.jobs.store import open_store

    record = open_store(env).remote.get("ftjob-abc123")
    assert (record.provider, record.base_url, record.status) == ("OpenAI", API, "validating_files")
    assert KEY.encode() not in (env / "jobs.sqlite").read_bytes()
    assert KEY not in out + err


SCRIPT = """Set Variable [ $file ; Value: "{file}" ]
Set Variable [ $p ; Value: {params} ]
Configure AI Account [ Account Name: "a" ; Model Provider: {provider} ; {endpoint}API key: "{key}" ]
Fine-Tune Model [ Account Name: "a" ; Base Model: "gpt-4o-mini-2024-07-18" ; Training Data: File ; "$file" ; Response Target: $r ; Fine-Tune Parameters: $p ]
Exit Script [ Text Result: $r ]
"""


def _script(tmp_path: Path, params: dict[str, Any] | None = None, provider: str = "OpenAI", endpoint: str = "",
            lines: list[str] | None = None, capture: bool = False) -> str:  # fmt: skip
    data = tmp_path / "train.jsonl"
    rows = lines if lines is not None else [
        json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) for q, a, _ in QA
    ]  # fmt: skip
    data.write_text("\n".join(rows) + "\n", "utf-8")
    text = SCRIPT.format(
        file=data.as_posix(),
        params=json.dumps(json.dumps(params or {})),
        provider=provider,
        endpoint=f'Endpoint: "{endpoint}" ; ' if endpoint else "",
        key=KEY,
    )
    if capture:
        text = "Set Error Capture [ On ]\n" + text.replace(
            "Text Result: $r", "Text Result: Get ( LastError )"
        )
    return text


# Fine-Tune Parameters -> the body of POST /fine_tuning/jobs (besides model and training_file)
MAPPING = [
    ({}, {}),
    (
        {"n_epochs": "3", "batch_size": "2", "learning_rate_multiplier": ".5", "suffix": "support", "seed": "42"},
        {"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 2,
         "learning_rate_multiplier": 0.5}}}, "suffix": "support", "seed": 42},
    ),
    (  # a user method is merged with the flat keys, not overwritten
        {"n_epochs": 2, "method": {"type": "supervised", "supervised": {"hyperparameters": {"batch_size": 4}}}},
        {"method": {"type": "supervised", "supervised": {"hyperparameters": {"batch_size": 4, "n_epochs": 2}}}},
    ),
    (
        {"hyperparameters": {"n_epochs": "auto"}, "metadata": {"team": "support"}},
        {"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": "auto"}}},
         "metadata": {"team": "support"}},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("params", "expected"), MAPPING)
def test_openai_parameters_are_mapped(
    params: dict[str, Any], expected: dict[str, Any], tmp_path: Path
) -> None:
    with respx.mock(base_url=API) as mock:
        mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").respond(200, json=RECORDED["job_created"])
        code, _, err, _ = _run(_script(tmp_path, params), tmp_path)
    assert code == 0, err
    body = json.loads(create.calls[0].request.content)
    assert body == {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-abc123", **expected}


def test_custom_sends_ai_model_server_parameters_and_uses_the_endpoint(tmp_path: Path) -> None:
    params = {"max_steps": "1500", "learning_rate": ".0001", "batch_size": "2", "fine_tuned_model_name": "x"}
    with respx.mock(base_url="https://fms.example.com/llm/v1") as mock:
        mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").respond(200, json=RECORDED["job_created"])
        code, _, err, _ = _run(
            _script(tmp_path, params, "Custom", "https://fms.example.com/llm/v1/"), tmp_path
        )
    assert code == 0, err
    body = json.loads(create.calls[0].request.content)
    assert body == {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-abc123", **params}


def test_openai_endpoint_is_the_base_url(tmp_path: Path) -> None:
    with respx.mock(base_url="https://proxy.example.com/openai/v1") as mock:
        mock.post("/files").respond(200, json=RECORDED["file"])
        mock.post("/fine_tuning/jobs").respond(200, json=RECORDED["job_created"])
        code, _, err, _ = _run(
            _script(tmp_path, {}, "OpenAI", "https://proxy.example.com/openai/v1"), tmp_path
        )
    assert code == 0, err


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"max_steps": 1000}, 14, ["'max_steps'", "n_epochs"]),
        ({"learning_rate": 1e-4}, 14, ["'learning_rate'", "learning_rate_multiplier"]),
        ({"lora_layers": 8}, 14, ["'lora_layers'", "LoRA"]),
        ({"fine_tuned_model_name": "x"}, 14, ["'fine_tuned_model_name'", "suffix"]),
        ({"n_epochs": "three"}, 14, ["'n_epochs'", "number"]),
        ({"epochs": 3}, 14, ["unknown", "'epochs'"]),
    ],
)
def test_bad_parameters_upload_nothing(
    params: dict[str, Any], code: int, words: list[str], tmp_path: Path
) -> None:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        upload = mock.post("/files").respond(200, json=RECORDED["file"])
        exit_code, _, err, _ = _run(_script(tmp_path, params), tmp_path)
    assert exit_code == 1 and f"error {code} " in err
    assert all(word in err for word in words), err
    assert not upload.called and "Traceback" not in err


def test_bad_training_data_uploads_nothing(tmp_path: Path) -> None:
    good = json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})
    lines = [good] * 5 + ["{not json", good, '{"messages": []}'] + [good] * 5
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        upload = mock.post("/files").respond(200, json=RECORDED["file"])
        code, _, err, _ = _run(_script(tmp_path, {}, lines=lines), tmp_path)
    assert code == 1 and "error 509 " in err and "line 6:" in err and "line 8:" in err
    assert "nothing was uploaded" in err and not upload.called


HTML = "<html><head><title>502</title></head><body><h1>Welcome to nginx</h1></body></html>"
ERRORS = [
    # (which call, response or exception, FileMaker-style code, words in the message)
    ("upload", httpx.Response(400, json={"error": {"message": "Invalid file format for Fine-Tuning API. Must be .jsonl",
     "type": "invalid_request_error", "param": None, "code": None}}), 14, ["rejected", "HTTP 400", "Invalid file format"]),
    ("upload", httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {KEY}.",
     "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}), 1627,
     ["authentication failed", "HTTP 401", "Incorrect API key provided: ***"]),
    ("create", httpx.Response(404, json={"error": {"message": "The model `gpt-4o-mini-2024-07-18` does not exist",
     "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}), 10,
     ["not found", "HTTP 404", "does not exist"]),
    ("create", httpx.Response(429, json={"error": {"message": "You exceeded your current quota"}}), 16,
     ["rate limited", "exceeded your current quota"]),
    ("create", httpx.Response(500, json={"error": {"message": "The server had an error while processing your request."}}),
     16, ["failed; retry later (HTTP 500)", "server had an error"]),
    ("upload", httpx.Response(200, text=HTML, headers={"content-type": "text/html"}), 1631,
     ["not JSON", "HTTP 200, text/html", "Welcome to nginx"]),
    ("create", httpx.Response(200, json={"object": "fine_tuning.job", "status": "queued"}), 1631, ["no 'id'"]),
    ("create", httpx.Response(200, json=["ftjob-1"]), 1631, ["not a fine-tuning job object"]),
    ("upload", httpx.ReadTimeout("timed out"), 1629, ["no answer", "within 60 s"]),
    ("upload", httpx.ConnectError("[Errno 111] Connection refused"), 1631, ["cannot connect", "Connection refused"]),
    ("upload", httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"),
     1628, ["SSL certificate", "could not be verified", "Verify SSL"]),
]  # fmt: skip


@pytest.mark.parametrize(("call", "reply", "code", "words"), ERRORS)
def test_error_matrix(call: str, reply: Any, code: int, words: list[str], tmp_path: Path) -> None:
    def answer(reply: Any, ok: dict[str, Any]) -> dict[str, Any]:
        return {"side_effect": reply} if isinstance(reply, Exception) else {"return_value": reply}

    for capture in (False, True):
        with respx.mock(base_url=API, assert_all_called=False) as mock:
            mock.post("/files").mock(
                **(
                    answer(reply, {})
                    if call == "upload"
                    else {"return_value": httpx.Response(200, json=RECORDED["file"])}
                )
            )
            mock.post("/fine_tuning/jobs").mock(
                **(
                    answer(reply, {})
                    if call == "create"
                    else {"return_value": httpx.Response(200, json=RECORDED["job_created"])}
                )
            )
            exit_code, out, err, _ = _run(_script(tmp_path, {}, capture=capture), tmp_path)
        assert "Traceback" not in out + err and KEY not in out + err
        if capture:  # Set Error Capture [ On ]: Get ( LastError ) has the code, nothing is printed
            assert (exit_code, out.strip(), err) == (0, str(code), "")
        else:  # the code with FileMaker's meaning of it, then the provider's message
            assert exit_code == 1 and f"error {code} ({error_meaning(code)}): " in err
            assert all(word in err for word in words), err


def test_server_errors_are_retried_within_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMSCRIPT_MAX_RETRIES", "2")
    with respx.mock(base_url=API) as mock:
        upload = mock.post("/files").respond(503, json={"error": {"message": "overloaded"}})
        code, _, err, _ = _run(_script(tmp_path, {}), tmp_path)
    assert code == 1 and "error 16 " in err and upload.call_count == 3


def test_a_hung_server_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real loopback socket that accepts and never answers: the request timeout ends the wait."""
    monkeypatch.setenv("FMSCRIPT_REQUEST_TIMEOUT", "0.5")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/llm/v1/"
        code, _, err, _ = _run(_script(tmp_path, {}, "Custom", url), tmp_path)
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert code == 1 and "error 1629 " in err and "within 0.5 s" in err


def test_timeouts_and_retries_come_from_settings() -> None:
    from fmscript.ai.engines.openai_remote import Remote
    from fmscript.settings import Settings

    settings = Settings.from_env(
        {"FMSCRIPT_CONNECT_TIMEOUT": "3", "FMSCRIPT_REQUEST_TIMEOUT": "7", "FMSCRIPT_MAX_RETRIES": "1"}
    )
    remote = Remote("OpenAI", API, KEY, True, settings)
    assert (remote.client.timeout.connect, remote.client.timeout.read, remote.client.max_retries) == (3, 7, 1)
    defaults = Remote("OpenAI", API, KEY, True, Settings())
    assert (defaults.client.timeout.connect, defaults.client.timeout.read, defaults.client.max_retries) == (
        10,
        60,
        2,
    )


def test_bad_endpoint_is_error_1630(tmp_path: Path) -> None:
    code, _, err, _ = _run(_script(tmp_path, {}, "Custom", "myserver.example.com/llm/v1"), tmp_path)
    assert code == 1 and "error 1630 " in err


# ----------------------------------------------------------------------------- fmscript jobs


def _record(env: Path) -> None:
    from fmscript.ai.jobs.store import open_store

    open_store(env).remote.record("OpenAI", API, RECORDED["job_created"])


def _jobs(*args: str, key: str = KEY, key_env: str = "OPENAI_API_KEY") -> Any:
    from click.testing import CliRunner

    from fmscript.cli import cli

    return CliRunner().invoke(cli, ["jobs", *args], env={key_env: key})


def test_jobs_follow_a_remote_job_to_success(env: Path) -> None:
    _record(env)
    with respx.mock(base_url=API) as mock:
        retrieve = mock.get("/fine_tuning/jobs/ftjob-abc123")
        retrieve.side_effect = [
            httpx.Response(200, json=RECORDED[k]) for k in ("job_running", "job_succeeded", "job_succeeded")
        ]
        mock.get("/fine_tuning/jobs/ftjob-abc123/events").respond(200, json=RECORDED["events"])
        listed = _jobs("list")
        waited = _jobs("wait", "ftjob-abc123", "--poll", "0.1", "--no-progress")
        shown = _jobs("show", "ftjob-abc123")
        events = _jobs("events", "ftjob-abc123")
    assert "ftjob-abc123" in listed.output and "OpenAI" in listed.output
    assert waited.exit_code == 0, waited.output
    assert "succeeded" in waited.output and "ft:gpt-4.1-2025-04-14:org-123::AbC12dEf" in waited.output
    assert retrieve.calls[0].request.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(shown.output)["trained_tokens"] == 51240
    assert events.output.index("Validating training file") < events.output.index("successfully completed")
    assert "succeeded (last seen)" in _jobs("list").output


def test_jobs_report_a_failed_remote_job_and_cancel(env: Path) -> None:
    _record(env)
    with respx.mock(base_url=API) as mock:
        mock.get("/fine_tuning/jobs/ftjob-abc123").respond(200, json=RECORDED["job_failed"])
        mock.get("/fine_tuning/jobs/ftjob-abc123/events").respond(200, json={"object": "list", "data": []})
        cancel = mock.post("/fine_tuning/jobs/ftjob-abc123/cancel").respond(
            200, json={**RECORDED["job_running"], "status": "cancelled"}
        )
        waited = _jobs(
            "wait",
            "ftjob-abc123",
            "--no-progress",
            "--api-key-env",
            "MY_KEY",
            key_env="MY_KEY",
            key="sk-other-1234",
        )
        cancelled = _jobs(
            "cancel", "ftjob-abc123", "--api-key-env", "MY_KEY", key_env="MY_KEY", key="sk-other-1234"
        )
    assert waited.exit_code == 1 and "failed" in waited.output
    assert cancel.calls[0].request.headers["authorization"] == "Bearer sk-other-1234"
    assert "cancelled" in cancelled.output


def test_jobs_remote_errors_are_clean(env: Path) -> None:
    _record(env)
    with respx.mock(base_url=API) as mock:
        mock.get("/fine_tuning/jobs/ftjob-abc123").respond(
            401, json={"error": {"message": "Incorrect API key provided"}}
        )
        shown = _jobs("show", "ftjob-abc123", key="sk-wrong-9999")
    assert shown.exit_code == 1 and "error 1627" in shown.output and "Traceback" not in shown.output
    assert "sk-wrong-9999" not in shown.output
