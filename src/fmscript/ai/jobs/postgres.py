"""The job store on PostgreSQL (``--store postgresql://user@host:port/db``): one database that any
number of ``fmscript serve`` replicas and workers on any machines share.

The jobs, events, files, models and remote-jobs stores are the SQL ones SQLite runs
(:mod:`fmscript.ai.jobs.sql_jobs` …) over :class:`PostgresDatabase`; what differs is here:
PostgreSQL's own migrations (a ``schema_version`` row), new model names serialised by an advisory
lock, and the content of uploaded files and trained adapters kept in the database (``blobs``:
1 MiB ``bytea`` chunks), so no shared filesystem is needed — a machine that needs a file or an
adapter it has not seen yet fetches it into its own ``FMSCRIPT_HOME``. psycopg is imported here only.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fmscript.ai import home as homes
from fmscript.ai.errors import CANNOT_OPEN_FILE, UNAVAILABLE, ai_error
from fmscript.ai.jobs.db import Args, Cursor, Migration, Row, Tx
from fmscript.ai.jobs.records import FileRecord, Model
from fmscript.ai.jobs.sql_files import SQLFiles
from fmscript.ai.jobs.sql_jobs import SQLJobs
from fmscript.ai.jobs.sql_models import SQLModels, SQLRemoteJobs
from fmscript.ai.jobs.sql_workers import SQLWorkers

CHUNK = 1 << 20
NAMES_LOCK = 7710421  # pg_advisory_xact_lock key: choosing free model names
MIGRATE_LOCK = 7710422
ADAPTER_FILES = ("adapters.safetensors", "adapter_config.json", "card.json")
_PLACEHOLDER = re.compile(r"\?")


def _pg(sql: str) -> str:
    """The stores' ``?`` placeholders as psycopg's ``%s`` (no ``%`` appears in their SQL)."""
    return _PLACEHOLDER.sub("%s", sql)


class _PGTx:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Args = ()) -> Cursor:
        cursor: Cursor = self._conn.execute(_pg(sql), tuple(args))
        return cursor


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: str, migrations: Sequence[Migration]) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError as exc:
            raise ai_error(
                f"a PostgreSQL store needs psycopg: pip install 'fmscript[postgres]' ({exc.name})",
                UNAVAILABLE,
            ) from None
        self.url = url
        self._lock = threading.RLock()
        try:
            self._conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
            self.migrate(migrations)
        except psycopg.Error as exc:
            raise ai_error(f"cannot open the job store {redact(url)}: {exc}", CANNOT_OPEN_FILE) from None

    def version(self) -> int:
        rows = self.query("SELECT version FROM schema_version")
        return int(rows[0]["version"]) if rows else 0

    def migrate(self, migrations: Sequence[Migration]) -> None:
        """Run the steps after ``schema_version``, each in its transaction (serialised by a lock)."""
        with self.tx() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        while True:
            with self.tx() as tx:
                tx.execute(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
                row = tx.execute("SELECT version FROM schema_version").fetchone()
                done = int(row["version"]) if row else 0
                if done >= len(migrations):
                    return
                migrations[done](tx)
                if row:
                    tx.execute("UPDATE schema_version SET version = ?", (done + 1,))
                else:
                    tx.execute("INSERT INTO schema_version (version) VALUES (?)", (done + 1,))

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        with self._lock, self._conn.transaction():
            yield _PGTx(self._conn)

    def query(self, sql: str, args: Args = ()) -> list[Row]:
        with self._lock:
            cursor = self._conn.execute(_pg(sql), tuple(args))
            return list(cursor.fetchall()) if cursor.description else []

    def lock_names(self, tx: Tx) -> None:
        tx.execute(f"SELECT pg_advisory_xact_lock({NAMES_LOCK})")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def redact(url: str) -> str:
    """A store URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


# -- blobs -------------------------------------------------------------------------------------


def put_blob(tx: Tx, key: str, path: Path) -> None:
    tx.execute("DELETE FROM blobs WHERE key = ?", (key,))
    with path.open("rb") as source:
        part = 0
        while chunk := source.read(CHUNK):
            tx.execute("INSERT INTO blobs (key, part, data) VALUES (?, ?, ?)", (key, part, chunk))
            part += 1


