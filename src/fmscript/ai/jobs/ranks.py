"""Data-parallel training over several processes and machines with ``mlx.distributed``.

``fmscript worker --hosts h1,h2 --ranks-per-host N`` mirrors ``mlx.launch``: the worker that
claimed a job starts one training process per rank (``python -m fmscript.cli.rank``) — on this
machine directly, on other hosts over ``ssh`` — with the environment mlx's backend reads:

* ``ring`` (TCP, CPUs and Macs): ``MLX_RANK`` and ``MLX_HOSTFILE``, a JSON list with one
  ``["ip:port"]`` list per rank (ranks on one host listen on consecutive ports);
* ``nccl`` (NVIDIA GPUs): ``MLX_RANK``, ``MLX_WORLD_SIZE``, ``NCCL_HOST_IP``/``NCCL_PORT`` (rank 0's
  address) and ``CUDA_VISIBLE_DEVICES`` (one GPU per rank of a host).

Every rank trains the same job on its share of each batch (mlx-lm's trainer averages the
gradients); rank 0 alone writes events, the adapter and the model card. The worker supervises:
a rank that exits with an error, ranks that do not connect within CONNECT_SECONDS, or a rank 0
silent for STALL_SECONDS (a rank hangs, the network between the hosts is cut) fail the job with the
reason; a cancel, SIGTERM or the end of rank 0 ends every rank. Each rank also ends
itself when its stdin (a pipe from the worker, carried by ssh) closes, so even a worker killed
with -9 leaves no rank behind.
"""

from __future__ import annotations

import collections
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from fmscript.ai import errors as codes
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import JobError

READY = "fmscript-rank-ready"  # a rank prints this once mlx.distributed has connected it
FAILED = "fmscript-rank-failed "  # rank 0 prints this and the job's error (JSON) when the job failed
ALIVE = "fmscript-rank-alive"  # rank 0 prints this at every heartbeat (once a second at most)
CONNECT_SECONDS = 120.0
STALL_SECONDS = 1800.0  # generous: a training step of a big model on a CPU can take minutes
GRACE_SECONDS = 30.0  # the other ranks' time to end after rank 0 has
SETTLE_SECONDS = 1.0  # after a rank fails, the time the others get to fail too (the reason)
BACKENDS = ("ring", "nccl")
LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1", socket.gethostname()})


def is_local(host: str) -> bool:
    """Whether ``host`` names this machine (its name, loopback, or one of its addresses)."""
    if host in LOCAL_NAMES:
        return True
    try:
        return host in socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return False


@attrs.frozen
class RankPlan:
    """Where the ranks of a job run: ``ranks_per_host`` ranks on each of ``hosts`` (rank order:
    the first host's ranks, then the next host's). ``port`` is the first TCP port (0: free
    loopback ports, when every host is this machine). ``environ`` is the environment the ranks
    start from (the command line's: ai/ reads no environment itself)."""

    hosts: tuple[str, ...] = ("127.0.0.1",)
    ranks_per_host: int = 1
    backend: str = "ring"
    port: int = 0
    python: str = sys.executable
    environ: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def world_size(self) -> int:
        return len(self.hosts) * self.ranks_per_host

    @property
    def local(self) -> bool:
        return all(is_local(h) for h in self.hosts)

    def rank_hosts(self) -> list[str]:
        return [host for host in self.hosts for _ in range(self.ranks_per_host)]

    def addresses(self) -> list[str]:
        """Each rank's ``ip:port`` (mlx's ring backend wants IP addresses, not names)."""
        hosts = self.rank_hosts()
        ips = ["127.0.0.1"] * len(hosts) if self.local else [socket.gethostbyname(h) for h in hosts]
        ports = (
            free_ports(len(hosts))
            if self.port == 0 and self.local
            else [self.port + r for r in range(len(hosts))]
        )
        return [f"{ip}:{port}" for ip, port in zip(ips, ports, strict=True)]

    def rank_env(self, rank: int, addresses: list[str]) -> dict[str, str]:
        """The variables mlx's backend reads in rank ``rank`` (MLX_HOSTFILE is added per host)."""
        env = {"MLX_RANK": str(rank), "FMSCRIPT_PROGRESS": "0"}
        if self.backend == "nccl":
            ip, port = addresses[0].rsplit(":", 1)
            env |= {"MLX_WORLD_SIZE": str(self.world_size), "NCCL_HOST_IP": ip, "NCCL_PORT": port,
                    "CUDA_VISIBLE_DEVICES": str(rank % self.ranks_per_host)}  # fmt: skip
        return env


