"""The command line's one error boundary: :func:`report` turns whatever escapes a command into one
message on stderr and the exit code. ``fmscript.cli.main`` (the fast ``run`` path and click) and
``LazyGroup.invoke`` (every subcommand, also under click's test runner) both end here."""

from __future__ import annotations

import contextlib
import errno
import sys

# errno values that mean "the output went away": closed pipe, full disk, I/O error, quota.
_OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG}


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
