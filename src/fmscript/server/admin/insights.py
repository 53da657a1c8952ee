"""What the admin page shows that the OpenAI-shaped routes do not: job progress and loss curves,
model sizes, parameter counts and adapter-card losses, and a line-numbered training-file report.

Pure functions over the job store and the model folders (no web framework here), so they are
tested without a server. Progress comes from the job's metrics events — the training callback in
:mod:`fmscript.ai.engines.mlx_local` writes ``{"step", "train_loss", "total_steps", ...}`` every few
steps and ``{"step", "val_loss", ...}`` at each validation — read incrementally (``after=seq``) so
polling the jobs table every second stays cheap however long the runs were.
"""

from __future__ import annotations

import json
import math
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs

from fmscript.ai import datasets
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import Event, Job, Model, ModelCard, Worker

Point = tuple[int, float]


@dataclass
class Curve:
    """The loss reports of one job, in the order they were written."""

    train: list[Point] = field(default_factory=list)
    val: list[Point] = field(default_factory=list)
    step: int = 0
    total_steps: int | None = None
    seen: int = 0  # seq of the last event read

    def add(self, event: Event) -> None:
        self.seen = max(self.seen, event.seq)
        data = event.data or {}
        step = data.get("step")
        if not isinstance(step, int):
            return
        if isinstance(data.get("total_steps"), int):
            self.total_steps = data["total_steps"]
        for key, series in (("train_loss", self.train), ("val_loss", self.val)):
            loss = data.get(key)
            if isinstance(loss, (int, float)) and math.isfinite(loss):
                series.append((step, float(loss)))
                # a validation report at step 0 is the untrained model's loss, not progress
                if key == "train_loss":
                    self.step = max(self.step, step)


class CurveCache:
    """Per-job :class:`Curve` objects brought up to date from the events each time they are read."""

    def __init__(self) -> None:
        self._curves: dict[str, Curve] = {}
        self._lock = threading.Lock()

    def curve(self, store: Store, job_id: str) -> Curve:
        with self._lock:
            curve = self._curves.setdefault(job_id, Curve())
            for event in store.jobs.events(job_id, after=curve.seen):
                curve.add(event)
            return curve

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._curves.pop(job_id, None)


def max_steps(job: Job, curve: Curve) -> int | None:
    """The steps the run will take: what the trainer reported, else the job's parameters."""
    if curve.total_steps:
        return curve.total_steps
    value = job.params.get("max_steps")
    return value if isinstance(value, int) else None


def duration_ms(job: Job, now_ms: int | None = None) -> int | None:
    """Training time: started → finished, or → now while it runs; None before it started."""
    started = job.started_at
    if not started:
        return None
    end = job.finished_at or (now_ms if now_ms is not None else int(time.time() * 1000))
    return max(0, int(end) - int(started))


def job_summary(job: Job, curve: Curve, now_ms: int | None = None) -> dict[str, Any]:
    """One row of the jobs table."""
    steps = max_steps(job, curve)
    step = steps if job.status == "succeeded" and steps else curve.step
    return {
        "id": job.id,
        "status": job.status,
        "model": job.model,
        "fine_tuned_model": job.fine_tuned_model,
        "training_file": job.training_file,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "duration_ms": duration_ms(job, now_ms),
        "step": step,
        "max_steps": steps,
        "last_train_loss": curve.train[-1][1] if curve.train else None,
        "last_val_loss": curve.val[-1][1] if curve.val else None,
        "active": job.active,
        "cancel_requested": job.cancel_requested,
        "error": attrs.asdict(job.error) if job.error else None,
    }


def job_detail(store: Store, job: Job, curve: Curve) -> dict[str, Any]:
    """Everything the job page shows: the row, parameters, losses, result card and all events."""
    events = store.jobs.events(job.id)
    return {
        **job_summary(job, curve),
        "params": job.params,
        "result": job.result.to_json() if job.result else None,
        "train_losses": [list(p) for p in curve.train],
        "val_losses": [list(p) for p in curve.val],
        "events": [
            {"seq": e.seq, "created_at": e.created_at, "level": e.level, "message": e.message, "data": e.data}
            for e in events
            # the traceback of an internal error is for `fmscript jobs events`, not the page
            if not (e.data and "traceback" in e.data)
        ],
    }


