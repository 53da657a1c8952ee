"""Open a job store: files, jobs, events and models of one fmscript home.

The default store is a SQLite file in the home (WAL mode): several processes may open it at once
(a script run, ``fmscript jobs wait``, the server); every write is a short transaction. One
training runs at a time per home: see :class:`~fmscript.ai.jobs.processes.TrainingLock`.
"""

from __future__ import annotations

from pathlib import Path

from fmscript.ai import home as homes
from fmscript.ai.errors import BAD_PARAMETER, ai_error
from fmscript.ai.jobs.db import SQLiteDatabase
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.migrations import MIGRATIONS
from fmscript.ai.jobs.sql_files import SQLFiles
from fmscript.ai.jobs.sql_jobs import SQLJobs
from fmscript.ai.jobs.sql_models import SQLModels, SQLRemoteJobs
from fmscript.ai.jobs.sql_workers import SQLWorkers


class SQLiteStore:
    """The job store in ``<home>/jobs.sqlite``; opening it fails every unfinished job whose
    process is gone, so a crash never leaves a job ``running`` forever."""

    def __init__(self, home: Path, path: Path | None = None) -> None:
        self.home = homes.ensure_home(home)
        self.db_path = path or homes.jobs_db(self.home)
        self.db = SQLiteDatabase(self.db_path, MIGRATIONS)
        self.url = self.db.url
        self.jobs = SQLJobs(self.db, self.home)
        self.files = SQLFiles(self.db, self.home)
        self.models = SQLModels(self.db, self.home)
        self.remote = SQLRemoteJobs(self.db)
        self.workers = SQLWorkers(self.db)
        self.jobs.reap_dead()

    def close(self) -> None:
        self.db.close()


def open_store(home: Path, url: str | None = None) -> Store:
    """The job store ``url`` names (``FMSCRIPT_STORE``/``--store``): ``postgresql://…`` (shared by
    many machines; ``home`` keeps this machine's copies of files and adapters), ``sqlite:///PATH``,
    or by default the SQLite file in ``home``."""
    if url and url.startswith(("postgresql://", "postgres://")):
        from fmscript.ai.jobs.postgres import PostgresStore

        return PostgresStore(home, url)
    if url and url.startswith("sqlite:///"):
        return SQLiteStore(home, Path(url.removeprefix("sqlite:///")))
    if url:
        raise ai_error(
            f"unknown store {url!r}: use sqlite:///PATH or postgresql://HOST:PORT/DB (user and password before the host)",
            BAD_PARAMETER,
        )
    return SQLiteStore(home)
