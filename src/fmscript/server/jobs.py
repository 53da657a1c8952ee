"""Fine-tuning jobs over HTTP: OpenAI's request fields and the AI Model Server's, one job object.

Creating a job accepts both vocabularies. The AI Model Server's keys (what FileMaker's Fine-Tune
Model step sends to a Custom provider: ``max_steps``, ``learning_rate``, ``lora_layers``,
``batch_size``, ``fine_tuned_model_name``, numbers or numeric strings) are used as they are.
OpenAI's are translated for the local engine:

===============================  ==========================================================
OpenAI                           local engine
===============================  ==========================================================
``n_epochs`` (``auto`` = 3)      ``max_steps`` = ceil(examples × n_epochs / batch_size)
``batch_size``                   ``batch_size``
``learning_rate_multiplier``     ``learning_rate`` = 2e-4 × multiplier
``suffix``                       ``fine_tuned_model_name`` (when that is not given)
``seed``                         ``seed``
===============================  ==========================================================

The job objects the routes answer with are made by :mod:`fmscript.ai.jobs.wire` (OpenAI's shape on
``/v1``, the seed's AI Model Server shape on ``/llm/v1``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fmscript.ai import datasets, modeldir
from fmscript.ai.errors import BAD_PARAMETER, INVALID_TRAINING_DATA, UNKNOWN_MODEL, ai_error
from fmscript.ai.jobs.records import Job, JobRequest
from fmscript.ai.jobs.wire import LORA_KEYS, SERVER_KEYS
from fmscript.ai.params import DEFAULTS, parse_local_params
from fmscript.ai.service import LocalFineTuning
from fmscript.errors import FMScriptError
from fmscript.server.errors import APIError, from_fmscript

REQUEST_KEYS = ("suffix", "seed", "metadata", "validation_file", "method", "hyperparameters")
AUTO_EPOCHS = 3


def _auto(value: Any) -> bool:
    return value is None or value == "auto"


# OpenAI's documented ranges for its hyperparameters ("n_epochs": 1-50, "batch_size": 1-256).
_HYPER_MAXIMUM = {"n_epochs": 50.0, "batch_size": 256.0, "learning_rate_multiplier": 1000.0, "beta": 1000.0}


def _positive(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise APIError(400, f"{name} must be 'auto' or a number, not {value!r}", param=name) from None
    if not math.isfinite(number) or number <= 0 or isinstance(value, bool):
        raise APIError(400, f"{name} must be more than 0, not {value!r}", param=name)
    if number > _HYPER_MAXIMUM.get(name, number):
        raise APIError(400, f"{name} must be at most {_HYPER_MAXIMUM[name]:g}, not {value!r}", param=name)
    return number


METHOD_TYPES = ("supervised", "dpo")
HYPERPARAMETERS = {"supervised": {"n_epochs", "batch_size", "learning_rate_multiplier"}}
HYPERPARAMETERS["dpo"] = HYPERPARAMETERS["supervised"] | {"beta"}


def method_type(body: dict[str, Any]) -> str | None:
    """The ``method.type`` a create request names (None: none; the training data decide)."""
    method = body.get("method")
    if not method:
        return None
    if not isinstance(method, dict):
        raise APIError(400, "method must be an object", param="method")
    kind = method.get("type", "supervised")
    if kind not in METHOD_TYPES:
        known = ", ".join(map(repr, METHOD_TYPES))
        raise APIError(400, f"method type {kind!r} is not supported here (only {known})", param="method.type")
    return str(kind)


def _hyperparameters(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """OpenAI's hyperparameters: ``method.<type>.hyperparameters`` over the deprecated top level."""
    merged: dict[str, Any] = dict(body.get("hyperparameters") or {})
    merged.update(((body.get("method") or {}).get(kind) or {}).get("hyperparameters") or {})
    unknown = sorted(set(merged) - HYPERPARAMETERS[kind])
    if unknown:
        raise APIError(400, f"unknown hyperparameter {unknown[0]!r}", param=f"hyperparameters.{unknown[0]}")
    return merged


