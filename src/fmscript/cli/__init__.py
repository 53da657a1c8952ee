"""The ``fmscript`` command and its one error boundary (:func:`main`).

The click group lives in ``fmscript.cli.app`` (subcommands imported only when used; ``SUBCOMMANDS``
keeps ``fmscript --help`` fast). ``fmscript run SCRIPT`` with well-formed options skips click
altogether (``fast_run``): start-up is what a user feels most, and click with its imports costs a
fifth of it. Anything else (help, ``--debug``, other subcommands, a usage error) goes through click.
"""

from __future__ import annotations

import contextlib
import errno
import sys
from typing import Any


def __getattr__(name: str) -> Any:
    # ``from fmscript.cli import cli`` (tests) and ``current_settings`` (subcommands) load click.
    if name in ("cli", "current_settings", "LazyGroup", "SUBCOMMANDS"):
        from fmscript.cli import app

        return getattr(app, name)
    raise AttributeError(f"module 'fmscript.cli' has no attribute {name!r}")


# errno values that mean "the output went away": closed pipe, full disk, I/O error, quota.
_OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG}


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
    except BaseException as exc:  # noqa: BLE001 - the boundary: anything unexpected
        code = report(exc, debug)
    sys.exit(code)


def report(exc: BaseException, debug: bool = False) -> int:
    """The one error boundary: ``exc`` as one message on stderr, and the exit code.

    * an fmscript error (a bad file, an unknown job, a provider's refusal): ``error: message (error
      N)``, or ``file:line:col: Kind: message`` with its caret line when it has a position; 1;
    * Ctrl-C: ``interrupted``; 130;
    * stdout gone: a closed pipe (``| head -1``) ends quietly, a full disk or an I/O error is
      ``error: cannot write the output: …``; 1;
    * out of memory: one line; 1;
    * anything else is a bug: ``internal error: …`` (``--debug``: with the traceback); 70.
    """
    from fmscript.errors import FMScriptError

    if isinstance(exc, FMScriptError):
        _echo_err(_error_text(exc))
        return 1
    if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "Abort":  # click.Abort: Ctrl-C
        _echo_err("interrupted")
        return 130
    if isinstance(exc, OSError) and exc.errno in _OUTPUT_ERRNOS and _is_output_error(exc):
        return _output_failed(exc)
    if isinstance(exc, MemoryError):
        _echo_err("error: out of memory")
        return 1
    return _internal(exc, debug)


def _error_text(exc: BaseException) -> str:
    from fmscript.errors import FMScriptError

    assert isinstance(exc, FMScriptError)
    if exc.span is not None:
        return str(exc)
    first, *rest = exc.message.splitlines() or [""]
    code = f" (error {exc.code})" if exc.code not in (None, -1) else ""
    return "\n".join([f"error: {first}{code}", *rest])


def _is_output_error(exc: OSError) -> bool:
    # A write to stdout/stderr fails with no file name; a failing file of the user's carries one.
    return exc.filename is None


def _output_failed(exc: OSError) -> int:
    """stdout is a closed pipe (quiet), a full disk or broken (one line on stderr): exit 1, and no
    second error when Python flushes stdout again at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    if exc.errno != errno.EPIPE:  # the reader went away (`| head -1`): nothing was lost it wanted
        _echo_err(f"error: cannot write the output: {exc.strerror or type(exc).__name__}")
    return 1


def _internal(exc: BaseException, debug: bool) -> int:
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
