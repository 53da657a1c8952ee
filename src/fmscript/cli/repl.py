"""``fmscript repl``: try script steps and calculations interactively, in English, Japanese or Chinese.

Each entry runs at once against one persistent run context (``repl_session``). On a terminal the
prompt_toolkit front end (``repl_tty``) gives history, completion and highlighting; otherwise
entries are read from stdin and results printed plainly, so a session can be scripted and tested.
Nothing heavy is imported before the first prompt: the runtime loads while the prompt is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from fmscript.cli.repl_session import ReplSession


@click.command()
@click.option(
    "--file",
    "-f",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The FileMaker file: SQLite (.sqlite/.db, changes are committed) or .sql text loaded into memory.",
)
@click.option("--param", "parameter", default="", help="Script parameter (Get ( ScriptParameter )).")
@click.option(
    "--documents",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for Get ( DocumentsPath ) (default: FMSCRIPT_DOCUMENTS or your Documents folder).",
)
@click.option("--plain", is_flag=True, help="Read entries from stdin without the terminal front end.")
def repl(file: Path | None, parameter: str, documents: Path | None, plain: bool) -> None:
    """Run script steps and = calculations one entry at a time against one persistent context.

    An If/Loop block runs once its End If/End Loop is entered; unclosed brackets or quotes continue
    on the next line. :help lists the meta-commands (:vars, :layout, :found, :load, :save, :reset).
    """
    from fmscript.cli import current_settings

    settings = current_settings()

    def make_session() -> ReplSession:
        from fmscript.cli.repl_session import ReplSession

        return ReplSession(file, parameter, documents, settings=settings)

    code: int | None = None
    if not plain and sys.stdin.isatty() and sys.stdout.isatty():
        try:
            from fmscript.cli.repl_tty import run_tty
        except ImportError as exc:  # prompt_toolkit missing: still usable, plainly
            print(f"fmscript repl: no terminal front end ({exc}); reading entries plainly", file=sys.stderr)
        else:
            code = run_tty(make_session, settings.home / "repl_history", dispatch)
    if code is None:
        code = run_plain(make_session, sys.stdin)
    sys.stdout.flush()
    sys.exit(code)


def dispatch(session: ReplSession, entry: str) -> bool:
    """Run one entry: a meta-command, an ``=`` calculation, or steps. Raises Quit on :quit."""
    from fmscript.cli.repl_meta import run_meta

    stripped = entry.lstrip()
    if stripped.startswith(":"):
        return run_meta(session, stripped)
    if stripped.startswith("="):
        return session.evaluate(entry)
    return session.run_entry(entry)


def open_session(make_session: Callable[[], ReplSession]) -> ReplSession | None:
    """Build the session; a file that cannot be loaded is a clean error, not a traceback."""
    try:
        return make_session()
    except (ValueError, OSError) as exc:
        print(f"fmscript repl: {exc}", file=sys.stderr)
        return None


def run_plain(make_session: Callable[[], ReplSession], lines: Iterable[str]) -> int:
    """Not a terminal: read entries, print results plainly. Exit 1 if any entry reported an error."""
    if hasattr(sys.stdout, "reconfigure"):
        # Keep stdout and stderr in order when both go to one pipe.
        sys.stdout.reconfigure(line_buffering=True)
    session = open_session(make_session)
    if session is None:
        return 1
    try:
        run_entries(session, lines)
    finally:
        session.close()
    return 1 if session.errors else 0


def run_entries(session: ReplSession, lines: Iterable[str]) -> None:
    """Split lines into entries and run each, until the input ends or :quit."""
    from fmscript.cli.repl_input import entries
    from fmscript.cli.repl_meta import Quit
    from fmscript.cli.repl_session import canonical_step

    try:
        for entry in entries(lines, canonical_step):
            dispatch(session, entry)
    except Quit:
        pass
