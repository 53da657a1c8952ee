"""The ``fmscript`` command and its one error boundary (:func:`main`).

The boundary itself is :func:`fmscript.cli.boundary.report`. The click group lives in ``fmscript.cli.app`` (subcommands imported only when used; ``SUBCOMMANDS``
keeps ``fmscript --help`` fast). ``fmscript run SCRIPT`` with well-formed options skips click
altogether (``fast_run``): start-up is what a user feels most, and click with its imports costs a
fifth of it. Anything else (help, ``--debug``, other subcommands, a usage error) goes through click.
"""

from __future__ import annotations

import sys
from typing import Any

from fmscript.cli.boundary import _echo_err, _output_failed, report

__all__ = ["main", "report"]


def __getattr__(name: str) -> Any:
    # ``from fmscript.cli import cli`` (tests) and ``current_settings`` (subcommands) load click.
    if name in ("cli", "current_settings", "LazyGroup", "SUBCOMMANDS"):
        from fmscript.cli import app

        return getattr(app, name)
    raise AttributeError(f"module 'fmscript.cli' has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """The command line's entry point. click exits 2 on usage errors; scripts' own errors are
    reported by ``run``/``check`` as FileMaker does; every exception that escapes a command (the
    fast ``run`` path, and every click subcommand through ``LazyGroup.invoke``) ends in
    :func:`report`, the one error boundary."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    code: int | str | None = 0
    if sys.stdout is None:  # started with stdout closed (>&-)
        _echo_err("error: cannot write the output: standard output is closed")
        sys.exit(1)
    try:
        from fmscript.cli.fast_run import fast_run

        fast = fast_run(args)  # a well-formed `run` line: no click (start-up)
        if fast is not None:
            sys.exit(fast)
        from fmscript.cli.app import cli

        cli.main(args=args, prog_name="fmscript", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        try:
            sys.stdout.flush()
        except OSError as exc:
            code = _output_failed(exc)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the boundary: anything unexpected
        # (other BaseExceptions — a caller's own timeout signal, GeneratorExit — pass through)
        code = report(exc, debug)
    sys.exit(code)
