"""The job store's interface: what every store (SQLite, PostgreSQL) offers, in four parts.

:class:`Store` holds ``jobs`` (jobs and their events), ``files``, ``models`` and ``remote`` (jobs
remote providers run). Callers depend on these protocols only; :func:`fmscript.ai.jobs.store.open_store`
picks the implementation from the store URL.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Protocol

from fmscript.ai.jobs.records import (
    Event,
    FileRecord,
    Job,
    JobError,
    JobRequest,
    JSONObject,
    Model,
    ModelCard,
    RemoteJob,
    Worker,
)


class Jobs(Protocol):
    def create(
        self,
        base_model: str,
        file_id: str,
        training_file_name: str,
        params: JSONObject,
        tags: builtins.list[str] | None = None,
        *,
        fine_tuned_model: str | None = None,
        name_given: bool = True,
        base_model_path: Path | str | None = None,
        status: str = "validating_files",
        pid: int | None = None,
        request: JobRequest | None = None,
        n_examples: int | None = None,
    ) -> Job: ...

    def set_request(self, job_id: str, request: JobRequest) -> None: ...

    def get(self, job_id: str) -> Job: ...

    def list(self, status: str | None = None, limit: int | None = None) -> builtins.list[Job]: ...

    def set_status(
        self,
        job_id: str,
        status: str,
        *,
        error: JobError | str | None = None,
        message: str | None = None,
        result: ModelCard | None = None,
        trained_tokens: int | None = None,
        expect: tuple[str, ...] | None = None,
    ) -> bool: ...

    def claim(self, job_id: str) -> bool: ...

    def claim_next(self, worker: str, lease_ms: int | None = None) -> Job | None: ...

    def expire_leases(self) -> builtins.list[str]: ...

    def queue_depth(self) -> int: ...

    def heartbeat(self, job_id: str) -> bool: ...

    def request_cancel(self, job_id: str) -> Job: ...

    def release(self, job_id: str) -> bool: ...

    def requeue(self, job_id: str, reason: str) -> bool: ...

    def reap_dead(self) -> builtins.list[str]: ...

    def add_event(self, job_id: str, level: str, message: str, data: JSONObject | None = None) -> None: ...

    def events(self, job_id: str, after: int = 0, limit: int | None = None) -> builtins.list[Event]: ...


class Files(Protocol):
    def create(self, path: Path | str, filename: str | None = None) -> FileRecord: ...

    def get(self, file_id: str) -> FileRecord: ...

    def list(self) -> builtins.list[FileRecord]: ...

    def local_path(self, file_id: str) -> Path: ...

    def delete(self, file_id: str) -> FileRecord: ...


class Models(Protocol):
    def add_base(self, name: str, path: Path | str) -> Model: ...

    def add_fine_tuned(self, name: str, path: Path, base_model: str, job_id: str) -> Model: ...

    def find(self, name: str) -> Model | None: ...

    def get(self, name: str) -> Model: ...

    def list(self) -> builtins.list[Model]: ...

    def remove(self, name: str) -> Model: ...

    def resolve_base(self, name: str) -> Path: ...

    def fetch(self, name: str) -> Path | None: ...


class RemoteJobs(Protocol):
    def record(
        self, provider: str, base_url: str, job: JSONObject, verify_ssl: bool | None = None
    ) -> RemoteJob: ...

    def get(self, job_id: str, base_url: str | None = None) -> RemoteJob: ...

    def list(self, limit: int | None = None) -> builtins.list[RemoteJob]: ...


class Workers(Protocol):
    def announce(self, worker: Worker) -> None: ...

    def list(self) -> builtins.list[Worker]: ...


class Store(Protocol):
    """One job store: the home it serves (model folders, caches) and its four parts."""

    @property
    def home(self) -> Path: ...

    @property
    def url(self) -> str: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def files(self) -> Files: ...

    @property
    def models(self) -> Models: ...

    @property
    def remote(self) -> RemoteJobs: ...

    @property
    def workers(self) -> Workers: ...

    def close(self) -> None: ...
