"""What the ``jobs``, ``models`` and ``validate`` commands share: error handling and formatting."""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from fmscript.errors import FMScriptError

F = TypeVar("F", bound=Callable[..., Any])


def cli_errors(fn: F) -> F:
    """Report fmscript errors as one line on stderr (exit 1); never show a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FMScriptError as exc:
            first, *rest = exc.message.splitlines() or [""]
            click.echo(
                f"error: {first}" + (f" (error {exc.code})" if exc.code not in (None, -1) else ""), err=True
            )
            for line in rest:
                click.echo(line, err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: still no traceback for the user
            click.echo(f"error: internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def when(ms: int | None) -> str:
    """A millisecond timestamp as local ``YYYY-MM-DD HH:MM:SS`` (empty for None)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else ""


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [headers, *rows]]
    return "\n".join(lines)


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)
