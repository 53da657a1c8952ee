"""The CLI's one error boundary: anything unexpected is one ``internal error: …`` line with a hint
(``--debug`` adds the traceback); output failures are one ``error:`` line and exit 1."""

from __future__ import annotations

import errno

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
