"""The ``fmscript`` command: a click group whose subcommands are imported only when used.

Subcommands live in ``fmscript.cli.<module>`` as a click command object; they are listed in
``SUBCOMMANDS`` so ``fmscript --help`` stays fast and imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from fmscript.settings import Settings

# name -> (module, attribute, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("fmscript.cli.run", "run", "Run a script against a FileMaker file (SQLite)."),
    "check": ("fmscript.cli.check", "check", "Parse scripts and report every error."),
    "repl": ("fmscript.cli.repl", "repl", "Try script steps and calculations interactively (en/ja/zh)."),
    "validate": ("fmscript.cli.validate", "validate", "Validate a fine-tuning JSONL file."),
    "jobs": ("fmscript.cli.jobs", "jobs", "List, inspect, wait for and cancel fine-tuning jobs."),
    "models": ("fmscript.cli.models", "models", "List, add, remove and create base/fine-tuned models."),
    "serve": ("fmscript.cli.serve", "serve", "Serve the AI Model Server API (OpenAI-compatible)."),
    "keys": ("fmscript.cli.keys", "keys", "Create, list and revoke the server's API keys."),
    "eval": ("fmscript.cli.eval", "eval_command", "Compare a fine-tuned model with its base model."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(name)
        if entry is None:
            return None
        module, attr, _ = entry
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="fmscript")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """fmscript: run FileMaker-style scripts, fine-tune models with them, chat with the result."""
    from fmscript.settings import Settings

    settings = Settings.from_env()  # the one place the environment is read
    ctx.obj = settings
    from fmscript.syntax.parser import configure_cache

    configure_cache(settings.cache)


def current_settings() -> Settings:
    """The settings of this command line (read once by the group), for subcommands."""
    from fmscript.settings import Settings

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.obj if root is not None else None
    return obj if isinstance(obj, Settings) else Settings.from_env()


# errno values that mean "the output went away": closed pipe, full disk, I/O error, quota.
_OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG}


def main(argv: list[str] | None = None) -> None:
    """The one error boundary of the command line. click exits 2 on usage errors; scripts and
    runtime errors are reported by the commands themselves; whatever else escapes ends here as one
    ``internal error: …`` line (``--debug``: with the traceback), never a bare traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    code: int | str | None = 0
    if sys.stdout is None:  # started with stdout closed (>&-)
        _echo_err("error: cannot write the output: standard output is closed")
        sys.exit(1)
    try:
        cli.main(args=args, prog_name="fmscript", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        try:
            sys.stdout.flush()
        except OSError as exc:
            code = _output_failed(exc)
    except KeyboardInterrupt:
        _echo_err("interrupted")
        code = 130
    except OSError as exc:
        if exc.errno in _OUTPUT_ERRNOS and _is_output_error(exc):
            code = _output_failed(exc)
        else:
            code = _internal(exc, debug)
    except MemoryError:
        _echo_err("error: out of memory")
        code = 1
    except Exception as exc:  # noqa: BLE001 - the boundary: anything unexpected
        code = _internal(exc, debug)
    sys.exit(code)


def _is_output_error(exc: OSError) -> bool:
    # A write to stdout/stderr fails with no file name; a failing file of the user's carries one.
    return exc.filename is None


def _output_failed(exc: OSError) -> int:
    """stdout is a full disk or a closed pipe: one line on stderr, exit 1, and no second error
    when Python flushes stdout again at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    reason = exc.strerror or type(exc).__name__
    _echo_err(f"error: cannot write the output: {reason}")
    return 1


def _internal(exc: BaseException, debug: bool) -> int:
    from fmscript.errors import FMScriptError

    if isinstance(exc, FMScriptError):  # a user error a command forgot to catch: still clean
        _echo_err(str(exc))
        return 1
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    text = str(exc).splitlines()[0] if str(exc) else ""
    _echo_err(
        f"internal error: {type(exc).__name__}{': ' + text if text else ''} "
        "(a bug in fmscript: rerun with --debug for the traceback and report it)"
    )
    return 70  # EX_SOFTWARE


def _echo_err(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr, flush=True)
