"""Generate Response from Model with a Custom provider: ``fmscript serve`` on loopback (real HTTP,
the openai SDK), plain and streamed, answering as the local model does; a wrong key is a code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions
from tests.ai.test_generate_remote import Terminal
from tests.server.conftest import LiveServer

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, text: str, out: io.StringIO) -> tuple[int, str, object]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, "utf-8")
    err = io.StringIO()
    settings = Settings(home_override=tmp_path / "client-home", max_retries=0)
    code, _, ctx = run_session(script, None, "", RunOptions(progress=False, settings=settings), out, err)
    return code, err.getvalue(), ctx


def test_custom_provider_against_fmscript_serve(
    live: tuple[LiveServer, str], demo_model: Path, tmp_path: Path
) -> None:
    server, key = live
    step = (
        'Generate Response from Model [ Account Name: "server" ; Model: "demo" ; User Prompt: "How do I fix problem 1?" ; '
        'Parameters: "{\\"max_tokens\\":7}" ; Save Message History To: $h ; Response: $NAME ]\n'
    )
    text = (
        f'Configure AI Account [ Account Name: "server" ; Model Provider: Custom ; Endpoint: "{server.url}/llm/v1/" ; API key: "{key}" ]\n'
        + step.replace("NAME", "plain")
        + step.replace("NAME", "streamed").replace("Parameters:", "Stream ; Parameters:")
        + 'Configure AI Account [ Account Name: "server" ; Model Provider: Custom ; Endpoint: "'
        + server.url
        + '/llm/v1/" ; API key: "wrong-key" ]\nSet Error Capture [ On ]\n'
        + step.replace("NAME", "refused")
        + "Set Variable [ $error ; Value: Get ( LastError ) ]\n"
    )
    terminal = Terminal()
    code, err, ctx = _run(tmp_path, text, terminal)
    assert code == 0, err
    local = ctx.vars.final_locals  # type: ignore[attr-defined]

    from fmscript.ai.service import LocalFineTuning

    with LocalFineTuning(server.home) as service:
        expected = service.generate(
            "demo", [{"role": "user", "content": "How do I fix problem 1?"}], max_tokens=7
        )
    assert expected and local[("$plain", 1)] == expected and local[("$streamed", 1)] == expected
    assert "".join(terminal.writes).startswith(expected + "\n")
    assert local[("$error", 1)] == 1627 and ("$refused", 1) not in local
    assert '"role":"assistant"' in local[("$h", 1)]
    assert key not in err
