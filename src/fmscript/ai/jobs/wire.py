"""The one mapping from the store's records to the objects clients see.

Two shapes of a fine-tuning job exist, and each is matched field by field:

* **FileMaker's AI Model Server** (the Fine-Tune Model step's Response Target, and fmscript
  serve's ``/llm/v1`` routes, which FileMaker's Custom provider calls): the seed's keys first, in
  order — ``object, id, file_id, model, created_at`` (milliseconds, equal to the id's number),
  ``fine_tuned_model, status, training_file`` (the file's *name*), ``tags`` — then OpenAI's fields.
* **OpenAI** (``/v1``, what the openai SDK reads): ``openai.types.fine_tuning.FineTuningJob`` —
  times in seconds, ``training_file`` the file's id, ``hyperparameters`` with the real
  ``n_epochs``. Events and files likewise (``FineTuningJobEvent``, ``FileObject``).

What fmscript adds beyond OpenAI's fields sits under one key, ``"fmscript"``.
"""

from __future__ import annotations

import math
from typing import Literal

from fmscript.ai.jobs.records import Event, FileRecord, Job, JSONObject, Model, RemoteJob
from fmscript.ai.params import DEFAULTS

Shape = Literal["openai", "ai_model_server"]
SEED_KEYS = (
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
DEFAULT_LEARNING_RATE: float = DEFAULTS["learning_rate"]  # the unit of learning_rate_multiplier
# The AI Model Server's keys, plus fmscript's LoRA keys (fine_tune_type, lora_rank, ..., mask_prompt)
SERVER_KEYS = ("max_steps", "learning_rate", "lora_layers", "batch_size", "fine_tuned_model_name")
LORA_KEYS: tuple[str, ...] = ("fine_tune_type", "lora_rank", "lora_scale", "lora_dropout", "lora_keys")
LORA_KEYS += ("grad_checkpoint", "mask_prompt")


def seconds(ms: int | None) -> int | None:
    return None if ms is None else int(ms // 1000)


def response_target(job: Job) -> JSONObject:
    """The job as the Fine-Tune Model step's Response Target shows it (the seed's keys, in order)."""
    return {
        "object": "fine_tuning.job",
        "id": job.id,
        "file_id": job.file_id,
        "model": job.model,
        "created_at": job.created_at,
        "fine_tuned_model": job.fine_tuned_model,
        "status": job.status,
        "training_file": job.training_file,
        "tags": list(job.tags),
    }


def n_epochs(job: Job) -> int:
    """Epochs as OpenAI counts them: what the client asked for, else the passes over the training
    examples that ``max_steps`` × ``batch_size`` make (at least 1)."""
    asked = job.request.n_epochs() or job.params.get("n_epochs")
    if isinstance(asked, int) and asked > 0:
        return asked
    steps, batch = job.params.get("max_steps"), job.params.get("batch_size", 1)
    if isinstance(steps, int) and isinstance(batch, int) and job.n_examples:
        return max(1, math.ceil(steps * batch / job.n_examples))
    return 1


def hyperparameters(job: Job) -> JSONObject:
    rate = job.params.get("learning_rate", DEFAULT_LEARNING_RATE)
    return {
        "batch_size": job.params.get("batch_size"),
        "learning_rate_multiplier": float(rate) / DEFAULT_LEARNING_RATE
        if isinstance(rate, int | float)
        else 1.0,
        "n_epochs": n_epochs(job),
    }


def method_object(job: Job, hyper: JSONObject) -> JSONObject:
    """OpenAI's ``method``: its type and that type's hyperparameters (DPO adds ``beta``)."""
    kind = str(job.params.get("method") or "supervised")
    if kind == "dpo":
        hyper = {**hyper, "beta": job.params.get("beta", DEFAULTS["beta"])}
    return {"type": kind, kind: {"hyperparameters": hyper}}


def job_object(job: Job, shape: Shape = "openai") -> JSONObject:
    """A job as ``/v1`` (OpenAI) or ``/llm/v1`` (the AI Model Server) answers it."""
    hyper = hyperparameters(job)
    openai_fields: JSONObject = {
        "error": (
            {"code": job.error.code, "message": job.error.message, "param": job.error.param}
            if job.error
            else None
        ),
        "trained_tokens": job.trained_tokens,
        "estimated_finish": None,
        "hyperparameters": hyper,
        "method": method_object(job, hyper),
        "organization_id": "fmscript",
        "result_files": [],
        "seed": int(job.params.get("seed", 0) or 0),
        "validation_file": job.request.validation_file,
        "metadata": job.request.metadata,
        "integrations": None,
    }
    extras: JSONObject = {
        "parameters": {key: job.params.get(key) for key in (*SERVER_KEYS, "seed", *LORA_KEYS)},
        "started_at": job.started_at if shape == "ai_model_server" else seconds(job.started_at),
        "cancel_requested": job.cancel_requested,
        "n_examples": job.n_examples,
        "fm_error": job.error.fm_error if job.error else None,
    }
    if shape == "ai_model_server":
        return {**response_target(job), "finished_at": job.finished_at, **openai_fields, "fmscript": extras}
    extras.update(file_id=job.file_id, training_file_name=job.training_file, tags=list(job.tags))
    return {
        "object": "fine_tuning.job",
        "id": job.id,
        "model": job.model,
        "created_at": seconds(job.created_at),
        "finished_at": seconds(job.finished_at),
        "fine_tuned_model": job.fine_tuned_model,
        "status": job.status,
        "training_file": job.file_id,
        **openai_fields,
        "fmscript": extras,
    }


def event_object(event: Event, shape: Shape = "openai") -> JSONObject:
    """``fine_tuning.job.event``; ``fmscript.seq`` is the event's place in its job's log."""
    return {
        "object": "fine_tuning.job.event",
        "id": event.id,
        "created_at": seconds(event.created_at) if shape == "openai" else event.created_at,
        "level": event.level,
        "message": event.message,
        "type": event.type,
        "data": event.data,
        "fmscript": {"seq": event.seq},
    }


def checkpoint_objects(job: Job, shape: Shape = "openai") -> list[JSONObject]:
    """A succeeded job's checkpoints, newest first: the final adapter, then the intermediate ones
    that ``save_every`` kept (``fm-mlx-name:ckpt-step-N``, as OpenAI names its checkpoints)."""
    card = job.result
    if job.status != "succeeded" or card is None:
        return []
    final_step = card.steps or 0
    suffix = job.id.rsplit("-", 1)[-1]
    rows = [(final_step, job.fine_tuned_model, card.final_train_loss, card.val_loss)]
    for step in sorted(card.checkpoint_steps, reverse=True):
        if step != final_step:
            rows.append((step, f"{job.fine_tuned_model}:ckpt-step-{step}", None, None))
    return [
        {
            "object": "fine_tuning.job.checkpoint",
            "id": f"fm-ftckpt-{suffix}" + ("" if index == 0 else f"-{step}"),
            "created_at": seconds(job.finished_at) if shape == "openai" else job.finished_at,
            "fine_tuned_model_checkpoint": model,
            "fine_tuning_job_id": job.id,
            "step_number": step,
            "metrics": {"step": step, "train_loss": train_loss, "valid_loss": valid_loss},
        }
        for index, (step, model, train_loss, valid_loss) in enumerate(rows)
    ]


def file_object(file: FileRecord, shape: Shape = "openai") -> JSONObject:
    return {
        "id": file.id,
        "object": "file",
        "bytes": file.bytes,
        "created_at": seconds(file.created_at) if shape == "openai" else file.created_at,
        "filename": file.filename,
        "purpose": file.purpose,
        "status": "processed",
        "status_details": None,
        "expires_at": None,
    }


def model_object(model: Model) -> JSONObject:
    return {
        "id": model.name,
        "object": "model",
        "created": int(model.created_at // 1000),
        "owned_by": "fmscript",
        "kind": model.kind,
        "base_model": model.base_model,
    }


def remote_job_json(remote: RemoteJob) -> JSONObject:
    """A recorded remote job as ``fmscript jobs list --json`` prints it: the provider's object
    with where it runs."""
    return {**remote.job, "provider": remote.provider, "base_url": remote.base_url}
