"""The model registry and the jobs remote providers run, in SQL that SQLite and PostgreSQL share."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

from fmscript.ai import home as homes
from fmscript.ai import modeldir
from fmscript.ai.errors import UNKNOWN_JOB, UNKNOWN_MODEL, ai_error
from fmscript.ai.jobs.db import Database, Row
from fmscript.ai.jobs.records import JSONObject, Model, ModelCard, RemoteJob
from fmscript.ai.jobs.sql_files import local_path, stored_path
from fmscript.ai.jobs.sql_jobs import now_ms


def fine_tuned_on_disk(folder: Path) -> Model | None:
    """A fine-tuned model folder (adapter + card.json) as a model entry, or None."""
    if not (folder / "adapter_config.json").is_file():
        return None
    card = ModelCard.read(folder)
    if card is None:
        return None
    try:
        created = card.created_at if isinstance(card.created_at, int) else int(folder.stat().st_mtime * 1000)
    except OSError:
        return None
    return Model(
        name=folder.name,
        kind="fine-tuned",
        path=str(folder.resolve()),
        base_model=card.base_model if isinstance(card.base_model, str) else None,
        job_id=card.job_id if isinstance(card.job_id, str) else None,
        created_at=created,
        exists=True,
    )


class SQLModels:
    """Base and fine-tuned models of one store."""

    def __init__(self, db: Database, home: Path) -> None:
        self.db = db
        self.home = home

    def _model(self, row: Row) -> Model:
        path = local_path(self.home, row["path"])
        return Model(
            name=row["name"],
            kind=row["kind"],
            path=str(path),
            base_model=row["base_model"],
            job_id=row["job_id"],
            created_at=row["created_at"],
            exists=path.exists(),
        )

    def _register(self, name: str, kind: str, path: Path, base_model: str | None, job_id: str | None) -> None:
        with self.db.tx() as tx:
            tx.execute(
                "INSERT INTO models (name, kind, path, base_model, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, path = excluded.path,"
                " base_model = excluded.base_model, job_id = excluded.job_id, created_at = excluded.created_at",
                (name, kind, stored_path(self.home, path), base_model, job_id, now_ms()),
            )

    def add_base(self, name: str, path: Path | str) -> Model:
        """Register a local model folder (``mlx_lm.load`` form) under a name."""
        folder = modeldir.user_path(path)
        if not modeldir.is_model_dir(folder):
            raise ai_error(
                f"{folder} is not a model folder (config.json and model*.safetensors)", UNKNOWN_MODEL
            )
        self._register(name, "base", folder, None, None)
        return self.get(name)

    def add_fine_tuned(self, name: str, path: Path, base_model: str, job_id: str) -> Model:
        self._register(name, "fine-tuned", path, base_model, job_id)
        return self.get(name)

    def find(self, name: str) -> Model | None:
        """The registered model ``name``, or None."""
        rows = self.db.query("SELECT * FROM models WHERE name = ?", (name,))
        return self._model(rows[0]) if rows else None

    def get(self, name: str) -> Model:
        found = self.find(name)
        if found is not None:
            return found
        folder = homes.base_models_dir(self.home) / name
        if modeldir.is_model_dir(folder):
            return Model(name, "base", str(folder), None, None, int(folder.stat().st_mtime * 1000), True)
        tuned = self.on_disk(homes.models_dir(self.home) / name) if "/" not in name else None
        if tuned is not None:
            return tuned
        raise ai_error(f"no such model: {name}", UNKNOWN_MODEL)

    def list(self) -> builtins.list[Model]:
        """Registered models plus the folders in ``<home>/base-models``, base models first."""
        models = {row["name"]: self._model(row) for row in self.db.query("SELECT * FROM models")}
        root = homes.base_models_dir(self.home)
        for config in sorted(root.glob("**/config.json")):
            name = config.parent.relative_to(root).as_posix()
            if name not in models and modeldir.is_model_dir(config.parent):
                models[name] = self.get(name)
        # Fine-tuned models on disk that the store does not know (an emptied or re-created
        # jobs.sqlite): their adapter and card are all that is needed, so they are listed again.
        tuned = homes.models_dir(self.home)
        for folder in sorted(tuned.iterdir()) if tuned.is_dir() else []:
            if folder.name not in models and (found := self.on_disk(folder)) is not None:
                models[folder.name] = found
        return sorted(models.values(), key=lambda m: (m.kind != "base", m.name))

    def on_disk(self, folder: Path) -> Model | None:
        """A fine-tuned model folder the store does not know (an emptied or re-created jobs.sqlite)."""
        return fine_tuned_on_disk(folder)

    def fetch(self, name: str) -> Path | None:
        """The folder of fine-tuned model ``name`` on this machine (already here: the home holds it)."""
        folder = homes.models_dir(self.home) / name
        return folder if "/" not in name and (folder / "adapter_config.json").is_file() else None

    def remove(self, name: str) -> Model:
        """Forget a model; its folder is deleted when it lies inside the fmscript home."""
        import shutil

        model = self.get(name)
        with self.db.tx() as tx:
            tx.execute("DELETE FROM models WHERE name = ?", (name,))
        folder = Path(model.path).resolve()
        if folder.is_relative_to(self.home.resolve()) and folder != self.home.resolve():
            shutil.rmtree(folder, ignore_errors=True)
        return model

    def resolve_base(self, name: str) -> Path:
        """A base model's folder: a registered name, ``<home>/base-models/<name>``, a local path, or
        the Hugging Face cache (offline). Anything else is an error (code 10) saying where it looked."""
        found = self.find(name)
        if found is not None and found.kind == "fine-tuned" or (found is None and name.startswith("fm-mlx-")):
            raise ai_error(f"{name} is a fine-tuned model; fine-tune its base model instead", UNKNOWN_MODEL)
        if found is not None:
            folder = Path(found.path)
            if not modeldir.is_model_dir(folder):
                raise ai_error(
                    f"base model {name} is registered at {folder}, which is no longer a model folder",
                    UNKNOWN_MODEL,
                )
            return folder
        candidates = [homes.base_models_dir(self.home) / name, modeldir.user_path(name)]
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


class SQLRemoteJobs:
    """Jobs remote providers run: their provider, base URL, id and last known object (never a key)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _remote(row: Row) -> RemoteJob:
        job = json.loads(row["job"])
        return RemoteJob(
            provider=row["provider"],
            base_url=row["base_url"],
            id=row["id"],
            model=row["model"],
            fine_tuned_model=row["fine_tuned_model"],
            status=row["status"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            job=job if isinstance(job, dict) else {},
            verify_ssl=bool(row["verify_ssl"]),
        )

    def record(
        self, provider: str, base_url: str, job: JSONObject, verify_ssl: bool | None = None
    ) -> RemoteJob:
        """Insert or update a job a remote provider runs (its last known object)."""
        now = now_ms()
        with self.db.tx() as tx:
            tx.execute(
                "INSERT INTO remote_jobs (provider, base_url, id, model, fine_tuned_model, status, created_at,"
                " updated_at, job, verify_ssl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (base_url, id) DO UPDATE"
                " SET status = excluded.status, fine_tuned_model = excluded.fine_tuned_model,"
                " updated_at = excluded.updated_at, job = excluded.job",
                (provider, base_url, str(job["id"]), str(job.get("model") or ""), job.get("fine_tuned_model"),
                 str(job.get("status") or "unknown"), now, now, json.dumps(job), int(verify_ssl is not False)),
            )  # fmt: skip
        return self.get(str(job["id"]), base_url)

    def get(self, job_id: str, base_url: str | None = None) -> RemoteJob:
        sql = "SELECT * FROM remote_jobs WHERE id = ?" + (" AND base_url = ?" if base_url is not None else "")
        rows = self.db.query(
            sql + " ORDER BY updated_at DESC", (job_id,) if base_url is None else (job_id, base_url)
        )
        if not rows:
            raise ai_error(f"no such fine-tuning job: {job_id}", UNKNOWN_JOB)
        return self._remote(rows[0])

    def list(self, limit: int | None = None) -> builtins.list[RemoteJob]:
        sql = "SELECT * FROM remote_jobs ORDER BY created_at DESC, id DESC"
        args: tuple[object, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (int(limit),)
        return [self._remote(row) for row in self.db.query(sql, args)]