def free_ports(n: int) -> list[int]:
    """``n`` distinct free loopback ports (held together while chosen, so they differ)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


class Rank:
    """One rank's process and the last lines it printed (its stdout and stderr, merged)."""

    def __init__(self, rank: int, host: str, argv: list[str], env: dict[str, str]) -> None:
        self.rank, self.host = rank, host
        self.tail: collections.deque[str] = collections.deque(maxlen=40)
        self.ready = threading.Event()
        self.heard = time.monotonic()  # when this rank last printed anything
        self.error: JobError | None = None  # the job's error, as rank 0 reported it
        # the rank's report (its standard output and errors) comes through a pipe of our own
        report, into = os.pipe()
        try:
            self.proc = subprocess.Popen(
                argv, env=env, stdin=subprocess.PIPE, stdout=into, stderr=into,
                start_new_session=True,  # a Ctrl-C at the worker's terminal reaches the worker alone
            )  # fmt: skip
        except BaseException:
            os.close(report)
            raise
        finally:
            os.close(into)
        self.reader = threading.Thread(target=self._read, args=(report,), name=f"rank-{rank}", daemon=True)
        self.reader.start()

    def _read(self, report: int) -> None:
        with open(report, "rb") as lines:
            for raw in lines:
                self._heard(raw.decode("utf-8", "replace").rstrip())

    def _heard(self, line: str) -> None:
        self.heard = time.monotonic()
        if line == READY:
            self.ready.set()
        elif line.startswith(FAILED):
            try:
                self.error = JobError.from_json(json.loads(line.removeprefix(FAILED)))
            except ValueError:
                self.tail.append(line)
        elif line and line != ALIVE:
            self.tail.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.reader.join(2)

    @property
    def killed(self) -> bool:
        return self.proc.returncode is not None and self.proc.returncode < 0

    def said(self) -> str:
        """The last line this rank printed (its job error, when rank 0 reported one)."""
        return self.error.message if self.error else next((x for x in reversed(self.tail) if x.strip()), "")

    def failure(self) -> str:
        """Why this rank ended badly: its exit and its last line of output."""
        code = self.proc.returncode
        how = f"was killed (signal {-code})" if self.killed else f"exited with code {code}"
        return f"rank {self.rank} ({self.host}) {how}" + (f": {self.said()}" if self.said() else "")


def _rank_command(plan: RankPlan, job_id: str, worker_id: str) -> list[str]:
    return [
        plan.python,
        "-m",
        "fmscript.cli.rank",
        job_id,
        "--backend",
        plan.backend,
        "--worker",
        worker_id,
    ]


def _remote_argv(host: str, command: list[str], env: dict[str, str], hostfile: str) -> list[str]:
    """``ssh HOST script`` that writes the hostfile there (mlx.launch does the same) and runs the
    rank with its variables; ssh carries the rank's stdin, so it ends when the worker does."""
    exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in env.items())
    script = (
        f"{exports}f=$(mktemp); printf %s {shlex.quote(hostfile)} > $f; export MLX_HOSTFILE=$f; "
        f"exec {shlex.join(command)}"
    )
    return ["ssh", "-o", "BatchMode=yes", host, script]


