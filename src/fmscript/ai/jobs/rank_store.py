"""The store as one rank of a distributed training sees it (``fmscript worker --ranks-per-host``,
:mod:`fmscript.ai.jobs.ranks`; the rank process itself is :mod:`fmscript.cli.rank`).

Rank 0 trains the job as the worker would (events, adapter, card, success and cancellation)
except that its heartbeat only reads the job (the lease belongs to the worker, which renews it)
and a failure is handed to the worker, which records it with the other ranks' reasons. The other
ranks write nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from pathlib import Path

from fmscript.ai.jobs.interface import Files, Jobs, Models, RemoteJobs, Store, Workers
from fmscript.ai.jobs.records import Event, Job, JobError, JobRequest, JSONObject, ModelCard


class QuietJobs:
    """A rank's view of the store's jobs: reads pass through; rank 0 writes (``lead``), the other
    ranks write nothing. The heartbeat only asks whether the job should stop (cancelled, or no
    longer this worker's)."""

    def __init__(
        self, inner: Jobs, worker: str, lead: bool, on_beat: Callable[[], None] | None = None
    ) -> None:
        self.inner, self.worker, self.lead, self.on_beat = inner, worker, lead, on_beat
        self.failed: JobError | None = None  # rank 0's failure, for the worker to record

    def heartbeat(self, job_id: str) -> bool:
        if not self.lead:
            return False  # the worker stops the other ranks when the job ends
        if self.on_beat is not None:
            self.on_beat()  # the worker's stall watch (ranks.supervise)
        job = self.inner.get(job_id)
        return job.status != "running" or job.cancel_requested or job.worker != self.worker

    def add_event(self, job_id: str, level: str, message: str, data: JSONObject | None = None) -> None:
        if self.lead:
            self.inner.add_event(job_id, level, message, data)

    def set_status(
        self, job_id: str, status: str, *, error: JobError | str | None = None, message: str | None = None,
        result: ModelCard | None = None, trained_tokens: int | None = None, expect: tuple[str, ...] | None = None,
    ) -> bool:  # fmt: skip
        if not self.lead:
            return False
        if self.inner.get(job_id).worker != self.worker:
            return False  # another worker took the job over (this worker's lease ran out)
        if status == "failed":  # the worker records it, with the other ranks' reasons
            self.failed = error if isinstance(error, JobError) else JobError("error", str(error or message))
            return True
        return self.inner.set_status(
            job_id, status, error=error, message=message, result=result,
            trained_tokens=trained_tokens, expect=expect,
        )  # fmt: skip

    # -- the rest: reads, and writes a rank never makes (passed on for the protocol's sake) ---
    def create(self, base_model: str, file_id: str, training_file_name: str, params: JSONObject,
               tags: builtins.list[str] | None = None, *, fine_tuned_model: str | None = None,
               name_given: bool = True, base_model_path: Path | str | None = None,
               status: str = "validating_files", pid: int | None = None, request: JobRequest | None = None,
               n_examples: int | None = None) -> Job:  # fmt: skip
        return self.inner.create(
            base_model, file_id, training_file_name, params, tags, fine_tuned_model=fine_tuned_model,
            name_given=name_given, base_model_path=base_model_path, status=status, pid=pid,
            request=request, n_examples=n_examples,
        )  # fmt: skip

    def set_request(self, job_id: str, request: JobRequest) -> None:
        self.inner.set_request(job_id, request)

    def get(self, job_id: str) -> Job:
        return self.inner.get(job_id)

    def list(self, status: str | None = None, limit: int | None = None) -> builtins.list[Job]:
        return self.inner.list(status, limit)

    def claim(self, job_id: str) -> bool:
        return False

    def claim_next(self, worker: str, lease_ms: int | None = None) -> Job | None:
        return None

    def expire_leases(self) -> builtins.list[str]:
        return []

    def queue_depth(self) -> int:
        return self.inner.queue_depth()

    def request_cancel(self, job_id: str) -> Job:
        return self.inner.request_cancel(job_id)

    def release(self, job_id: str) -> bool:
        return False

    def requeue(self, job_id: str, reason: str) -> bool:
        return False

    def reap_dead(self) -> builtins.list[str]:
        return []

    def events(self, job_id: str, after: int = 0, limit: int | None = None) -> builtins.list[Event]:
        return self.inner.events(job_id, after, limit)


class RankStore:
    """The store as one rank sees it: :class:`QuietJobs` for ``jobs``, the rest as it is."""

    def __init__(
        self, inner: Store, worker: str, lead: bool, on_beat: Callable[[], None] | None = None
    ) -> None:
        self.inner = inner
        self.quiet = QuietJobs(inner.jobs, worker, lead, on_beat)

    @property
    def home(self) -> Path:
        return self.inner.home

    @property
    def url(self) -> str:
        return self.inner.url

    @property
    def jobs(self) -> Jobs:
        return self.quiet

    @property
    def files(self) -> Files:
        return self.inner.files

    @property
    def models(self) -> Models:
        return self.inner.models

    @property
    def remote(self) -> RemoteJobs:
        return self.inner.remote

    @property
    def workers(self) -> Workers:
        return self.inner.workers

    def close(self) -> None:
        self.inner.close()
