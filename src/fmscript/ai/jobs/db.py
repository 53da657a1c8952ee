"""The database under a job store: one connection, short write transactions, and migrations.

The stores (:mod:`fmscript.ai.jobs.sql`) write their SQL once, with ``?`` placeholders and the
SQL that SQLite and PostgreSQL share (``ON CONFLICT``, ``RETURNING``, window functions); a
:class:`Database` runs it on its engine. SQLite is this module; PostgreSQL is
:mod:`fmscript.ai.jobs.postgres` (psycopg, imported only there).

Schema changes are an ordered list of migration steps per engine, as simonw/llm and sqlite-utils
keep them: SQLite records how many ran in ``PRAGMA user_version``, PostgreSQL in a one-row
``schema_version`` table. A store made by an older release is brought up to date when opened.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from fmscript.ai.errors import CANNOT_OPEN_FILE, ai_error

Row = Any  # a row read by column name: sqlite3.Row, or a dict from psycopg's dict_row
Args = Sequence[object]


class Cursor(Protocol):
    """What a transaction's statements return (sqlite3 and psycopg cursors both are this)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Row: ...

    def fetchall(self) -> list[Row]: ...


class Tx(Protocol):
    """A write transaction in progress."""

    def execute(self, sql: str, args: Args = ()) -> Cursor: ...


class Database(Protocol):
    dialect: str  # "sqlite" | "postgresql"
    url: str

    def tx(self) -> AbstractContextManager[Tx]: ...

    def query(self, sql: str, args: Args = ()) -> list[Row]: ...

    def lock_names(self, tx: Tx) -> None:
        """Serialise the choice of new model names across processes for the rest of ``tx``."""

    def close(self) -> None: ...


Migration = Callable[[Tx], None]


class SQLiteDatabase:
    """One SQLite file in WAL mode, shared by every process of a home (``BEGIN IMMEDIATE`` writes)."""

    dialect = "sqlite"

    def __init__(self, path: Path, migrations: Sequence[Migration]) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self.migrate(migrations)
        except sqlite3.Error as exc:
            raise ai_error(f"cannot open the job store {self.path}: {exc}", CANNOT_OPEN_FILE) from None

    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, migrations: Sequence[Migration]) -> None:
        """Run the steps after ``user_version``, each in its own transaction with its new version."""
        while True:
            with self.tx() as tx:
                done = self.version()  # read inside the write lock: another process may have migrated
                if done >= len(migrations):
                    return
                migrations[done](tx)
                tx.execute(f"PRAGMA user_version = {done + 1}")

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A write transaction (``BEGIN IMMEDIATE``: other writers wait, readers go on)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: Args = ()) -> list[Row]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def lock_names(self, tx: Tx) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already holds the database's one write lock."""

    def close(self) -> None:
        with self._lock:
            self._db.close()
