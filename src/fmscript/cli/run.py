"""``fmscript run SCRIPT``: the click command, built from ``fast_run.RUN_OPTIONS`` (the one list of
its options, which the fast path reads too)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from fmscript.cli.fast_run import RUN_OPTIONS, RunOption

# RunOption.path -> the click.Path that makes the same check
_PATHS = {
    "file": click.Path(exists=True, dir_okay=False, path_type=Path),
    "not dir": click.Path(dir_okay=False, path_type=Path),
    "not file": click.Path(file_okay=False, path_type=Path),
}


def _click_option(option: RunOption) -> Callable[[Any], Any]:
    extra: dict[str, Any] = {"help": option.help}
    if option.flag and "/" not in option.names[0]:
        extra["is_flag"] = True
    if option.default is not None and not (option.flag and option.default is False):
        extra["default"] = option.default
    if option.path:
        extra["type"] = _PATHS[option.path]
    return click.option(*option.names, option.dest, **extra)


def _with_run_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(RUN_OPTIONS):
        command = _click_option(option)(command)
    return command


@click.command()
@click.argument("script", type=_PATHS["file"])
@_with_run_options
def run(
    script: Path,
    file: Path | None,
    parameter: str,
    save: Path | None,
    halt_on_error: bool,
    no_wait: bool,
    follow_remote: bool,
    documents: Path | None,
    progress: bool,
) -> None:
    """Run SCRIPT (FileMaker script text, en/ja/zh) against a FileMaker file.

    Show Custom Dialog messages print to stdout; the Exit Script result prints last. Errors not
    captured by Set Error Capture print to stderr and make the exit code 1.
    """
    from fmscript.cli import current_settings
    from fmscript.cli.fast_run import execute

    code = execute(
        script,
        file=file,
        parameter=parameter,
        save=save,
        halt_on_error=halt_on_error,
        no_wait=no_wait,
        follow_remote=follow_remote,
        documents=documents,
        progress=progress,
        settings=current_settings(),
    )
    sys.stdout.flush()
    sys.exit(code)
