"""``fmscript jobs``: list, show, follow and cancel fine-tuning jobs: local ones, and those remote
providers (OpenAI, Custom) run, which the Fine-Tune Model step recorded. Remote jobs are asked
for through the SDK with the key in ``OPENAI_API_KEY`` or the variable ``--api-key-env`` names."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from fmscript.cli.output import dump, table, when
from fmscript.cli.store_option import store_option

if TYPE_CHECKING:
    from fmscript.ai.accounts import Account
    from fmscript.ai.jobs.records import Job, RemoteJob
    from fmscript.ai.service import LocalFineTuning


def _service() -> LocalFineTuning:
    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import current_settings
    from fmscript.cli.progress import reporter

    settings = current_settings()
    return LocalFineTuning(settings.home, settings, reporter(True, settings.progress))


def _remote_record(job_id: str) -> RemoteJob | None:
    """The recorded remote job ``job_id`` when it is not a local job, else None."""
    from fmscript.errors import FMScriptError

    store = _service().store
    try:
        store.jobs.get(job_id)
        return None
    except FMScriptError:
        return store.remote.get(job_id)  # raises "no such fine-tuning job" when neither


def _key(record: RemoteJob, key_env: str) -> str:
    """The API key for a recorded remote job, read from the environment (the command line is the
    edge). OpenAI's API needs one: without it say so, rather than send none and report a refusal."""
    key = os.environ.get(key_env, "")
    if not key and urlsplit(record.base_url).hostname == "api.openai.com":
        raise click.ClickException(
            f"no API key for {record.base_url}: set {key_env} (or name another variable with --api-key-env)"
        )
    return key


def _connect(record: RemoteJob, key_env: str) -> Any:
    from fmscript.ai.remote_jobs import connect
    from fmscript.cli import current_settings

    return connect(record, _key(record, key_env), current_settings())


def _account(record: RemoteJob, key_env: str) -> Account:
    """The account a recorded remote job was created with (its key from the environment)."""
    from fmscript.ai.accounts import Account

    return Account("", record.provider, record.base_url, record.verify_ssl, _key(record, key_env))


def api_key_env(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--api-key-env",
        "key_env",
        default="OPENAI_API_KEY",
        show_default=True,
        metavar="NAME",
        help="Environment variable holding the API key for remote (OpenAI/Custom) jobs.",
    )(fn)


def _summary(job: Job) -> str:
    line = f"{job.id}: {job.status}  {job.fine_tuned_model}"
    card = job.result
    if job.status == "succeeded" and card is not None:
        line += (
            f"  (loss {card.initial_train_loss or 0:.3f} -> {card.final_train_loss or 0:.3f},"
            f" {card.steps} steps, {card.seconds or 0:.1f} s)"
        )
    if job.error:
        line += f"  {job.error.message}"
    return line


@click.group()
@store_option
def jobs() -> None:
    """List, inspect, wait for and cancel fine-tuning jobs."""