# -- models ------------------------------------------------------------------------------------


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (following the Hugging Face cache's blob symlinks)."""
    total = 0
    try:
        entries = list(path.rglob("*")) if path.is_dir() else [path]
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except OSError:
            continue
    return total


def safetensors_parameters(path: Path) -> int | None:
    """Parameter count of a ``.safetensors`` file from its JSON header alone (no tensor is read)."""
    try:
        with path.open("rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            if length > 100_000_000:
                return None
            header = json.loads(fh.read(length))
    except (OSError, ValueError, struct.error):
        return None
    total = 0
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        total += math.prod(int(n) for n in info.get("shape") or [])
    return total


def parameter_count(folder: Path, kind: str) -> int | None:
    """Weights of a base model; the trained LoRA weights of a fine-tuned one."""
    pattern = "adapters.safetensors" if kind == "fine-tuned" else "model*.safetensors"
    counts = [safetensors_parameters(p) for p in sorted(folder.glob(pattern))]
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


def model_info(model: Model) -> dict[str, Any]:
    """One row of the models table: the registry entry plus size, parameters and card losses."""
    folder = Path(model.path)
    exists = model.exists
    card = ModelCard.read(folder) if exists and model.kind == "fine-tuned" else None
    info: dict[str, Any] = {
        "name": model.name,
        "kind": model.kind,
        "base_model": model.base_model,
        "job_id": model.job_id,
        "created_at": model.created_at,
        "exists": exists,
        "size_bytes": folder_size(folder) if exists else None,
        "parameters": parameter_count(folder, model.kind) if exists else None,
        "training": None,
        "losses": None,
    }
    if card is not None:
        params = card.parameters
        info["training"] = {
            key: params.get(key) for key in ("max_steps", "lora_layers", "batch_size", "learning_rate")
        }
        info["losses"] = {
            "initial_train_loss": card.initial_train_loss,
            "final_train_loss": card.final_train_loss,
            "initial_val_loss": card.initial_val_loss,
            "val_loss": card.val_loss,
            "steps": card.steps,
            "trained_tokens": card.trained_tokens,
            "seconds": card.seconds,
        }
        info["n_examples"] = card.data.n_examples
        info["world_size"] = card.world_size
    return info


# -- workers -----------------------------------------------------------------------------------

# An idle ``fmscript worker`` announces itself every poll (about a second); one silent this long
# has died or lost the store. A training worker announces only at each job (its lease keeps it).
SILENT_AFTER_MS = 30_000


def worker_state(worker: Worker, now_ms: int) -> str:
    """stopped (it said so), training (a job), idle (polling), or silent (no word for a while)."""
    if worker.stopped_at is not None:
        return "stopped"
    if worker.job_id:
        return "training"
    return "idle" if now_ms - worker.seen_at < SILENT_AFTER_MS else "silent"


def worker_info(worker: Worker, now_ms: int | None = None) -> dict[str, Any]:
    """One row of the workers table: the worker as it announced itself, plus its state."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    return {**attrs.asdict(worker), "state": worker_state(worker, now)}


# -- training files ---------------------------------------------------------------------------


def validation_report(path: Path, filename: str) -> dict[str, Any]:
    """The line-numbered report of :func:`fmscript.ai.datasets.validate_jsonl` as JSON."""
    report = datasets.validate_jsonl(path)
    return {
        "filename": filename,
        "ok": report.ok,
        "n_lines": report.n_lines,
        "n_examples": report.n_examples,
        "min_examples": datasets.MIN_EXAMPLES,
        "problems": [{"line": line, "reason": reason} for line, reason in report.problems],
        "warnings": [{"line": line, "reason": reason} for line, reason in report.warnings],
        "sha256": report.sha256,
    }
