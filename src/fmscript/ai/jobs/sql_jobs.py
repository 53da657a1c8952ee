"""Jobs and their events, in SQL that SQLite and PostgreSQL share (see :mod:`fmscript.ai.jobs.db`).

A job row records the pid of the process that owns it (the one that submitted it while it is
queued, the one training it while it runs) and a heartbeat. :meth:`SQLJobs.reap_dead` fails every
unfinished job whose process is gone, so a crash never leaves a job ``running`` forever.
"""

from __future__ import annotations

import builtins
import json
import os
import shutil
import socket
import time
from pathlib import Path

import attrs

from fmscript.ai import home as homes
from fmscript.ai.errors import UNKNOWN_JOB, ai_error
from fmscript.ai.jobs.db import Database, Row, Tx
from fmscript.ai.jobs.processes import process_alive, process_start
from fmscript.ai.jobs.records import (
    ACTIVE,
    STATUSES,
    TERMINAL,
    Event,
    Job,
    JobError,
    JobRequest,
    JSONObject,
    ModelCard,
)

HOST = socket.gethostname()
LEASE_MS = 30_000  # a worker that has not renewed its job's lease for this long has lost the job
MAX_ATTEMPTS = 2  # a job whose worker died is trained once more, then failed


def now_ms() -> int:
    return int(time.time() * 1000)


def model_tmp_dir(home: Path, job_id: str) -> Path:
    """Where a job writes its adapter before it is moved into place."""
    return homes.models_dir(home) / f".tmp-{job_id}"


def new_id(tx: Tx, table: str, prefix: str) -> tuple[str, int]:
    """``<prefix><ms>``, one millisecond later while the id is taken; and the ms."""
    ms = now_ms()
    while tx.execute(f"SELECT 1 FROM {table} WHERE id = ?", (f"{prefix}{ms}",)).fetchone():
        ms += 1
    return f"{prefix}{ms}", ms


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value)


def _loads(value: str | None) -> object:
    return json.loads(value) if value else None


def job_from_row(row: Row) -> Job:
    """The one mapping from a ``jobs`` row to a :class:`Job`."""
    result = _loads(row["result"])
    tags = _loads(row["tags"])
    return Job(
        id=row["id"],
        file_id=row["file_id"],
        model=row["model"],
        created_at=row["created_at"],
        fine_tuned_model=row["fine_tuned_model"],
        status=row["status"],
        training_file=row["training_file"],
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        pid=row["pid"],
        heartbeat=row["heartbeat"],
        trained_tokens=row["trained_tokens"],
        base_model_path=row["base_model_path"],
        params=json.loads(row["params"]),
        error=JobError.from_json(_loads(row["error"])),
        result=ModelCard.from_json(result),
        cancel_requested=bool(row["cancel_requested"]),
        pid_start=row["pid_start"],
        request=JobRequest.from_json(_loads(row["request"])),
        n_examples=row["n_examples"],
        name_given=bool(row["name_given"]),
        host=row["host"],
        worker=row["worker"],
        lease_until=row["lease_until"],
        attempts=row["attempts"],
    )


def event_from_row(row: Row) -> Event:
    data = _loads(row["data"])
    return Event(
        job_id=row["job_id"],
        seq=row["job_seq"],
        created_at=row["created_at"],
        level=row["level"],
        type=row["type"],
        message=row["message"],
        data=data if isinstance(data, dict) else None,
    )


def add_event(tx: Tx, job_id: str, level: str, message: str, data: JSONObject | None) -> None:
    """Append an event inside ``tx``: the job's counter gives its sequence number (the row lock
    on the job serialises writers of one job, so the numbers never repeat or go back)."""
    row = tx.execute(
        "UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq", (job_id,)
    ).fetchone()
    if row is None:
        raise ai_error(f"no such fine-tuning job: {job_id}", UNKNOWN_JOB)
    tx.execute(
        "INSERT INTO events (job_id, job_seq, created_at, level, type, message, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            row["event_seq"],
            now_ms(),
            level,
            "metrics" if data else "message",
            message,
            _json(data or None),
        ),
    )


