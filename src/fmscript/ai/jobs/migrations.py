"""The SQLite job store's schema, as an ordered list of migration steps (``PRAGMA user_version``
counts those that ran). Append a step for every change; never edit one that a release shipped.

Version 0 is the store of the releases before migrations (``CREATE TABLE IF NOT EXISTS`` at every
open): step 1 creates exactly that schema, so it does nothing to such a store and everything to a
new one; the later steps change both alike.
"""

from __future__ import annotations

from fmscript.ai.jobs.db import Migration, Tx

V0_TABLES = (
    """CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL, purpose TEXT NOT NULL, created_at INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, model TEXT NOT NULL, base_model_path TEXT, file_id TEXT NOT NULL,
    training_file TEXT NOT NULL, fine_tuned_model TEXT NOT NULL, params TEXT NOT NULL,
    tags TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER,
    finished_at INTEGER, error TEXT, pid INTEGER, pid_start TEXT, heartbeat INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0, trained_tokens INTEGER, result TEXT)""",
    """CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    level TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL, data TEXT)""",
    "CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, seq)",
    """CREATE TABLE IF NOT EXISTS models (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, base_model TEXT,
    job_id TEXT, created_at INTEGER NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS job_meta (job_id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS remote_jobs (
    provider TEXT NOT NULL, base_url TEXT NOT NULL, id TEXT NOT NULL, model TEXT NOT NULL,
    fine_tuned_model TEXT, status TEXT NOT NULL, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, job TEXT NOT NULL, verify_ssl INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (base_url, id))""",
)


def v1_original_schema(tx: Tx) -> None:
    for statement in V0_TABLES:
        tx.execute(statement)


def v2_request_fields_event_order_relative_paths(tx: Tx) -> None:
    """Server request fields move from the ``job_meta`` side table into ``jobs.request``; jobs
    record their example count and whether the user named the model; events get a sequence per
    job (``job_seq``, counted by ``jobs.event_seq``); paths inside the home become relative to it,
    so a home can be moved or copied."""
    for column in (
        "request TEXT",
        "n_examples INTEGER",
        "name_given INTEGER NOT NULL DEFAULT 1",
        "event_seq INTEGER NOT NULL DEFAULT 0",
    ):
        tx.execute(f"ALTER TABLE jobs ADD COLUMN {column}")
    tx.execute("UPDATE jobs SET request = (SELECT data FROM job_meta WHERE job_meta.job_id = jobs.id)")
    tx.execute("DROP TABLE job_meta")
    tx.execute("ALTER TABLE events ADD COLUMN job_seq INTEGER")
    tx.execute(
        "UPDATE events SET job_seq = (SELECT n FROM (SELECT seq AS s, ROW_NUMBER() OVER"
        " (PARTITION BY job_id ORDER BY seq) AS n FROM events) WHERE s = events.seq)"
    )
    tx.execute(
        "UPDATE jobs SET event_seq = COALESCE((SELECT MAX(job_seq) FROM events WHERE events.job_id = jobs.id), 0)"
    )
    tx.execute("CREATE UNIQUE INDEX events_by_job_seq ON events (job_id, job_seq)")
    tx.execute(
        "UPDATE files SET path = 'files/' || id || '.jsonl' WHERE path LIKE '%/files/' || id || '.jsonl'"
    )
    tx.execute(
        "UPDATE models SET path = 'models/' || name WHERE kind = 'fine-tuned' AND path LIKE '%/models/' || name"
    )


def v3_hosts_leases_workers(tx: Tx) -> None:
    """Jobs record the host of their owning process and, when a worker trains them, the worker,
    its lease and the number of trainings started; workers announce themselves in ``workers``."""
    for column in ("host TEXT", "worker TEXT", "lease_until INTEGER", "attempts INTEGER NOT NULL DEFAULT 0"):
        tx.execute(f"ALTER TABLE jobs ADD COLUMN {column}")
    tx.execute(WORKERS)


WORKERS = """CREATE TABLE workers (
    id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, device TEXT NOT NULL,
    free_memory_gb REAL, world_size INTEGER NOT NULL, started_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL, job_id TEXT, stopped_at INTEGER)"""

MIGRATIONS: list[Migration] = [
    v1_original_schema,
    v2_request_fields_event_order_relative_paths,
    v3_hosts_leases_workers,
]
