"""Training files, in SQL that SQLite and PostgreSQL share; the content lies in
``<home>/files/<id>.jsonl``."""

from __future__ import annotations

import builtins
import hashlib
from pathlib import Path

from fmscript.ai import home as homes
from fmscript.ai.errors import CANNOT_CREATE_FILE, FILE_MISSING, ai_error
from fmscript.ai.jobs.db import Database, Row
from fmscript.ai.jobs.records import FileRecord
from fmscript.ai.jobs.sql_jobs import new_id


def stored_path(home: Path, path: Path | str) -> str:
    """A path as the store keeps it: relative to the home when inside it (a home can move)."""
    full = Path(path).resolve()
    try:
        return full.relative_to(Path(home).resolve()).as_posix()
    except ValueError:
        return str(full)


def local_path(home: Path, stored: str) -> Path:
    """The path on this machine of a path as the store keeps it."""
    path = Path(stored)
    return path if path.is_absolute() else Path(home) / path


class SQLFiles:
    """Training files of one store."""

    def __init__(self, db: Database, home: Path) -> None:
        self.db = db
        self.home = home

    def _file(self, row: Row) -> FileRecord:
        return FileRecord(
            id=row["id"],
            filename=row["filename"],
            path=str(local_path(self.home, row["path"])),
            bytes=row["bytes"],
            sha256=row["sha256"],
            purpose=row["purpose"],
            created_at=row["created_at"],
        )

    def create(self, path: Path | str, filename: str | None = None) -> FileRecord:
        """Copy a training JSONL into ``<home>/files`` and record it (id ``fm-ft-train-<ms>``)."""
        source = Path(path)
        if not source.is_file():
            raise ai_error(f"training file not found: {source}", FILE_MISSING)
        with self.db.tx() as tx:
            file_id, created = new_id(tx, "files", "fm-ft-train-")
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
            tx.execute(
                "INSERT INTO files (id, filename, path, bytes, sha256, purpose, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (file_id, filename or source.name, stored_path(self.home, target), size,
                 digest.hexdigest(), "fine-tune", created),
            )  # fmt: skip
        return self.get(file_id)

    def get(self, file_id: str) -> FileRecord:
        rows = self.db.query("SELECT * FROM files WHERE id = ?", (file_id,))
        if not rows:
            raise ai_error(f"no such file: {file_id}", FILE_MISSING)
        return self._file(rows[0])

    def list(self) -> builtins.list[FileRecord]:
        """Every stored file, newest first."""
        return [
            self._file(row) for row in self.db.query("SELECT * FROM files ORDER BY created_at DESC, id DESC")
        ]

    def local_path(self, file_id: str) -> Path:
        """The file's content on this machine."""
        return Path(self.get(file_id).path)

    def delete(self, file_id: str) -> FileRecord:
        """Forget a file and remove its copy (its jobs keep their file id)."""
        file = self.get(file_id)
        with self.db.tx() as tx:
            tx.execute("DELETE FROM files WHERE id = ?", (file_id,))
        Path(file.path).unlink(missing_ok=True)
        return file
