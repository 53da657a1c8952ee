"""``--store URL``: the job store a command uses (``FMSCRIPT_STORE`` otherwise; the default is the
SQLite file in ``FMSCRIPT_HOME``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import click

F = TypeVar("F", bound=Callable[..., Any])


def _use_store(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if not value:
        return
    from fmscript.settings import Settings

    root = ctx.find_root()
    base = root.obj if isinstance(root.obj, Settings) else Settings.from_env()
    root.obj = attrs.evolve(base, store=value.strip())


def store_option(fn: F) -> F:
    return click.option(
        "--store",
        metavar="URL",
        expose_value=False,
        is_eager=True,
        callback=_use_store,
        help="The job store: postgresql://USER@HOST:PORT/DB (shared by many machines) or sqlite:///PATH "
        "(default: FMSCRIPT_STORE, else the SQLite file in FMSCRIPT_HOME).",
    )(fn)
