"""Generate Response from Model with the Local provider (the demo model, no training): streaming to
a terminal, the model kept loaded across steps, clear errors for unknown models and parameters."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

from .test_generate_remote import Terminal

ACCOUNT = 'Configure AI Account [ Account Name: "local" ; Model Provider: Local ]\n'


def run(home: Path, tmp_path: Path, text: str, out: io.StringIO | None = None) -> tuple[int, str, str, Any]:
    script = tmp_path / "main.fmscript"
    script.write_text(ACCOUNT + text, "utf-8")
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    options = RunOptions(progress=False, settings=Settings(home_override=home, progress=False))
    code, _, ctx = run_session(script, None, "", options, out, err)
    return code, out.getvalue(), err.getvalue(), ctx


def test_local_stream_prints_tokens_and_keeps_the_model_loaded(demo_home: Path, tmp_path: Path) -> None:
    from fmscript.ai.engines import mlx_generate

    step = (
        'Generate Response from Model [ Account Name: "local" ; Model: "demo" ; User Prompt: "Hello" ; '
        'Stream ; Parameters: "{\\"max_tokens\\":6}" ; Response: $NAME ]\n'
    )
    terminal = Terminal()
    code, out, err, ctx = run(
        demo_home, tmp_path, step.replace("NAME", "a") + step.replace("NAME", "b"), terminal
    )
    assert code == 0, err
    a = ctx.vars.final_locals[("$a", 1)]
    assert a and a == ctx.vars.final_locals[("$b", 1)]  # greedy: same answer
    chunks = terminal.writes[: terminal.writes.index("\n")]
    assert len(chunks) > 1 and "".join(chunks) == a  # printed piece by piece as generated
    assert len(mlx_generate._LOADED) == 1


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ('Model: "fm-mlx-nothing"', 10, "available models: demo"),
        ('Model: "no-such-base"', 10, "available models: demo"),
        ('Model: "demo" ; Parameters: "{\\"top_k\\":3}"', 14, "does not take the parameter 'top_k'"),
        ('Model: "demo" ; Temperature: 9', 14, "temperature must be a number from 0 to 2"),
        ('Model: "demo" ; Parameters: "{\\"max_tokens\\":-1}"', 14, "max_tokens must be a whole number"),
    ],
)
def test_local_errors(options: str, code: int, message: str, demo_home: Path, tmp_path: Path) -> None:
    step = f'Generate Response from Model [ Account Name: "local" ; User Prompt: "Q" ; {options} ; Response: $r ]\n'
    exit_code, _, err, _ = run(demo_home, tmp_path, step)
    assert exit_code == 1
    assert f"error {code} " in err and message in err and "Traceback" not in err