def local_parameters(
    body: dict[str, Any], n_examples: int, max_steps_cap: int | None, kind: str = "supervised"
) -> dict[str, Any]:
    """The Fine-Tune Parameters for :func:`parse_local_params` from a create request (``kind``:
    the method, "supervised" or "dpo")."""
    kind = method_type(body) or kind
    hyper = _hyperparameters(body, kind)
    params: dict[str, Any] = {
        key: body[key] for key in (*SERVER_KEYS, *LORA_KEYS) if body.get(key) is not None
    }
    if kind != "supervised":
        params["method"] = kind
    if not _auto(hyper.get("beta")):
        params["beta"] = _positive("beta", hyper["beta"])
    if "batch_size" not in params and not _auto(hyper.get("batch_size")):
        _positive("batch_size", hyper["batch_size"])
        params["batch_size"] = hyper["batch_size"]
    if "learning_rate" not in params and not _auto(hyper.get("learning_rate_multiplier")):
        multiplier = _positive("learning_rate_multiplier", hyper["learning_rate_multiplier"])
        params["learning_rate"] = DEFAULTS["learning_rate"] * multiplier
    if "max_steps" not in params and "n_epochs" in hyper:
        epochs = AUTO_EPOCHS if _auto(hyper["n_epochs"]) else _positive("n_epochs", hyper["n_epochs"])
        batch = params.get("batch_size", DEFAULTS["batch_size"])
        try:
            batch_number = max(1.0, float(batch))
        except (TypeError, ValueError):
            batch_number = 1.0  # parse_local_params names the bad batch_size
        params["max_steps"] = max(1, math.ceil(n_examples * epochs / batch_number))
    if body.get("validation_file"):
        params["validation_file"] = str(body["validation_file"])  # checked by create_job
    if "fine_tuned_model_name" not in params and body.get("suffix"):
        params["fine_tuned_model_name"] = body["suffix"]
    if body.get("seed") is not None:
        params["seed"] = body["seed"]
    if max_steps_cap is not None:
        asked = parse_local_params({"max_steps": params.get("max_steps", DEFAULTS["max_steps"])}).max_steps
        params["max_steps"] = min(asked, max_steps_cap)
    return params


def _base_model(service: LocalFineTuning, name: str) -> Path | None:
    """The base model's folder, or None for a hub model that is not here yet: the hub is asked
    that it exists now (a clean 404 otherwise); the job's trainer downloads it, with job events."""
    from fmscript.ai import hub

    try:
        return service.store.models.resolve_base(name)
    except FMScriptError as exc:
        if exc.code != UNKNOWN_MODEL or not hub.is_repo_id(name):
            raise
    if service.settings.offline:
        raise hub.offline_error(name)
    hub.Hub(service.settings).plan(name)
    return None


def create_job(service: LocalFineTuning, body: dict[str, Any], max_steps_cap: int | None) -> Job:
    """Validate everything and queue the job for the server's worker."""
    store = service.store
    try:
        file = store.files.get(str(body["training_file"]))
    except FMScriptError:
        raise APIError(
            400, f"invalid training_file: {body['training_file']}", param="training_file"
        ) from None
    if body.get("validation_file"):
        try:
            store.files.get(str(body["validation_file"]))
        except FMScriptError:
            raise APIError(
                400, f"invalid validation_file: {body['validation_file']}", param="validation_file"
            ) from None
    try:
        report = datasets.validate_jsonl(store.files.local_path(file.id), method=method_type(body))
        if not report.ok:
            raise ai_error("invalid training data: " + report.format_text(None), INVALID_TRAINING_DATA)
        asked = local_parameters(body, report.n_examples, max_steps_cap, report.method)
        local = parse_local_params(asked)
        base_path = _base_model(service, str(body["model"]))
        layers = modeldir.layer_count(base_path) if base_path else None
        if layers:
            local = local.capped(layers)
        if local.batch_size > report.n_examples:
            raise ai_error(
                f"fine-tuning parameter 'batch_size' ({local.batch_size}) is more than the "
                f"{report.n_examples} training examples",
                BAD_PARAMETER,
            )
        # A model of the same name is replaced only when this training succeeds (never deleted
        # first); a default name is one the store finds free.
        job = store.jobs.create(
            str(body["model"]), file.id, file.filename, local.to_dict(),
            fine_tuned_model=local.full_name, name_given=bool(asked.get("fine_tuned_model_name")),
            base_model_path=base_path, status="queued", n_examples=report.n_examples,
            request=JobRequest.from_json({key: body.get(key) for key in REQUEST_KEYS}),
        )  # fmt: skip
    except FMScriptError as exc:
        param = {10: "model", 509: "training_file"}.get(exc.code or 0)
        raise from_fmscript(exc, param) from None
    store.jobs.add_event(job.id, "info", f"Validated training file: {report.n_examples} examples")
    for note in local.notes:
        store.jobs.add_event(job.id, "warn", note)
    store.jobs.add_event(job.id, "info", "Job queued")
    # Nobody owns a queued server job: a restarted server (or `fmscript jobs wait`) picks it up.
    store.jobs.release(job.id)
    return store.jobs.get(job.id)
