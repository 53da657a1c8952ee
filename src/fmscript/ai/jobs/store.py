"""The persistent job store: files, jobs, events and models in one SQLite database (WAL mode).

Several processes may open the same store at once (a script run, ``fmscript jobs wait``, the
server); every write is a short transaction. A job row records the pid of the process that owns
it (the one that submitted it while it is queued, the one training it while it runs) and a
heartbeat. Opening the store fails every unfinished job whose process is gone, so a crash never
leaves a job ``running`` forever. One training runs at a time: see :class:`TrainingLock`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fmscript.ai import home as homes
from fmscript.ai import modeldir
from fmscript.ai.errors import (
    CANNOT_CREATE_FILE,
    CANNOT_OPEN_FILE,
    FILE_MISSING,
    UNKNOWN_JOB,
    UNKNOWN_MODEL,
    ai_error,
)

STATUSES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled")
ACTIVE = ("validating_files", "queued", "running")
TERMINAL = ("succeeded", "failed", "cancelled")
RESPONSE_KEYS = (
    "object",
    "id",
    "file_id",
    "model",
    "created_at",
    "fine_tuned_model",
    "status",
    "training_file",
    "tags",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL, purpose TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, model TEXT NOT NULL, base_model_path TEXT, file_id TEXT NOT NULL,
    training_file TEXT NOT NULL, fine_tuned_model TEXT NOT NULL, params TEXT NOT NULL,
    tags TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER,
    finished_at INTEGER, error TEXT, pid INTEGER, pid_start TEXT, heartbeat INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0, trained_tokens INTEGER, result TEXT);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    level TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL, data TEXT);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, seq);
CREATE TABLE IF NOT EXISTS models (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, base_model TEXT,
    job_id TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS job_meta (job_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS remote_jobs (
    provider TEXT NOT NULL, base_url TEXT NOT NULL, id TEXT NOT NULL, model TEXT NOT NULL,
    fine_tuned_model TEXT, status TEXT NOT NULL, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, job TEXT NOT NULL, verify_ssl INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (base_url, id));
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process (Linux), to tell a reused pid from the original."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_alive(pid: int | None, start: str | None = None) -> bool:
    """Whether ``pid`` still runs (and is the same process when its start time was recorded)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    fields = _proc_stat(pid)
    if not fields:
        return True
    if fields[0] in ("Z", "X"):
        return False
    return start is None or len(fields) <= 19 or fields[19] == start


def to_response(job: dict[str, Any]) -> dict[str, Any]:
    """The job as the Fine-Tune Model step's Response Target shows it (the seed's keys, in order)."""
    return {key: job[key] for key in RESPONSE_KEYS}


def model_tmp_dir(home: Path, job_id: str) -> Path:
    """Where a job writes its adapter before it is moved into place."""
    return homes.models_dir(home) / f".tmp-{job_id}"


class TrainingLock:
    """An exclusive ``fcntl`` lock on ``<home>/train.lock``: one training at a time, across processes.

    The kernel drops the lock when its process dies, so a killed trainer never blocks the next one.
    """

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "train.lock"
        self._fd: int | None = None

    def acquire(self, blocking: bool = False) -> bool:
        if self._fd is not None:
            return True
        try:
            import fcntl
        except ImportError:  # no fcntl (Windows): one process is all we can vouch for
            self._fd = -1
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None and self._fd >= 0:
            os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