def fetch_blob(db: PostgresDatabase, key: str, target: Path) -> bool:
    """Write the blob ``key`` to ``target`` (atomically); False when the store has none."""
    rows = db.query("SELECT data FROM blobs WHERE key = ? ORDER BY part", (key,))
    if not rows:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    with tmp.open("wb") as out:
        for row in rows:
            out.write(bytes(row["data"]))
    tmp.replace(target)
    return True


class PGFiles(SQLFiles):
    """Training files whose content also lives in the database (``blobs`` key ``file/<id>``)."""

    db: PostgresDatabase

    def create(self, path: Path | str, filename: str | None = None) -> FileRecord:
        record = super().create(path, filename)
        with self.db.tx() as tx:
            put_blob(tx, f"file/{record.id}", Path(record.path))
        return record

    def local_path(self, file_id: str) -> Path:
        path = Path(self.get(file_id).path)
        if not path.is_file():
            fetch_blob(self.db, f"file/{file_id}", path)
        return path

    def delete(self, file_id: str) -> FileRecord:
        record = super().delete(file_id)
        with self.db.tx() as tx:
            tx.execute("DELETE FROM blobs WHERE key = ?", (f"file/{file_id}",))
        return record


class PGModels(SQLModels):
    """Models whose fine-tuned adapters live in the database (``model/<name>/<file>``): every
    machine fetches an adapter into its own home the first time it needs it. The database is the
    registry: folders on one machine's disk are not models of the shared store."""

    db: PostgresDatabase

    def add_fine_tuned(self, name: str, path: Path, base_model: str, job_id: str) -> Model:
        with self.db.tx() as tx:
            tx.execute("DELETE FROM blobs WHERE key LIKE ?", (f"model/{name}/" + "%",))
            for file in ADAPTER_FILES:
                if (Path(path) / file).is_file():
                    put_blob(tx, f"model/{name}/{file}", Path(path) / file)
        return super().add_fine_tuned(name, path, base_model, job_id)

    def _model(self, row: Row) -> Model:
        model = super()._model(row)
        if model.kind == "fine-tuned" and not model.exists:
            return Model(
                model.name, model.kind, model.path, model.base_model, model.job_id, model.created_at, True
            )
        return model

    def fetch(self, name: str) -> Path | None:
        found = self.find(name)
        if found is None or found.kind != "fine-tuned":
            return None
        folder = homes.models_dir(self.home) / name
        stamp = folder / ".fmscript-created"
        if not (stamp.is_file() and stamp.read_text() == str(found.created_at)):
            tmp = homes.models_dir(self.home) / f".fetch-{name}"
            shutil.rmtree(tmp, ignore_errors=True)
            for file in ADAPTER_FILES:
                fetch_blob(self.db, f"model/{name}/{file}", tmp / file)
            (tmp / ".fmscript-created").write_text(str(found.created_at))
            shutil.rmtree(folder, ignore_errors=True)
            tmp.replace(folder)
        return folder

    def remove(self, name: str) -> Model:
        model = super().remove(name)
        with self.db.tx() as tx:
            tx.execute("DELETE FROM blobs WHERE key LIKE ?", (f"model/{name}/" + "%",))
        return model

    def on_disk(self, folder: Path) -> Model | None:
        return None


class PostgresStore:
    """The job store in a PostgreSQL database; ``home`` is this machine's folder for fetched files
    and adapters, base models and caches."""

    def __init__(self, home: Path, url: str) -> None:
        from fmscript.ai.jobs.pg_migrations import MIGRATIONS

        self.home = homes.ensure_home(home)
        self.db = PostgresDatabase(url, MIGRATIONS)
        self.url = url
        self.jobs = SQLJobs(self.db, self.home)
        self.files = PGFiles(self.db, self.home)
        self.models = PGModels(self.db, self.home)
        self.remote = SQLRemoteJobs(self.db)
        self.workers = SQLWorkers(self.db)
        self.jobs.reap_dead()

    def close(self) -> None:
        self.db.close()
