"""``fmscript keys``: API keys of ``fmscript serve`` (stored hashed; a key is shown once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from fmscript.cli.output import dump, table, when
from fmscript.cli.store_option import store_option

if TYPE_CHECKING:
    from fmscript.ai.keys import Keys


def _store() -> Keys:
    from fmscript.ai.keys import open_keys
    from fmscript.cli import current_settings

    settings = current_settings()
    return open_keys(settings.home, settings.store)


@click.group()
@store_option
def keys() -> None:
    """Create, list and revoke the server's API keys."""


@keys.command()
@click.argument("name")
def create(name: str) -> None:
    """Create a key NAME and print it (the only time it is shown)."""
    click.echo(_store().create(name))
    click.echo("store this key now: it cannot be shown again (only its hash is kept)", err=True)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON (never the keys themselves).")
def list_keys(as_json: bool) -> None:
    """List keys: name, prefix, created, revoked."""
    found = _store().entries()
    if as_json:
        click.echo(dump(found))
        return
    if not found:
        click.echo("no API keys")
        return
    rows = [
        [k["name"], k["prefix"] + "…", when(k["created_at"] * 1000), when((k["revoked_at"] or 0) * 1000)]
        for k in found
    ]
    click.echo(table(rows, ["NAME", "PREFIX", "CREATED", "REVOKED"]))


@keys.command()
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the key NAME (a running server refuses it at once)."""
    _store().revoke(name)
    click.echo(f"revoked {name}")
