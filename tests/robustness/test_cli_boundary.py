"""The CLI's one error boundary: anything unexpected is one ``internal error: …`` line with a hint
(``--debug`` adds the traceback); output failures are one ``error:`` line and exit 1."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

import fmscript.cli as cli_module
from fmscript.cli import main


def _boom_command(exc: BaseException) -> click.Command:
    @click.command()
    def boom() -> None:
        raise exc

    return boom


@pytest.fixture
def boom(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def install(exc: BaseException) -> None:
        monkeypatch.setitem(cli_module.SUBCOMMANDS, "boom", ("fmscript.cli", "_boom", "test only"))
        monkeypatch.setattr(cli_module, "_boom", _boom_command(exc), raising=False)

    return install


def _exit_code(args: list[str]) -> int | str | None:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def test_an_unexpected_exception_is_one_internal_error_line(boom, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    boom(KeyError("surprise"))
    assert _exit_code(["boom"]) == 70
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError: 'surprise'") and "--debug" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(boom, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    boom(ZeroDivisionError("oops"))
    assert _exit_code(["--debug", "boom"]) == 70
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error: ZeroDivisionError: oops" in err


def test_a_full_disk_on_stdout_is_one_error_line(
    boom, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(
        cli_module,
        "_output_failed",
        lambda exc: (cli_module._echo_err(f"error: cannot write the output: {exc.strerror}"), 1)[1],
    )
    boom(OSError(errno.ENOSPC, "No space left on device"))
    assert _exit_code(["boom"]) == 1
    assert capsys.readouterr().err == "error: cannot write the output: No space left on device\n"


def test_usage_errors_keep_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["run"]) == 2
    assert "Missing argument" in capsys.readouterr().err


# --- every command through the one boundary: stdout closed or full (issue 19 item 5, issue 22 item 15)

_SRC = Path(__file__).resolve().parents[2] / "src"
_COMMANDS = {
    "run": (["run", "main.fmscript"], ""),
    "check": (["check", "main.fmscript"], ""),
    "repl": (["repl"], "= 6 * 7\n"),
    "jobs": (["jobs", "list"], ""),
    "models": (["models", "list"], ""),
    "keys": (["keys", "list"], ""),
    "validate": (["validate", "train.jsonl"], ""),
    "eval": (["eval", "--help"], ""),
    "serve": (["serve", "--help"], ""),
}


def _spawn(tmp_path: Path, argv: list[str], stdin: str, stdout: int) -> subprocess.CompletedProcess[bytes]:
    (tmp_path / "main.fmscript").write_text('Show Custom Dialog [ "hello" ]\n', encoding="utf-8")
    line = '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n'
    (tmp_path / "train.jsonl").write_text(line * 3, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FMSCRIPT_", "OPENAI_"))}
    env.update(FMSCRIPT_HOME=str(tmp_path / "home"), PYTHONPATH=str(_SRC), FMSCRIPT_PROGRESS="0")
    return subprocess.run(
        [sys.executable, "-m", "fmscript", *argv],
        cwd=tmp_path,
        env=env,
        input=stdin.encode(),
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=120,
    )


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_a_closed_pipe_ends_quietly(name: str, tmp_path: Path) -> None:
    """`fmscript jobs events ID | head -1`: the reader is gone before anything is written."""
    argv, stdin = _COMMANDS[name]
    read, write = os.pipe()
    os.close(read)  # every write to the pipe now fails with EPIPE
    try:
        proc = _spawn(tmp_path, argv, stdin, write)
    finally:
        os.close(write)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "internal error" not in err and "Traceback" not in err and "BrokenPipe" not in err, err
    assert err == "" or err.startswith("error: cannot write the output"), err


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_a_full_disk_is_one_error_line(name: str, tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    argv, stdin = _COMMANDS[name]
    with open("/dev/full", "wb") as full:
        proc = _spawn(tmp_path, argv, stdin, full.fileno())
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert err.strip().splitlines()[-1] == "error: cannot write the output: No space left on device", err
    assert "internal error" not in err and "Traceback" not in err, err


def test_fmscript_errors_of_every_command_look_alike(capsys: pytest.CaptureFixture[str]) -> None:
    """A coded error without a position is `error: message (error N)`; with one, the caret form."""
    from fmscript.errors import ScriptRuntimeError

    assert cli_module.report(ScriptRuntimeError("no such job: x\nsecond line", code=101)) == 1
    assert capsys.readouterr().err == "error: no such job: x (error 101)\nsecond line\n"
    assert cli_module.report(KeyboardInterrupt()) == 130
    assert capsys.readouterr().err == "interrupted\n"
