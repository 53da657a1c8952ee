"""The PostgreSQL job store's schema, as an ordered list of migration steps (the
``schema_version`` row counts those that ran). Append a step for every change. The columns match
the SQLite store's after its own migrations, so one set of SQL serves both (times are
milliseconds in ``BIGINT``; JSON is ``TEXT``; flags are ``INTEGER`` 0/1 as in SQLite)."""

from __future__ import annotations

from fmscript.ai.jobs.db import Migration, Tx

V1 = (
    """CREATE TABLE files (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, path TEXT NOT NULL, bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL, purpose TEXT NOT NULL, created_at BIGINT NOT NULL)""",
    """CREATE TABLE jobs (
    id TEXT PRIMARY KEY, model TEXT NOT NULL, base_model_path TEXT, file_id TEXT NOT NULL,
    training_file TEXT NOT NULL, fine_tuned_model TEXT NOT NULL, params TEXT NOT NULL,
    tags TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, started_at BIGINT,
    finished_at BIGINT, error TEXT, pid INTEGER, pid_start TEXT, heartbeat BIGINT,
    cancel_requested INTEGER NOT NULL DEFAULT 0, trained_tokens BIGINT, result TEXT, request TEXT,
    n_examples INTEGER, name_given INTEGER NOT NULL DEFAULT 1, event_seq INTEGER NOT NULL DEFAULT 0,
    host TEXT, worker TEXT, lease_until BIGINT, attempts INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX jobs_by_status ON jobs (status, created_at)",
    """CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY, job_id TEXT NOT NULL, job_seq INTEGER NOT NULL, created_at BIGINT NOT NULL,
    level TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL, data TEXT)""",
    "CREATE UNIQUE INDEX events_by_job_seq ON events (job_id, job_seq)",
    """CREATE TABLE models (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, base_model TEXT,
    job_id TEXT, created_at BIGINT NOT NULL)""",
    """CREATE TABLE remote_jobs (
    provider TEXT NOT NULL, base_url TEXT NOT NULL, id TEXT NOT NULL, model TEXT NOT NULL,
    fine_tuned_model TEXT, status TEXT NOT NULL, created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL, job TEXT NOT NULL, verify_ssl INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (base_url, id))""",
    "CREATE TABLE blobs (key TEXT NOT NULL, part INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (key, part))",
    """CREATE TABLE api_keys (
    name TEXT NOT NULL, prefix TEXT NOT NULL, sha256 TEXT NOT NULL, created_at BIGINT NOT NULL,
    revoked_at BIGINT)""",
    """CREATE TABLE workers (
    id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, device TEXT NOT NULL,
    free_memory_gb DOUBLE PRECISION, world_size INTEGER NOT NULL, started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL, job_id TEXT, stopped_at BIGINT)""",
)


def v1_schema(tx: Tx) -> None:
    for statement in V1:
        tx.execute(statement)


MIGRATIONS: list[Migration] = [v1_schema]
