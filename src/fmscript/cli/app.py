"""The ``fmscript`` click group, whose subcommands are imported only when used.

Subcommands live in ``fmscript.cli.<module>`` as a click command object; they are listed in
``SUBCOMMANDS`` so ``fmscript --help`` stays fast and imports nothing heavy.
"""

from __future__ import annotations

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
    "worker": ("fmscript.cli.worker", "worker", "Train the queued jobs of a (shared) job store."),
    "workers": ("fmscript.cli.worker", "workers", "The workers that train the store's jobs."),
    "eval": ("fmscript.cli.eval", "eval_command", "Compare a fine-tuned model with its base model."),
    "test": ("fmscript.cli.test", "test", "Run .fmscript test cases (# expect: headers); JUnit XML for CI."),
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

    def invoke(self, ctx: click.Context) -> object:
        """Every subcommand runs inside the one error boundary (``fmscript.cli.report``), also
        when the group is invoked directly (click's test runner)."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the boundary
            from fmscript.cli.boundary import report

            sys.exit(report(exc, bool(ctx.params.get("debug"))))

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
