"""What the job store keeps, as typed records: files, jobs, events, models, model cards and the
jobs remote providers run. Every store (SQLite, PostgreSQL) reads and writes these; the OpenAI wire
shapes are made from them in :mod:`fmscript.ai.jobs.wire` only.

Times are integer milliseconds since the epoch (the AI Model Server's ``fm-ftjob-<ms>`` ids use the
same clock); the wire mapping turns them into OpenAI's seconds where OpenAI counts seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

STATUSES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled")
ACTIVE = ("validating_files", "queued", "running")
TERMINAL = ("succeeded", "failed", "cancelled")
LEVELS = ("info", "warn", "error")

# A JSON object as read from the store or a card (values are whatever JSON holds).
JSONObject = dict[str, Any]


@attrs.frozen
class FileRecord:
    """An uploaded or copied training file (``fm-ft-train-<ms>``)."""

    id: str
    filename: str
    path: str  # where its content lies on this machine
    bytes: int
    sha256: str
    purpose: str
    created_at: int


@attrs.frozen
class JobError:
    """Why a job failed: OpenAI's ``{code, message, param}`` and FileMaker's error number."""

    code: str
    message: str
    param: str | None = None
    fm_error: int | None = None

    @classmethod
    def from_json(cls, data: object) -> JobError | None:
        if not isinstance(data, dict):
            return None
        fm = data.get("fm_error")
        return cls(
            str(data.get("code") or "error"),
            str(data.get("message") or ""),
            data.get("param") if isinstance(data.get("param"), str) else None,
            fm if isinstance(fm, int) else None,
        )


@attrs.frozen
class JobRequest:
    """The OpenAI request fields a job keeps beside its training parameters (server jobs)."""

    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] | None = None
    validation_file: str | None = None
    method: JSONObject | None = None
    hyperparameters: JSONObject | None = None

    @classmethod
    def from_json(cls, data: object) -> JobRequest:
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def n_epochs(self) -> int | None:
        """The ``n_epochs`` the client asked for (``method`` over the deprecated top level), if a number."""
        for source in (
            ((self.method or {}).get("supervised") or {}).get("hyperparameters"),
            self.hyperparameters,
        ):
            value = (source or {}).get("n_epochs") if isinstance(source, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                return int(value)
        return None


@attrs.frozen
class CardData:
    """What a fine-tuned model was trained from."""

    file_id: str | None = None
    training_file: str | None = None
    sha256: str | None = None
    n_examples: int | None = None
    n_train: int | None = None
    n_valid: int | None = None
    # the training file's examples (0-based) held out for validation: fmscript eval's default
    validation_examples: list[int] = attrs.field(factory=list)


def _card_data(value: object) -> CardData:
    if isinstance(value, CardData):
        return value
    if not isinstance(value, dict):
        return CardData()
    known = {f.name for f in attrs.fields(CardData)}
    return CardData(**{k: v for k, v in value.items() if k in known})


@attrs.frozen
class ModelCard:
    """A fine-tuned model's ``card.json``: what it was trained from, how, and how it went."""

    name: str = ""
    base_model: str | None = None
    base_model_path: str | None = None
    job_id: str | None = None
    fine_tune_type: str | None = None  # lora, dora or full
    parameters: JSONObject = attrs.field(factory=dict)
    notes: list[str] = attrs.field(factory=list)
    lora_parameters: JSONObject = attrs.field(factory=dict)
    data: CardData = attrs.field(factory=CardData, converter=_card_data)
    initial_train_loss: float | None = None
    final_train_loss: float | None = None
    last_reported_train_loss: float | None = None
    initial_val_loss: float | None = None
    val_loss: float | None = None
    steps: int | None = None
    n_epochs: int | None = None
    best_step: int | None = None  # early stopping: the step whose adapter was kept
    stopped_at: int | None = None
    checkpoint_steps: list[int] = attrs.field(factory=list)
    trained_tokens: int | None = None
    tokens_per_second: float | None = None
    train_seconds: float | None = None
    loop_seconds: float | None = None
    seconds: float | None = None
    peak_memory_gb: float | None = None
    created_at: int | None = None
    mlx_lm_version: str | None = None
    world_size: int = 1  # training processes whose gradients were averaged (mlx.distributed)
    # preference training (``method: dpo``) only
    method: str | None = None
    beta: float | None = None
    reward_margin: float | None = None
    preference_accuracy: float | None = None
    # keys a newer fmscript wrote that this one does not know: kept so a card round-trips
    extra: JSONObject = attrs.field(factory=dict)

    @classmethod
    def from_json(cls, data: object) -> ModelCard | None:
        if not isinstance(data, dict):
            return None
        known = {f.name for f in attrs.fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        try:
            return cls(**values, extra={k: v for k, v in data.items() if k not in known})
        except TypeError:
            return None

    def to_json(self) -> JSONObject:
        data = attrs.asdict(self, recurse=True)
        extra = data.pop("extra")
        return {**data, **extra}

    @classmethod
    def read(cls, folder: Path) -> ModelCard | None:
        """The card in a model folder, or None (no card, unreadable, not a card)."""
        try:
            return cls.from_json(json.loads((Path(folder) / "card.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def write(self, folder: Path) -> None:
        (Path(folder) / "card.json").write_text(
            json.dumps(self.to_json(), indent=2, ensure_ascii=False), encoding="utf-8"
        )


@attrs.frozen
class Job:
    """A local fine-tuning job (``fm-ftjob-<ms>``). Field order: the order ``fmscript jobs show`` prints."""

    id: str
    file_id: str
    model: str  # the base model's name as asked for
    created_at: int
    fine_tuned_model: str
    status: str
    training_file: str  # the training file's name (the AI Model Server shows the name)
    tags: list[str]
    started_at: int | None = None
    finished_at: int | None = None
    pid: int | None = None  # the process that owns it (the submitter while queued, the trainer)
    heartbeat: int | None = None
    trained_tokens: int | None = None
    base_model_path: str | None = None
    params: JSONObject = attrs.field(factory=dict)  # fmscript.ai.params.LocalParams.to_dict()
    error: JobError | None = None
    result: ModelCard | None = None
    cancel_requested: bool = False
    pid_start: str | None = None
    request: JobRequest = attrs.field(factory=JobRequest)
    n_examples: int | None = None
    name_given: bool = True  # the user named the model (else the store chose a free default name)
    host: str | None = None  # the machine of the owning process
    worker: str | None = None  # the worker (host:pid) whose lease holds it (fmscript worker)
    lease_until: int | None = None
    attempts: int = 0  # trainings a worker started (a job whose worker died is retried once)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def to_json(self) -> JSONObject:
        """Everything the store knows, as ``fmscript jobs show``/``list --json`` print it."""
        data = attrs.asdict(self, recurse=True)
        if self.result is not None:
            data["result"] = self.result.to_json()
        return {"object": "fine_tuning.job", **data}


@attrs.frozen
class Event:
    """One entry of a job's log. ``seq`` counts 1, 2, 3… per job, in the order they were written."""

    job_id: str
    seq: int
    created_at: int
    level: str
    type: str  # "message" | "metrics"
    message: str
    data: JSONObject | None = None

    @property
    def id(self) -> str:
        return f"fm-ftevent-{self.job_id.removeprefix('fm-ftjob-')}-{self.seq}"

    def to_json(self) -> JSONObject:
        return {"object": "fine_tuning.job.event", "id": self.id, **attrs.asdict(self)}


@attrs.frozen
class Model:
    """A base or fine-tuned model the store knows (registered, or found in the home's folders)."""

    name: str
    kind: str  # "base" | "fine-tuned"
    path: str
    base_model: str | None
    job_id: str | None
    created_at: int
    exists: bool = True

    def to_json(self) -> JSONObject:
        return attrs.asdict(self)


@attrs.frozen
class RemoteJob:
    """A job a remote provider (OpenAI, Custom) runs: where, and its last known object — never a key."""

    provider: str
    base_url: str
    id: str
    model: str = ""
    fine_tuned_model: str | None = None
    status: str = "unknown"
    created_at: int = 0
    updated_at: int = 0
    job: JSONObject = attrs.field(factory=dict)  # the provider's job object as it sent it
    verify_ssl: bool = True


@attrs.frozen
class Worker:
    """A process that trains a store's jobs (``fmscript worker``), as it announced itself."""

    id: str  # host:pid
    host: str
    pid: int
    device: str
    free_memory_gb: float | None
    world_size: int
    started_at: int
    seen_at: int
    job_id: str | None = None
    stopped_at: int | None = None
