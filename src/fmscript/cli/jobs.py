"""``fmscript jobs``: list, show, follow and cancel local fine-tuning jobs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from fmscript.ai.cli_support import cli_errors, dump, table, when

if TYPE_CHECKING:
    from fmscript.ai.service import LocalFineTuning


def _service() -> LocalFineTuning:
    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import current_settings

    settings = current_settings()
    return LocalFineTuning(settings.home, settings)


def _summary(job: dict) -> str:
    line = f"{job['id']}: {job['status']}  {job['fine_tuned_model']}"
    result = job.get("result") or {}
    if job["status"] == "succeeded" and result:
        line += (
            f"  (loss {result.get('initial_train_loss', 0):.3f} -> {result.get('final_train_loss', 0):.3f},"
            f" {result.get('steps')} steps, {result.get('seconds', 0):.1f} s)"
        )
    if job.get("error"):
        line += f"  {job['error'].get('message')}"
    return line


@click.group()
def jobs() -> None:
    """List, inspect, wait for and cancel fine-tuning jobs."""


@jobs.command("list")
@click.option(
    "--status",
    type=click.Choice(["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]),
)
@click.option("--limit", type=int, default=None, help="Show at most this many (newest first).")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
@cli_errors
def list_jobs(status: str | None, limit: int | None, as_json: bool) -> None:
    """List jobs, newest first."""
    found = _service().store.list_jobs(status=status, limit=limit)
    if as_json:
        click.echo(dump(found))
        return
    if not found:
        click.echo("no fine-tuning jobs")
        return
    rows = [[j["id"], j["status"], j["model"], j["fine_tuned_model"], when(j["created_at"])] for j in found]
    click.echo(table(rows, ["ID", "STATUS", "BASE MODEL", "FINE-TUNED MODEL", "CREATED"]))


@jobs.command()
@click.argument("job_id")
@cli_errors
def show(job_id: str) -> None:
    """Print a job as JSON."""
    click.echo(dump(_service().store.get_job(job_id)))


@jobs.command()
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@click.option("--limit", type=int, default=None, help="Show only the last N events.")
@cli_errors
def events(job_id: str, as_json: bool, limit: int | None) -> None:
    """Print a job's events (loss per step, validation loss, status changes)."""
    store = _service().store
    store.get_job(job_id)
    found = store.events(job_id)
    if limit is not None:
        found = found[-limit:]
    if as_json:
        click.echo(dump(found))
        return
    for event in found:
        if event["message"] == "traceback":
            continue
        click.echo(f"{when(event['created_at'])}  {event['level']:<5}  {event['message']}")


@jobs.command()
@click.argument("job_id")
@cli_errors
def cancel(job_id: str) -> None:
    """Cancel a job (a running one stops at its next step)."""
    job = _service().cancel(job_id)
    status = job["status"] if job["status"] != "running" else "running (cancellation requested)"
    click.echo(f"{job_id}: {status}")


@jobs.command()
@click.argument("job_id")
@click.option("--progress/--no-progress", default=True, help="Show the progress bar (on a terminal).")
@cli_errors
def wait(job_id: str, progress: bool) -> None:
    """Train a queued job here if nobody does, else follow it; exit 0 when it succeeded."""
    job = _service().wait(job_id, progress=progress)
    click.echo(_summary(job))
    sys.exit(0 if job["status"] == "succeeded" else 1)
