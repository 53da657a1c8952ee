"""Open a job store: files, jobs, events and models of one fmscript home.

The default store is a SQLite file in the home (WAL mode): several processes may open it at once
(a script run, ``fmscript jobs wait``, the server); every write is a short transaction. One
training runs at a time per home: see :class:`~fmscript.ai.jobs.processes.TrainingLock`.
"""

from __future__ import annotations

from pathlib import Path

from fmscript.ai import home as homes
from fmscript.ai.jobs.db import SQLiteDatabase
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.migrations import MIGRATIONS
from fmscript.ai.jobs.sql_files import SQLFiles
from fmscript.ai.jobs.sql_jobs import SQLJobs
from fmscript.ai.jobs.sql_models import SQLModels, SQLRemoteJobs


class SQLiteStore:
    """The job store in ``<home>/jobs.sqlite``; opening it fails every unfinished job whose
    process is gone, so a crash never leaves a job ``running`` forever."""

    def __init__(self, home: Path) -> None:
        self.home = homes.ensure_home(home)
        self.db_path = homes.jobs_db(self.home)
        self.db = SQLiteDatabase(self.db_path, MIGRATIONS)
        self.url = self.db.url
        self.jobs = SQLJobs(self.db, self.home)
        self.files = SQLFiles(self.db, self.home)
        self.models = SQLModels(self.db, self.home)
        self.remote = SQLRemoteJobs(self.db)
        self.jobs.reap_dead()

    def close(self) -> None:
        self.db.close()


def open_store(home: Path) -> Store:
    """The job store of ``home``."""
    return SQLiteStore(home)
