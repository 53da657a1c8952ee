"""``fmscript run SCRIPT``."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--file",
    "-f",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The FileMaker file: a SQLite database (.sqlite/.db, changes are committed) or a .sql text loaded into memory.",
)
@click.option("--param", "parameter", default="", help="Script parameter (Get ( ScriptParameter )).")
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the database to this SQLite file at the end (for .sql inputs).",
)
@click.option(
    "--halt-on-error", is_flag=True, help="Stop at the first error that Set Error Capture does not capture."
)
@click.option(
    "--no-wait", is_flag=True, help="Leave queued local fine-tuning jobs queued instead of training them now."
)
@click.option(
    "--wait",
    "follow_remote",
    is_flag=True,
    help="Follow the fine-tuning jobs of remote providers (OpenAI, Custom) to the end, with progress.",
)
@click.option(
    "--documents",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for Get ( DocumentsPath ) (default: FMSCRIPT_DOCUMENTS or your Documents folder).",
)
@click.option("--progress/--no-progress", default=True, help="Show the training progress bar.")
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
    from fmscript.errors import FMScriptError
    from fmscript.runtime.session import run_session
    from fmscript.steps.state import RunOptions

    # Checked before anything runs: one `error:` line, exit 2 (command-line usage).
    problem = None
    if save is not None and file is None:
        problem = "--save needs --file (the database to save)"
    elif save is not None and not save.parent.resolve().is_dir():
        problem = f"--save: the folder {save.parent} does not exist"
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(2)
    options = RunOptions(
        halt_on_error=halt_on_error,
        documents_path=documents,
        wait_for_jobs=not no_wait,
        progress=progress,
        settings=current_settings(),
        follow_remote=follow_remote,
    )
    try:
        code, _result, _rt = run_session(script, file, parameter, options, save=save)
    except FMScriptError as exc:  # the --file cannot be opened or --save cannot be written
        click.echo(f"error: {exc}" if exc.span else f"error: {exc.message}", err=True)
        sys.exit(1)
    sys.stdout.flush()
    sys.exit(code)
