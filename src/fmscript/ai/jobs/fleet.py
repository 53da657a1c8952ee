"""``fmscript worker``: train the queued jobs of a shared store, one at a time, on this machine.

A worker announces itself in the store (host, device, free memory; ``fmscript workers list``),
claims the oldest queued job (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never wait on
each other and never take the same job), and holds it with a lease that a thread renews every few
seconds. A worker that dies (kill -9, power loss, a network split) stops renewing: once the lease
has run out another worker takes the job over — once; the second time the job fails with the
reason (:meth:`~fmscript.ai.jobs.sql_jobs.SQLJobs.expire_leases`). A cancel reaches the trainer at
its next step (the renewal sees it too). SIGTERM stops the training at once and queues the job
again for another worker. One log line per job transition goes to ``log``.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from fmscript.ai import errors as codes
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.ranks import RankPlan, train_on_ranks
from fmscript.ai.jobs.records import Job, JobError, Worker
from fmscript.ai.jobs.sql_jobs import HOST, model_tmp_dir, now_ms
from fmscript.ai.params import LocalParams
from fmscript.errors import FMScriptError
from fmscript.settings import Settings

Log = Callable[[str], None]


class WorkerStopping(BaseException):
    """Raised in the training thread by SIGTERM: the job goes back to the queue."""


def free_memory_gb() -> float | None:
    """MemAvailable from /proc/meminfo (Linux), in GB."""
    try:
        text = Path("/proc/meminfo").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return round(int(line.split()[1]) / 1e6, 2)
    return None


def device() -> str:
    """mlx's default device (``gpu`` on Apple silicon, ``cpu`` elsewhere), without importing mlx
    in a worker that has not trained yet (the worker reports again once it has)."""
    import sys

    if "mlx.core" in sys.modules:
        return str(sys.modules["mlx.core"].default_device())
    return "gpu" if sys.platform == "darwin" else "cpu"


class LeaseKeeper(threading.Thread):
    """Renews the lease of the job being trained every ``every`` seconds, while training runs."""

    def __init__(self, store: Store, job_id: str, every: float) -> None:
        super().__init__(name=f"lease-{job_id}", daemon=True)
        self.store, self.job_id, self.every = store, job_id, every
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            try:
                self.store.jobs.heartbeat(self.job_id)
            except Exception:  # a lost connection: the lease runs out and another worker retries
                continue


def _supervised(job: Job) -> bool:
    """Whether ``job`` is supervised fine-tuning (what ranks train together)."""
    try:
        return LocalParams.from_dict(job.params).method == "supervised"
    except FMScriptError:
        return False  # trained in this process, which fails it with the reason


class JobWorker:
    def __init__(
        self, store: Store, settings: Settings, log: Log, poll: float = 1.0, plan: RankPlan | None = None
    ) -> None:
        self.store, self.settings, self.log, self.poll = store, settings, log, poll
        self.id = f"{HOST}:{os.getpid()}"
        self.plan = plan if plan is not None and plan.world_size > 1 else None
        self.world_size = self.plan.world_size if self.plan else 1
        self.stopping = False
        self.training: str | None = None
        self.started = now_ms()

    def announce(self, job_id: str | None = None, stopped: bool = False) -> None:
        self.store.workers.announce(
            Worker(
                self.id,
                HOST,
                os.getpid(),
                device(),
                free_memory_gb(),
                self.world_size,
                self.started,
                now_ms(),
                job_id,
                now_ms() if stopped else None,
            )  # fmt: skip
        )

    def _sigterm(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if self.training is not None and threading.current_thread() is threading.main_thread():
            raise WorkerStopping()

    def run(self, max_jobs: int | None = None) -> int:
        """Claim and train jobs until SIGTERM/SIGINT (or ``max_jobs``); returns the jobs trained."""
        previous = signal.signal(signal.SIGTERM, self._sigterm)
        self.log(f"worker {self.id}: waiting for jobs in {self.store.url.split('@')[-1]}")
        trained = 0
        try:
            while not self.stopping and (max_jobs is None or trained < max_jobs):
                self.announce()
                for job_id in self.store.jobs.expire_leases():
                    self.log(f"job {job_id}: {self.store.jobs.get(job_id).status} (a worker's lease ran out)")
                job = self.store.jobs.claim_next(self.id, int(self.settings.lease_seconds * 1000))
                if job is None:
                    time.sleep(self.poll)
                    continue
                self.train(job)
                trained += 1
        except KeyboardInterrupt:
            self.stopping = True
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.announce(stopped=True)
            self.log(f"worker {self.id}: stopped")
        return trained

    def train(self, job: Job) -> None:
        from fmscript.ai.jobs.worker import train_claimed

        self.log(f"job {job.id}: running on {self.id} ({job.fine_tuned_model})")
        self.announce(job.id)
        keeper = LeaseKeeper(self.store, job.id, max(0.2, self.settings.lease_seconds / 4))
        keeper.start()
        self.training = job.id
        try:
            if self.plan is not None and _supervised(job):
                final = self.train_on_ranks(job, self.plan)
            else:  # one process (preference training has no distributed loop)
                final = train_claimed(self.store, job.id, None, self.settings)
            self.log(f"job {job.id}: {final.status}" + (f" ({final.error.message})" if final.error else ""))
        except WorkerStopping:
            self.store.jobs.requeue(job.id, f"worker {self.id} was stopped (SIGTERM)")
            self.log(f"job {job.id}: queued again (this worker was stopped)")
        finally:
            self.training = None
            keeper.done.set()
            keeper.join(5)

    def train_on_ranks(self, job: Job, plan: RankPlan) -> Job:
        """Train ``job`` on ``plan``'s ranks (rank 0 records the ending); a rank that failed,
        or ranks that ended without an ending, fail the job with the reason."""
        self.log(f"job {job.id}: {plan.world_size} ranks ({plan.backend}) on {', '.join(plan.hosts)}")
        env = {"FMSCRIPT_HOME": str(self.settings.home), "FMSCRIPT_STORE": self.settings.store}
        try:
            error = train_on_ranks(self.store, job.id, self.id, plan, env)
        except KeyboardInterrupt:  # the ranks are stopped; the job waits for a worker again
            self.store.jobs.requeue(job.id, f"worker {self.id} was stopped (Ctrl-C)")
            raise
        current = self.store.jobs.get(job.id)
        if current.status == "running" and current.worker == self.id:
            if error is None:
                error = JobError(
                    "rank_failed", "the ranks ended without finishing the job", None, codes.UNEXPECTED
                )
            self.store.jobs.set_status(
                job.id, "failed", error=error, message=f"Job failed: {error.message}", expect=("running",)
            )
            shutil.rmtree(model_tmp_dir(self.store.home, job.id), ignore_errors=True)
        return self.store.jobs.get(job.id)