def start_ranks(
    plan: RankPlan, job_id: str, worker_id: str, store_env: dict[str, str], folder: Path
) -> list[Rank]:
    """Start every rank of ``plan`` for ``job_id``; ``store_env`` names the store (and, on this
    machine, the home) each rank opens."""
    addresses = plan.addresses()
    hostfile = json.dumps([[address] for address in addresses])
    local_file = folder / "hostfile.json"
    local_file.write_text(hostfile, encoding="utf-8")
    command = _rank_command(plan, job_id, worker_id)
    ranks: list[Rank] = []
    try:
        for rank, host in enumerate(plan.rank_hosts()):
            env = plan.rank_env(rank, addresses)
            if is_local(host):
                full = {**plan.environ, **store_env, **env, "MLX_HOSTFILE": str(local_file)}
                ranks.append(Rank(rank, host, command, full))
            else:  # another machine: its own home; the store is shared (postgresql://)
                remote = {k: v for k, v in store_env.items() if k != "FMSCRIPT_HOME"} | env
                ranks.append(
                    Rank(rank, host, _remote_argv(host, command, remote, hostfile), dict(plan.environ))
                )
    except BaseException:
        for started in ranks:
            started.stop()
        raise
    return ranks


def supervise(ranks: list[Rank], ended: Callable[[], bool], poll: float = 0.25) -> list[Rank] | str | None:
    """Wait for the ranks to finish. None: they all did (or the job ended meanwhile, a cancel:
    they are stopped); else the ranks that failed (those that ended badly within SETTLE_SECONDS
    of the first: a rank's death makes the others fail on the lost connection), or why the ranks
    never started or stalled. Every rank is stopped on return, whatever happened (an exception
    here too)."""
    started = time.monotonic()
    lead_done: float | None = None
    try:
        while True:
            codes = [r.proc.poll() for r in ranks]
            if any(code not in (None, 0) for code in codes):
                time.sleep(SETTLE_SECONDS)
                return [r for r in ranks if r.proc.poll() not in (None, 0)]
            if all(code == 0 for code in codes):
                return None
            now = time.monotonic()
            if codes[0] == 0:
                lead_done = lead_done or now
                if now - lead_done > GRACE_SECONDS:
                    return None  # rank 0 finished the job; the others are stopped below
            elif not all(r.ready.is_set() for r in ranks) and now - started > CONNECT_SECONDS:
                late = [str(r.rank) for r in ranks if not r.ready.is_set()]
                said = "; ".join(
                    f"rank {r.rank}: {r.said()}" for r in ranks if not r.ready.is_set() and r.said()
                )
                return f"ranks {', '.join(late)} did not connect within {CONNECT_SECONDS:g} s" + (
                    f" ({said})" if said else ""
                )
            elif codes[0] is None and now - ranks[0].heard > STALL_SECONDS:
                return f"rank 0 made no progress in {STALL_SECONDS:g} s (a rank hangs, or the network between the hosts is cut)"
            if ended():
                return None
            time.sleep(poll)
    finally:
        for rank in ranks:
            rank.stop()


def job_error(failed: list[Rank] | str) -> JobError:
    """The error a job fails with when its ranks failed: rank 0's own error when it alone failed
    (an invalid training file keeps its code), else every failed rank, the killed ones first
    (the others only lost their connection to them)."""
    if isinstance(failed, str):
        return JobError("rank_failed", failed, None, codes.UNEXPECTED)
    if len(failed) == 1 and failed[0].rank == 0 and failed[0].error is not None:
        return failed[0].error
    order = sorted(failed, key=lambda r: (not r.killed, r.rank == 0, r.rank))
    return JobError("rank_failed", "; ".join(r.failure() for r in order), None, codes.UNEXPECTED)


def train_on_ranks(
    store: Store, job_id: str, worker_id: str, plan: RankPlan, store_env: dict[str, str]
) -> JobError | None:
    """Train ``job_id`` (claimed by this worker) on the ranks of ``plan``; the error it failed
    with when ranks failed (rank 0 records success and cancellation in the store itself)."""
    with tempfile.TemporaryDirectory(prefix="fmscript-ranks-") as folder:
        try:
            ranks = start_ranks(plan, job_id, worker_id, store_env, Path(folder))
        except OSError as exc:  # a host name that does not resolve, no ssh here …
            return JobError("rank_failed", f"the ranks did not start: {exc}", None, codes.UNEXPECTED)

        def ended() -> bool:
            try:
                return store.jobs.get(job_id).terminal
            except Exception:  # the store is out of reach for a moment: keep training
                return False

        failed = supervise(ranks, ended)
        return None if failed is None else job_error(failed)
