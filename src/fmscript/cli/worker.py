"""``fmscript worker``: train the queued jobs of a (shared) store; ``fmscript workers list``."""

from __future__ import annotations

import os
import socket
import time

import attrs
import click

from fmscript.cli.output import dump, table, when
from fmscript.cli.store_option import store_option

# Ranks are processes (and one TCP port each): 10^9 of them would fork until the machine stops.
MAX_RANKS_PER_HOST = 1024


@click.command()
@store_option
@click.option("--poll", type=click.FloatRange(min=0.05, max=3600), default=1.0, show_default=True,
              help="Seconds between looks at the queue when it is empty.")  # fmt: skip
@click.option(
    "--max-jobs", type=click.IntRange(min=1), default=None, help="Stop after training this many jobs."
)
@click.option(
    "--hosts",
    default="127.0.0.1",
    show_default=True,
    metavar="H1,H2",
    help="Train each job on these machines together (mlx.distributed; other hosts over ssh).",
)
@click.option(
    "--ranks-per-host",
    type=click.IntRange(min=1, max=MAX_RANKS_PER_HOST),
    default=1,
    show_default=True,
    help="Training processes per host; gradients are averaged over all of them.",
)
@click.option(
    "--backend",
    type=click.Choice(["ring", "nccl"]),
    default="ring",
    show_default=True,
    help="mlx.distributed's backend: ring (TCP; CPUs, Macs) or nccl (NVIDIA GPUs).",
)
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0,
              help="First TCP port of the ranks, one more per rank (default: free ports on this machine, "
              "32323 with other hosts).")  # fmt: skip
def worker(
    poll: float, max_jobs: int | None, hosts: str, ranks_per_host: int, backend: str, port: int
) -> None:
    """Train queued jobs of the store, one at a time, until stopped (SIGTERM queues the running job
    again). Run one per machine (or per GPU) against a shared postgresql:// store, or one for
    several machines with --hosts/--ranks-per-host (data-parallel training, like mlx.launch)."""
    from fmscript.ai.jobs.fleet import JobWorker
    from fmscript.ai.jobs.ranks import RankPlan
    from fmscript.ai.jobs.store import open_store
    from fmscript.cli import current_settings

    settings = current_settings()
    if poll != poll:  # NaN passes click's range check (every comparison with it is false)
        raise click.UsageError("--poll must be a number of seconds")
    names = tuple(h.strip() for h in hosts.split(",") if h.strip())
    if not names:
        raise click.UsageError("--hosts names no host")
    if port and port + len(names) * ranks_per_host - 1 > 65535:
        raise click.UsageError(f"--port {port}: {len(names) * ranks_per_host} ranks need ports past 65535")
    plan = RankPlan(names, ranks_per_host, backend, port, environ=dict(os.environ))
    if not plan.local and port == 0:
        plan = attrs.evolve(plan, port=32323)
    if not plan.local and not settings.store.startswith(("postgresql://", "postgres://")):
        raise click.UsageError("ranks on other hosts need a store every host reaches: --store postgresql://…")
    for host in names:
        try:
            socket.gethostbyname(host)
        except OSError as exc:
            raise click.UsageError(f"--hosts: cannot resolve {host} ({exc.strerror or exc})") from None
    store = open_store(settings.home, settings.store)

    def log(line: str) -> None:
        click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", err=True)

    try:
        JobWorker(store, settings, log, poll, plan).run(max_jobs)
    finally:
        store.close()


@click.group()
@store_option
def workers() -> None:
    """The workers that train the store's jobs."""


@workers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the workers as JSON.")
def list_workers(as_json: bool) -> None:
    """Workers that announced themselves: host, device, free memory, the job they train."""
    import attrs

    from fmscript.ai.jobs.store import open_store
    from fmscript.cli import current_settings

    settings = current_settings()
    found = open_store(settings.home, settings.store).workers.list()
    if as_json:
        click.echo(dump([attrs.asdict(w) for w in found]))
        return
    if not found:
        click.echo("no workers")
        return
    rows = [
        [w.id, w.device, "" if w.free_memory_gb is None else f"{w.free_memory_gb:.1f} GB", str(w.world_size),
         w.job_id or "", "stopped" if w.stopped_at else when(w.seen_at)]
        for w in found
    ]  # fmt: skip
    click.echo(table(rows, ["WORKER", "DEVICE", "FREE MEMORY", "RANKS", "JOB", "LAST SEEN"]))