class JobStore:
    """Files, jobs, events and the model registry of one fmscript home."""

    def __init__(self, home: Path) -> None:
        self.home = homes.ensure_home(home)
        self.db_path = homes.jobs_db(self.home)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise ai_error(f"cannot open the job store {self.db_path}: {exc}", CANNOT_OPEN_FILE) from None
        self.reap_dead()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``: other writers wait, readers go on)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @staticmethod
    def _new_id(db: sqlite3.Connection, table: str, prefix: str) -> tuple[str, int]:
        """``<prefix><ms>``, one millisecond later while the id is taken; and the ms."""
        ms = now_ms()
        while db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (f"{prefix}{ms}",)).fetchone():
            ms += 1
        return f"{prefix}{ms}", ms

    # -- files ---------------------------------------------------------------------------------

    def create_file(self, path: Path | str, filename: str | None = None) -> dict[str, Any]:
        """Copy a training JSONL into ``<home>/files`` and record it (id ``fm-ft-train-<ms>``)."""
        source = Path(path)
        if not source.is_file():
            raise ai_error(f"training file not found: {source}", FILE_MISSING)
        with self._tx() as db:
            file_id, created = self._new_id(db, "files", "fm-ft-train-")
            target = homes.files_dir(self.home) / f"{file_id}.jsonl"
            digest = hashlib.sha256()
            size = 0
            try:
                with source.open("rb") as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        dst.write(chunk)
                        size += len(chunk)
            except OSError as exc:
                target.unlink(missing_ok=True)
                raise ai_error(
                    f"cannot copy {source} into {target.parent}: {exc.strerror or exc}", CANNOT_CREATE_FILE
                ) from None
            db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    file_id,
                    filename or source.name,
                    str(target),
                    size,
                    digest.hexdigest(),
                    "fine-tune",
                    created,
                ),
            )
        return self.get_file(file_id)

    def get_file(self, file_id: str) -> dict[str, Any]:
        rows = self._query("SELECT * FROM files WHERE id = ?", (file_id,))
        if not rows:
            raise ai_error(f"no such file: {file_id}", FILE_MISSING)
        return {"object": "file", **dict(rows[0])}

    def list_files(self) -> list[dict[str, Any]]:
        """Every stored file, newest first."""
        return [
            {"object": "file", **dict(row)}
            for row in self._query("SELECT * FROM files ORDER BY created_at DESC, id DESC")
        ]

    def delete_file(self, file_id: str) -> dict[str, Any]:
        """Forget a file and remove its copy (its jobs keep their file id)."""
        file = self.get_file(file_id)
        with self._tx() as db:
            db.execute("DELETE FROM files WHERE id = ?", (file_id,))
        Path(file["path"]).unlink(missing_ok=True)
        return file

    # -- jobs ----------------------------------------------------------------------------------

    def create_job(
        self,
        base_model: str,
        file_id: str,
        training_file_name: str,
        params: dict[str, Any],
        tags: list[str] | None = None,
        *,
        fine_tuned_model: str | None = None,
        base_model_path: Path | str | None = None,
        status: str = "validating_files",
        pid: int | None = None,
    ) -> dict[str, Any]:
        """Record a job owned by this process (``pid``); ``fm-ftjob-<ms>``, created_at = the same ms."""
        from fmscript.ai.params import full_model_name

        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        name = fine_tuned_model or full_model_name(str(params.get("fine_tuned_model_name", "")))
        pid = os.getpid() if pid is None else pid
        with self._tx() as db:
            job_id, created = self._new_id(db, "jobs", "fm-ftjob-")
            db.execute(
                "INSERT INTO jobs (id, model, base_model_path, file_id, training_file, fine_tuned_model, params,"
                " tags, status, created_at, pid, pid_start, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id, base_model, str(base_model_path) if base_model_path else None, file_id,
                    training_file_name, name, json.dumps(params), json.dumps(tags if tags is not None else ["fine-tune"]),
                    status, created, pid, _process_start(pid), created,
                ),
            )  # fmt: skip
            self._event(db, job_id, "info", f"Created fine-tuning job {job_id}", None)
        return self.get_job(job_id)

    @staticmethod
    def _job(row: sqlite3.Row) -> dict[str, Any]:
        data = dict(row)
        job = {
            "object": "fine_tuning.job",
            "id": data["id"],
            "file_id": data["file_id"],
            "model": data["model"],
            "created_at": data["created_at"],
            "fine_tuned_model": data["fine_tuned_model"],
            "status": data["status"],
            "training_file": data["training_file"],
            "tags": json.loads(data["tags"]),
        }
        for key in ("started_at", "finished_at", "pid", "heartbeat", "trained_tokens", "base_model_path"):
            job[key] = data[key]
        job["params"] = json.loads(data["params"])
        job["error"] = json.loads(data["error"]) if data["error"] else None
        job["result"] = json.loads(data["result"]) if data["result"] else None
        job["cancel_requested"] = bool(data["cancel_requested"])
        return job

    def get_job(self, job_id: str) -> dict[str, Any]:
        rows = self._query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            raise ai_error(f"no such fine-tuning job: {job_id}", UNKNOWN_JOB)
        return self._job(rows[0])

    def list_jobs(self, status: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Jobs, newest first (optionally one status only)."""
        sql = (
            "SELECT * FROM jobs"
            + (" WHERE status = ?" if status else "")
            + " ORDER BY created_at DESC, id DESC"
        )
        args: tuple[Any, ...] = (status,) if status else ()
        if limit is not None:
            sql += " LIMIT ?"
            args += (int(limit),)
        return [self._job(row) for row in self._query(sql, args)]

    def set_status(
        self,
        job_id: str,
        status: str,
        *,
        error: dict[str, Any] | str | None = None,
        message: str | None = None,
        result: dict[str, Any] | None = None,
        trained_tokens: int | None = None,
        expect: tuple[str, ...] | None = None,
    ) -> bool:
        """Move a job to ``status`` (only from one of ``expect`` when given); False when it was not."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if isinstance(error, str):
            error = {"code": "error", "message": error, "param": None}
        now = now_ms()
        sets = ["status = ?"]
        args: list[Any] = [status]
        if status == "running":
            sets += ["started_at = ?", "pid = ?", "pid_start = ?", "heartbeat = ?"]
            args += [now, os.getpid(), _process_start(os.getpid()), now]
        if status in TERMINAL:
            sets.append("finished_at = ?")
            args.append(now)
        for column, value in (("error", error), ("result", result)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(json.dumps(value))
        if trained_tokens is not None:
            sets.append("trained_tokens = ?")
            args.append(trained_tokens)
        sql = f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?"
        args.append(job_id)
        if expect:
            sql += f" AND status IN ({', '.join('?' * len(expect))})"
            args.extend(expect)
        with self._tx() as db:
            changed = db.execute(sql, tuple(args)).rowcount > 0
            if changed:
                text = message or (error or {}).get("message") or f"Job {status.replace('_', ' ')}"
                level = "error" if status == "failed" else "info"
                self._event(db, job_id, level, text, None)
        if not changed and not expect:
            self.get_job(job_id)  # raises for an unknown id
        return changed

    def claim(self, job_id: str) -> bool:
        """queued → running, owned by this process (False when someone else got it first)."""
        return self.set_status(job_id, "running", expect=("queued",), message="Fine-tuning started")

    def heartbeat(self, job_id: str) -> bool:
        """Record that this process still trains the job; returns whether a cancel was requested."""
        with self._tx() as db:
            db.execute("UPDATE jobs SET heartbeat = ? WHERE id = ?", (now_ms(), job_id))
            row = db.execute("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row[0])

    def request_cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a job: at once when it has not started, at the trainer's next step when running."""
        job = self.get_job(job_id)
        if job["status"] in TERMINAL:
            return job
        with self._tx() as db:
            db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
            self._event(db, job_id, "info", "Cancellation requested", None)
        self.set_status(job_id, "cancelled", expect=("validating_files", "queued"), message="Job cancelled")
        return self.get_job(job_id)

    def release(self, job_id: str) -> bool:
        """Let go of a queued job this process owns: it stays queued for whoever runs it later
        (``fmscript jobs wait``, the server) instead of failing when this process ends."""
        with self._tx() as db:
            changed = db.execute(
                "UPDATE jobs SET pid = NULL, pid_start = NULL WHERE id = ? AND status = 'queued' AND pid = ?",
                (job_id, os.getpid()),
            ).rowcount
            if changed:
                self._event(
                    db,
                    job_id,
                    "info",
                    "Job queued: it trains when `fmscript jobs wait` or the server picks it up",
                    None,
                )
        return bool(changed)

    def requeue(self, job_id: str, reason: str) -> bool:
        """running -> queued, owned by nobody (the server stopping mid-training: it starts over
        when a trainer picks it up again); False when the job was not running."""
        with self._tx() as db:
            changed = db.execute(
                "UPDATE jobs SET status = 'queued', pid = NULL, pid_start = NULL, started_at = NULL,"
                " cancel_requested = 0 WHERE id = ? AND status = 'running'",
                (job_id,),
            ).rowcount
            if changed:
                self._event(db, job_id, "warn", f"Job queued again: {reason}", None)
        if changed:
            shutil.rmtree(model_tmp_dir(self.home, job_id), ignore_errors=True)
        return bool(changed)

    def reap_dead(self) -> list[str]:
        """Fail every unfinished job whose owning process is gone; return their ids."""
        reaped = []
        rows = self._query(
            f"SELECT id, status, pid, pid_start FROM jobs WHERE status IN ({', '.join('?' * len(ACTIVE))})",
            ACTIVE,
        )
        for row in rows:
            if row["pid"] is None or process_alive(row["pid"], row["pid_start"]):
                continue
            if row["status"] == "running":
                message = f"the process training it stopped (pid {row['pid']})"
            else:
                message = f"the process that queued it stopped before training it (pid {row['pid']})"
            with self._tx() as db:
                changed = db.execute(
                    "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE id = ? AND status = ? AND pid = ?",
                    (now_ms(), json.dumps({"code": "process_stopped", "message": message, "param": None}),
                     row["id"], row["status"], row["pid"]),
                ).rowcount  # fmt: skip
                if changed:
                    self._event(db, row["id"], "error", f"Job failed: {message}", None)
            if changed:
                shutil.rmtree(model_tmp_dir(self.home, row["id"]), ignore_errors=True)
                reaped.append(row["id"])
        return reaped

    # -- events --------------------------------------------------------------------------------

    @staticmethod
    def _event(
        db: sqlite3.Connection, job_id: str, level: str, message: str, data: dict[str, Any] | None
    ) -> None:
        db.execute(
            "INSERT INTO events (job_id, created_at, level, type, message, data) VALUES (?, ?, ?, ?, ?, ?)",
            (
                job_id,
                now_ms(),
                level,
                "metrics" if data else "message",
                message,
                json.dumps(data) if data else None,
            ),
        )

    def add_event(self, job_id: str, level: str, message: str, data: dict[str, Any] | None = None) -> None:
        """Append an event (``level`` info|warn|error; with ``data`` it is a metrics event)."""
        with self._tx() as db:
            self._event(db, job_id, level, message, data)

    def events(self, job_id: str, after: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """A job's events in order; ``after`` is the ``seq`` of the last one already seen."""
        sql = "SELECT * FROM events WHERE job_id = ? AND seq > ? ORDER BY seq"
        args: tuple[Any, ...] = (job_id, after)
        if limit is not None:
            sql += " LIMIT ?"
            args += (int(limit),)
        return [
            {
                "object": "fine_tuning.job.event",
                "id": f"fm-ftevent-{row['seq']}",
                "seq": row["seq"],
                "created_at": row["created_at"],
                "level": row["level"],
                "type": row["type"],
                "message": row["message"],
                "data": json.loads(row["data"]) if row["data"] else None,
            }
            for row in self._query(sql, args)
        ]

    # -- models --------------------------------------------------------------------------------

    def _register(self, name: str, kind: str, path: Path, base_model: str | None, job_id: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?, ?)",
                (name, kind, str(Path(path).resolve()), base_model, job_id, now_ms()),
            )

    def add_base_model(self, name: str, path: Path | str) -> dict[str, Any]:
        """Register a local model folder (``mlx_lm.load`` form) under a name."""
        folder = Path(path).expanduser()
        if not modeldir.is_model_dir(folder):
            raise ai_error(
                f"{folder} is not a model folder (config.json and model*.safetensors)", UNKNOWN_MODEL
            )
        self._register(name, "base", folder, None, None)
        return self.get_model(name)

    def add_fine_tuned_model(self, name: str, path: Path, base_model: str, job_id: str) -> dict[str, Any]:
        self._register(name, "fine-tuned", path, base_model, job_id)
        return self.get_model(name)

    def get_model(self, name: str) -> dict[str, Any]:
        rows = self._query("SELECT * FROM models WHERE name = ?", (name,))
        if rows:
            return {**dict(rows[0]), "exists": Path(rows[0]["path"]).exists()}
        folder = homes.base_models_dir(self.home) / name
        if modeldir.is_model_dir(folder):
            return {"name": name, "kind": "base", "path": str(folder), "base_model": None, "job_id": None,
                    "created_at": int(folder.stat().st_mtime * 1000), "exists": True}  # fmt: skip
        found = _fine_tuned_on_disk(homes.models_dir(self.home) / name) if "/" not in name else None
        if found is not None:
            return found
        raise ai_error(f"no such model: {name}", UNKNOWN_MODEL)

    def list_models(self) -> list[dict[str, Any]]:
        """Registered models plus the folders in ``<home>/base-models``, base models first."""
        models = {
            row["name"]: {**dict(row), "exists": Path(row["path"]).exists()}
            for row in self._query("SELECT * FROM models")
        }
        root = homes.base_models_dir(self.home)
        for config in sorted(root.glob("**/config.json")):
            name = config.parent.relative_to(root).as_posix()
            if name not in models and modeldir.is_model_dir(config.parent):
                models[name] = self.get_model(name)
        # Fine-tuned models on disk that the store does not know (an emptied or re-created
        # jobs.sqlite): their adapter and card are all that is needed, so they are listed again.
        tuned = homes.models_dir(self.home)
        for folder in sorted(tuned.iterdir()) if tuned.is_dir() else []:
            if folder.name not in models and (found := _fine_tuned_on_disk(folder)) is not None:
                models[folder.name] = found
        return sorted(models.values(), key=lambda m: (m["kind"] != "base", m["name"]))

    def remove_model(self, name: str) -> dict[str, Any]:
        """Forget a model; its folder is deleted when it lies inside the fmscript home."""
        model = self.get_model(name)
        with self._tx() as db:
            db.execute("DELETE FROM models WHERE name = ?", (name,))
        folder = Path(model["path"]).resolve()
        if folder.is_relative_to(self.home.resolve()) and folder != self.home.resolve():
            shutil.rmtree(folder, ignore_errors=True)
        return model

    def resolve_base_model(self, name: str) -> Path:
        """A base model's folder: a registered name, ``<home>/base-models/<name>``, a local path, or
        the Hugging Face cache (offline). Anything else is an error (code 10) saying where it looked."""
        rows = self._query("SELECT * FROM models WHERE name = ?", (name,))
        if rows and rows[0]["kind"] == "fine-tuned" or (not rows and name.startswith("fm-mlx-")):
            raise ai_error(f"{name} is a fine-tuned model; fine-tune its base model instead", UNKNOWN_MODEL)
        if rows:
            folder = Path(rows[0]["path"])
            if not modeldir.is_model_dir(folder):
                raise ai_error(
                    f"base model {name} is registered at {folder}, which is no longer a model folder",
                    UNKNOWN_MODEL,
                )
            return folder
        candidates = [homes.base_models_dir(self.home) / name, Path(name).expanduser()]
        for folder in candidates:
            if folder.is_dir() and modeldir.is_model_dir(folder):
                return folder.resolve()
        cached = modeldir.hf_cache_lookup(name)
        if cached is not None:
            return cached
        raise ai_error(
            f"base model {name!r} not found: not a registered model, not in {homes.base_models_dir(self.home)}, "
            f"not a model folder, not in the Hugging Face cache ({modeldir.hf_hub_cache()}); "
            "create one with `fmscript models demo NAME` or add one with `fmscript models add NAME PATH`",
            UNKNOWN_MODEL,
        )

    # -- server job fields and remote jobs (additive: the server and the remote providers) ------

    def set_job_meta(self, job_id: str, data: dict[str, Any]) -> None:
        """OpenAI request fields a server job keeps beside its parameters (suffix, metadata, …)."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO job_meta VALUES (?, ?)", (job_id, json.dumps(data)))

    def job_meta(self, job_id: str) -> dict[str, Any]:
        rows = self._query("SELECT data FROM job_meta WHERE job_id = ?", (job_id,))
        return json.loads(rows[0]["data"]) if rows else {}

    def record_remote_job(
        self, provider: str, base_url: str, job: dict[str, Any], verify_ssl: bool | None = None
    ) -> dict[str, Any]:
        """Insert or update a job a remote provider runs (its last known object; never a key)."""
        now = now_ms()
        with self._tx() as db:
            db.execute(
                "INSERT INTO remote_jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (base_url, id) DO UPDATE"
                " SET status = excluded.status, fine_tuned_model = excluded.fine_tuned_model,"
                " updated_at = excluded.updated_at, job = excluded.job",
                (provider, base_url, str(job["id"]), str(job.get("model") or ""), job.get("fine_tuned_model"),
                 str(job.get("status") or "unknown"), now, now, json.dumps(job), int(verify_ssl is not False)),
            )  # fmt: skip
        return self.get_remote_job(str(job["id"]), base_url)

    @staticmethod
    def _remote(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "provider": row["provider"],
            "base_url": row["base_url"],
            "id": row["id"],
            "model": row["model"],
            "fine_tuned_model": row["fine_tuned_model"],
            "status": row["status"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "job": json.loads(row["job"]),
            "verify_ssl": bool(row["verify_ssl"]),
        }

    def get_remote_job(self, job_id: str, base_url: str | None = None) -> dict[str, Any]:
        sql = "SELECT * FROM remote_jobs WHERE id = ?" + (" AND base_url = ?" if base_url is not None else "")
        rows = self._query(
            sql + " ORDER BY updated_at DESC", (job_id,) if base_url is None else (job_id, base_url)
        )
        if not rows:
            raise ai_error(f"no such fine-tuning job: {job_id}", UNKNOWN_JOB)
        return self._remote(rows[0])

    def list_remote_jobs(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM remote_jobs ORDER BY created_at DESC, id DESC"
        args: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (int(limit),)
        return [self._remote(row) for row in self._query(sql, args)]


def _fine_tuned_on_disk(folder: Path) -> dict[str, Any] | None:
    """A fine-tuned model folder (adapter + card.json) as a model entry, or None."""
    try:
        if not (folder / "adapter_config.json").is_file():
            return None
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(card, dict):
        return None
    created = card.get("created_at")
    return {
        "name": folder.name,
        "kind": "fine-tuned",
        "path": str(folder.resolve()),
        "base_model": card.get("base_model") if isinstance(card.get("base_model"), str) else None,
        "job_id": card.get("job_id") if isinstance(card.get("job_id"), str) else None,
        "created_at": created if isinstance(created, int) else int(folder.stat().st_mtime * 1000),
        "exists": True,
    }
