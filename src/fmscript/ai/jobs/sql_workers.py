"""The workers that train a store's jobs (``fmscript worker``), as they announce themselves."""

from __future__ import annotations

import builtins

import attrs

from fmscript.ai.jobs.db import Database, Row
from fmscript.ai.jobs.records import Worker


class SQLWorkers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def announce(self, worker: Worker) -> None:
        """Insert or update a worker's row (it calls this while it waits and at each job)."""
        values = attrs.astuple(worker)
        with self.db.tx() as tx:
            tx.execute(
                "INSERT INTO workers (id, host, pid, device, free_memory_gb, world_size, started_at, seen_at,"
                " job_id, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " device = excluded.device, free_memory_gb = excluded.free_memory_gb, seen_at = excluded.seen_at,"
                " job_id = excluded.job_id, stopped_at = excluded.stopped_at",
                values,
            )

    @staticmethod
    def _worker(row: Row) -> Worker:
        return Worker(*(row[f.name] for f in attrs.fields(Worker)))

    def list(self) -> builtins.list[Worker]:
        """Every worker that announced itself, the most recently seen first."""
        return [self._worker(row) for row in self.db.query("SELECT * FROM workers ORDER BY seen_at DESC, id")]