@jobs.command("list")
@click.option(
    "--status",
    type=click.Choice(["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]),
)
@click.option("--limit", type=int, default=None, help="Show at most this many (newest first).")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
def list_jobs(status: str | None, limit: int | None, as_json: bool) -> None:
    """List jobs, newest first."""
    from fmscript.ai.jobs.wire import remote_job_json

    store = _service().store
    found = store.jobs.list(status=status, limit=limit)
    remote = [r for r in store.remote.list(limit=limit) if status in (None, r.status)]
    if as_json:
        click.echo(dump([j.to_json() for j in found] + [remote_job_json(r) for r in remote]))
        return
    if not found and not remote:
        click.echo("no fine-tuning jobs")
        return
    rows = [[j.id, j.status, "Local", j.model, j.fine_tuned_model, when(j.created_at)] for j in found]
    rows += [
        [r.id, r.status + " (last seen)", f"{r.provider} {r.base_url}", r.model, r.fine_tuned_model or "",
         when(r.created_at)]
        for r in remote
    ]  # fmt: skip
    click.echo(table(rows, ["ID", "STATUS", "PROVIDER", "BASE MODEL", "FINE-TUNED MODEL", "CREATED"]))


@jobs.command()
@click.argument("job_id")
@api_key_env
def show(job_id: str, key_env: str) -> None:
    """Print a job as JSON (a remote job as its provider has it now)."""
    record = _remote_record(job_id)
    if record is None:
        click.echo(dump(_service().store.jobs.get(job_id).to_json()))
        return
    from fmscript.ai.remote_jobs import refresh

    remote = _connect(record, key_env)
    click.echo(dump(refresh(_service().store, record, remote)))


@jobs.command()
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@click.option("--limit", type=int, default=None, help="Show only the last N events.")
@api_key_env
def events(job_id: str, as_json: bool, limit: int | None, key_env: str) -> None:
    """Print a job's events (loss per step, validation loss, status changes)."""
    store = _service().store
    record = _remote_record(job_id)
    found = (
        [e.to_json() for e in store.jobs.events(job_id)]
        if record is None
        else _connect(record, key_env).events(job_id)
    )
    if limit is not None:
        found = found[-limit:]
    if as_json:
        click.echo(dump(found))
        return
    for event in found:
        if event.get("message") == "traceback":
            continue
        stamp = event.get("created_at") or 0
        stamp = stamp * 1000 if stamp < 10**11 else stamp  # OpenAI counts seconds, fmscript ms
        click.echo(f"{when(stamp)}  {event.get('level', 'info'):<5}  {event.get('message', '')}")


@jobs.command()
@click.argument("job_id")
@api_key_env
def cancel(job_id: str, key_env: str) -> None:
    """Cancel a job (a running one stops at its next step)."""
    record = _remote_record(job_id)
    if record is not None:
        from fmscript.ai import providers
        from fmscript.cli import current_settings

        job = providers.fine_tuning(record.provider).cancel(
            _account(record, key_env), job_id, current_settings()
        )
        click.echo(f"{job_id}: {job.get('status')}")
        return
    service = _service()
    before = service.store.jobs.get(job_id).status
    if before in ("succeeded", "failed", "cancelled"):
        click.echo(f"error: {job_id} already {before}: there is nothing to cancel", err=True)
        sys.exit(1)
    local = service.cancel(job_id)
    status = local.status if local.status != "running" else "running (cancellation requested)"
    click.echo(f"{job_id}: {status}")


@jobs.command()
@click.argument("job_id")
@click.option("--progress/--no-progress", default=True, help="Show the progress bar (on a terminal).")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="Seconds between remote polls.",
)
@api_key_env
def wait(job_id: str, progress: bool, poll: float, key_env: str) -> None:
    """Train a queued job here if nobody does, else follow it (a remote one at its provider);
    exit 0 when it succeeded."""
    record = _remote_record(job_id)
    if record is not None:
        from fmscript.ai.remote_jobs import follow
        from fmscript.cli import current_settings
        from fmscript.cli.progress import ProgressBar

        bar = ProgressBar(progress, current_settings().progress)
        job = follow(_service().store, record, _connect(record, key_env), bar, poll, bar.message)
        error = job.get("error") if isinstance(job.get("error"), dict) else {}
        click.echo(
            f"{job_id}: {job.get('status')}  {job.get('fine_tuned_model') or ''}  {(error or {}).get('message') or ''}".rstrip()
        )
        sys.exit(0 if job.get("status") == "succeeded" else 1)
    from fmscript.cli import current_settings
    from fmscript.cli.progress import bar_factory

    local = _service().wait(job_id, progress=bar_factory(progress, current_settings().progress))
    click.echo(_summary(local))
    sys.exit(0 if local.status == "succeeded" else 1)


@jobs.command()
@click.argument("job_id")
@click.option("--progress/--no-progress", default=True, help="Show the progress bar (on a terminal).")
def resume(job_id: str, progress: bool) -> None:
    """Train a failed or cancelled local job on from its last checkpoint (it must have been
    trained with the parameter save_every): a new job, with the adapter, optimizer state and step
    of the checkpoint; exit 0 when it succeeded."""
    from fmscript.cli import current_settings
    from fmscript.cli.progress import bar_factory

    service = _service()
    job = service.resume(job_id)
    click.echo(f"{job['id']}: resuming {job_id}")
    done = service.wait(job["id"], progress=bar_factory(progress, current_settings().progress))
    click.echo(_summary(done))
    sys.exit(0 if done.status == "succeeded" else 1)
