"""The ``fmscript`` command (``fmscript.cli.app``: a click group whose subcommands are imported
only when used; ``SUBCOMMANDS`` there keeps ``fmscript --help`` fast).

``fmscript run SCRIPT`` with well-formed options skips click altogether (``fast_run``): start-up
is what a user feels most, and click with its imports costs a fifth of it. Anything else (help,
other subcommands, a usage error) goes through click as before.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    from fmscript.cli.fast_run import fast_run

    code = fast_run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from fmscript.cli.app import click_main

    click_main()


def __getattr__(name: str) -> Any:
    # ``from fmscript.cli import cli`` (tests) and ``current_settings`` (subcommands) load click.
    if name in ("cli", "current_settings", "LazyGroup", "SUBCOMMANDS"):
        from fmscript.cli import app

        return getattr(app, name)
    raise AttributeError(f"module 'fmscript.cli' has no attribute {name!r}")