class SQLJobs:
    """Jobs and events of one store."""

    def __init__(self, db: Database, home: Path) -> None:
        self.db = db
        self.home = home

    # -- creating ----------------------------------------------------------------------------

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
    ) -> Job:
        """Record a job owned by process ``pid`` (default: this one); ``fm-ftjob-<ms>``, created_at
        the same ms. Without ``name_given`` the model name is the first of ``fm-mlx-<root>``,
        ``fm-mlx-<root>-2``, … that no job, model or model folder uses, chosen inside the
        transaction that records the job, so concurrent processes never get the same name."""
        from fmscript.ai.params import MODEL_PREFIX, full_model_name

        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        name = fine_tuned_model or full_model_name(str(params.get("fine_tuned_model_name", "")))
        pid = os.getpid() if pid is None else pid
        with self.db.tx() as tx:
            if not name_given:
                self.db.lock_names(tx)
                name = self._free_name(tx, name)
                params = {**params, "fine_tuned_model_name": name.removeprefix(MODEL_PREFIX)}
            job_id, created = new_id(tx, "jobs", "fm-ftjob-")
            tx.execute(
                "INSERT INTO jobs (id, model, base_model_path, file_id, training_file, fine_tuned_model, params,"
                " tags, status, created_at, pid, pid_start, heartbeat, request, n_examples, name_given, host)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id, base_model, str(base_model_path) if base_model_path else None, file_id,
                    training_file_name, name, json.dumps(params), json.dumps(tags if tags is not None else ["fine-tune"]),
                    status, created, pid, process_start(pid), created,
                    _json(attrs.asdict(request)) if request else None, n_examples, int(name_given), HOST,
                ),
            )  # fmt: skip
            add_event(tx, job_id, "info", f"Created fine-tuning job {job_id}", None)
        return self.get(job_id)

    def _free_name(self, tx: Tx, root: str) -> str:
        candidate, n = root, 1
        while (
            tx.execute("SELECT 1 FROM jobs WHERE fine_tuned_model = ?", (candidate,)).fetchone()
            or tx.execute("SELECT 1 FROM models WHERE name = ?", (candidate,)).fetchone()
            or (homes.models_dir(self.home) / candidate).exists()
        ):
            n += 1
            candidate = f"{root}-{n}"
        return candidate

    def set_request(self, job_id: str, request: JobRequest) -> None:
        """The OpenAI request fields a server job keeps beside its parameters."""
        with self.db.tx() as tx:
            tx.execute("UPDATE jobs SET request = ? WHERE id = ?", (_json(attrs.asdict(request)), job_id))

    # -- reading -----------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            raise ai_error(f"no such fine-tuning job: {job_id}", UNKNOWN_JOB)
        return job_from_row(rows[0])

    def list(self, status: str | None = None, limit: int | None = None) -> builtins.list[Job]:
        """Jobs, newest first (optionally one status only)."""
        sql = (
            "SELECT * FROM jobs"
            + (" WHERE status = ?" if status else "")
            + " ORDER BY created_at DESC, id DESC"
        )
        args: tuple[object, ...] = (status,) if status else ()
        if limit is not None:
            sql += " LIMIT ?"
            args += (int(limit),)
        return [job_from_row(row) for row in self.db.query(sql, args)]

    # -- status changes ----------------------------------------------------------------------

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
    ) -> bool:
        """Move a job to ``status`` (only from one of ``expect`` when given); False when it was not."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if isinstance(error, str):
            error = JobError("error", error)
        now = now_ms()
        sets = ["status = ?"]
        args: list[object] = [status]
        if status == "running":
            sets += ["started_at = ?", "pid = ?", "pid_start = ?", "heartbeat = ?", "host = ?"]
            args += [now, os.getpid(), process_start(os.getpid()), now, HOST]
        if status in TERMINAL:
            sets.append("finished_at = ?")
            args.append(now)
        if error is not None:
            sets.append("error = ?")
            args.append(json.dumps(attrs.asdict(error)))
        if result is not None:
            sets.append("result = ?")
            args.append(json.dumps(result.to_json()))
        if trained_tokens is not None:
            sets.append("trained_tokens = ?")
            args.append(trained_tokens)
        sql = f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?"
        args.append(job_id)
        if expect:
            sql += f" AND status IN ({', '.join('?' * len(expect))})"
            args.extend(expect)
        with self.db.tx() as tx:
            changed = tx.execute(sql, tuple(args)).rowcount > 0
            if changed:
                text = message or (error.message if error else "") or f"Job {status.replace('_', ' ')}"
                add_event(tx, job_id, "error" if status == "failed" else "info", text, None)
        if not changed and not expect:
            self.get(job_id)  # raises for an unknown id
        return changed

    def claim(self, job_id: str) -> bool:
        """queued → running, owned by this process (False when someone else got it first)."""
        return self.set_status(job_id, "running", expect=("queued",), message="Fine-tuning started")

    def heartbeat(self, job_id: str) -> bool:
        """Record that this process still trains the job (a worker's lease is renewed); returns
        whether it should stop: a cancel was requested, or the job is no longer running here."""
        now = now_ms()
        with self.db.tx() as tx:
            # A worker's lease keeps its length (lease_until - heartbeat, as claim_next set it); a
            # job taken over by another worker meanwhile is no longer this process's to renew.
            row = tx.execute(
                "UPDATE jobs SET heartbeat = ?, lease_until = CASE WHEN worker IS NULL THEN lease_until"
                " ELSE ? + (lease_until - heartbeat) END WHERE id = ? AND (worker IS NULL OR (pid = ? AND host = ?))"
                " RETURNING cancel_requested, status",
                (now, now, job_id, os.getpid(), HOST),
            ).fetchone()
        return bool(row is None or row["cancel_requested"] or row["status"] != "running")

    def request_cancel(self, job_id: str) -> Job:
        """Cancel a job at once (OpenAI's cancel answers ``cancelled``). A trainer running it sees
        the flag at its next heartbeat and stops; a job cancelled meanwhile installs no model."""
        job = self.get(job_id)
        if job.terminal:
            return job
        with self.db.tx() as tx:
            tx.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
            add_event(tx, job_id, "info", "Cancellation requested", None)
        self.set_status(job_id, "cancelled", expect=ACTIVE, message="Job cancelled")
        return self.get(job_id)

    def release(self, job_id: str) -> bool:
        """Let go of a queued job this process owns: it stays queued for whoever runs it later
        (``fmscript jobs wait``, the server) instead of failing when this process ends."""
        with self.db.tx() as tx:
            changed = tx.execute(
                "UPDATE jobs SET pid = NULL, pid_start = NULL WHERE id = ? AND status = 'queued' AND pid = ?",
                (job_id, os.getpid()),
            ).rowcount
            if changed:
                add_event(
                    tx,
                    job_id,
                    "info",
                    "Job queued: it trains when `fmscript jobs wait` or the server picks it up",
                    None,
                )
        return bool(changed)

    def requeue(self, job_id: str, reason: str) -> bool:
        """running -> queued, owned by nobody (the server stopping mid-training: it starts over
        when a trainer picks it up again); False when the job was not running."""
        with self.db.tx() as tx:
            changed = tx.execute(
                "UPDATE jobs SET status = 'queued', pid = NULL, pid_start = NULL, started_at = NULL,"
                " cancel_requested = 0, worker = NULL, lease_until = NULL,"
                " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
                " WHERE id = ? AND status = 'running'",
                (job_id,),
            ).rowcount
            if changed:
                add_event(tx, job_id, "warn", f"Job queued again: {reason}", None)
        if changed:
            shutil.rmtree(model_tmp_dir(self.home, job_id), ignore_errors=True)
        return bool(changed)

    def reap_dead(self) -> builtins.list[str]:
        """Fail every unfinished job whose owning process is gone; return their ids."""
        reaped: builtins.list[str] = []
        rows = self.db.query(
            f"SELECT id, status, pid, pid_start, host, worker FROM jobs WHERE status IN ({', '.join('?' * len(ACTIVE))})",
            ACTIVE,
        )
        reaped += self.expire_leases()
        for row in rows:
            if row["pid"] is None or row["worker"] is not None or row["host"] not in (None, HOST):
                continue  # a worker's job is its lease's (expire_leases); another machine's pid is not ours
            if process_alive(row["pid"], row["pid_start"]):
                continue
            if row["status"] == "running":
                message = f"the process training it stopped (pid {row['pid']})"
            else:
                message = f"the process that queued it stopped before training it (pid {row['pid']})"
            error = json.dumps(attrs.asdict(JobError("process_stopped", message)))
            with self.db.tx() as tx:
                changed = tx.execute(
                    "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE id = ? AND status = ? AND pid = ?",
                    (now_ms(), error, row["id"], row["status"], row["pid"]),
                ).rowcount
                if changed:
                    add_event(tx, row["id"], "error", f"Job failed: {message}", None)
            if changed:
                shutil.rmtree(model_tmp_dir(self.home, row["id"]), ignore_errors=True)
                reaped.append(row["id"])
        return reaped

    # -- workers' leases ---------------------------------------------------------------------

    def claim_next(self, worker: str, lease_ms: int | None = None) -> Job | None:
        """The oldest queued job nobody owns, now running on ``worker`` with a lease; None when
        there is none. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets workers claim side by side
        without waiting on each other; SQLite's one writer serialises them anyway."""
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        lease = LEASE_MS if lease_ms is None else lease_ms
        now = now_ms()
        with self.db.tx() as tx:
            row = tx.execute(
                "SELECT id FROM jobs WHERE status = 'queued' AND pid IS NULL ORDER BY created_at, id LIMIT 1"
                + lock
            ).fetchone()
            if row is None:
                return None
            tx.execute(
                "UPDATE jobs SET status = 'running', worker = ?, lease_until = ?, attempts = attempts + 1,"
                " started_at = ?, heartbeat = ?, pid = ?, pid_start = ?, host = ? WHERE id = ?",
                (worker, now + lease, now, now, os.getpid(), process_start(os.getpid()), HOST, row["id"]),
            )
            attempt = tx.execute("SELECT attempts FROM jobs WHERE id = ?", (row["id"],)).fetchone()[
                "attempts"
            ]
            add_event(
                tx, row["id"], "info", f"Fine-tuning started on worker {worker} (attempt {attempt})", None
            )
        return self.get(row["id"])

    def expire_leases(self) -> builtins.list[str]:
        """Running jobs whose worker stopped renewing its lease (killed, powered off, cut off):
        queued again for another worker once, failed with the reason the second time."""
        now = now_ms()
        changed: builtins.list[str] = []
        rows = self.db.query(
            "SELECT id, worker, attempts FROM jobs WHERE status = 'running' AND lease_until < ?", (now,)
        )
        for row in rows:
            gone = f"its worker {row['worker']} stopped renewing its lease"
            with self.db.tx() as tx:
                if row["attempts"] < MAX_ATTEMPTS:
                    done = tx.execute(
                        "UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, pid = NULL,"
                        " pid_start = NULL, started_at = NULL WHERE id = ? AND status = 'running' AND lease_until < ?",
                        (row["id"], now),
                    ).rowcount
                    if done:
                        add_event(tx, row["id"], "warn", f"Job queued again: {gone}; trying once more", None)
                else:
                    error = json.dumps(attrs.asdict(JobError("worker_lost", f"{gone}, twice")))
                    done = tx.execute(
                        "UPDATE jobs SET status = 'failed', finished_at = ?, error = ?, lease_until = NULL"
                        " WHERE id = ? AND status = 'running' AND lease_until < ?",
                        (now, error, row["id"], now),
                    ).rowcount
                    if done:
                        add_event(tx, row["id"], "error", f"Job failed: {gone}, twice", None)
            if done:
                changed.append(row["id"])
        return changed

    def queue_depth(self) -> int:
        return int(self.db.query("SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'")[0]["n"])

    # -- events ------------------------------------------------------------------------------

    def add_event(self, job_id: str, level: str, message: str, data: JSONObject | None = None) -> None:
        """Append an event (``level`` info|warn|error; with ``data`` it is a metrics event)."""
        with self.db.tx() as tx:
            add_event(tx, job_id, level, message, data)

    def events(self, job_id: str, after: int = 0, limit: int | None = None) -> builtins.list[Event]:
        """A job's events in order; ``after`` is the ``seq`` of the last one already seen."""
        sql = "SELECT * FROM events WHERE job_id = ? AND job_seq > ? ORDER BY job_seq"
        args: tuple[object, ...] = (job_id, after)
        if limit is not None:
            sql += " LIMIT ?"
            args += (int(limit),)
        return [event_from_row(row) for row in self.db.query(sql, args)]
