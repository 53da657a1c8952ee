"""Fine-Tune Parameters for remote providers: what the Fine-Tune Model step sends.

**OpenAI** (``Model Provider: OpenAI``) takes OpenAI's fine-tuning fields. The hyperparameters
``n_epochs``, ``batch_size`` and ``learning_rate_multiplier`` (and ``beta`` for DPO) go to
``method.<type>.hyperparameters`` (a ``method`` or deprecated ``hyperparameters`` object the
script gives is merged with them, the flat keys winning). ``method`` may also be just the type's
name (``"method": "dpo"``), and preference (DPO) training data makes the type ``dpo`` when the
script names none; ``suffix``, ``seed``,
``validation_file``, ``metadata``, ``integrations`` stay top-level. Numeric strings (FileMaker's
``JSONSetElement ( … ; JSONString )``) become numbers. The AI Model Server's keys have no OpenAI
meaning and are refused before anything is uploaded, naming their OpenAI counterpart.

**Custom** (an AI Model Server, ``fmscript serve`` or any OpenAI-compatible server) gets the same
OpenAI mapping for OpenAI's keys, and every other key (``max_steps``, ``learning_rate``,
``lora_layers``, ``batch_size``, ``fine_tuned_model_name``, …) top-level as the script gave it, as
FileMaker sends them to its AI Model Server.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from fmscript.ai.errors import BAD_PARAMETER, ai_error

HYPERPARAMETERS = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta")
INTEGER_HYPERPARAMETERS = ("n_epochs", "batch_size")
METHOD_TYPES = ("supervised", "dpo")  # OpenAI's method.type values fmscript knows
TOP_LEVEL = ("suffix", "seed", "validation_file", "metadata", "integrations", "method", "hyperparameters")
# AI Model Server key -> what OpenAI calls the nearest thing
SERVER_ONLY = {
    "max_steps": "n_epochs (whole passes over the data)",
    "learning_rate": "learning_rate_multiplier (a multiple of OpenAI's own rate)",
    "lora_layers": "nothing (OpenAI does not expose LoRA layers)",
    "fine_tuned_model_name": "suffix (OpenAI names the model ft:<base>:<org>:<suffix>:<id>)",
}
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _number(key: str, value: Any, integer: bool) -> Any:
    """A JSON number, or a numeric string as a number; ``"auto"`` stays."""
    if value == "auto" and key in HYPERPARAMETERS:
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        value = int(text) if _INTEGER.fullmatch(text) else float(text)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ai_error(f"fine-tuning parameter {key!r} must be a number, not {value!r}", BAD_PARAMETER)
    if integer:
        if value != int(value):
            raise ai_error(
                f"fine-tuning parameter {key!r} must be a whole number, not {value!r}", BAD_PARAMETER
            )
        return int(value)
    return value


def _object(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ai_error(f"fine-tuning parameter {key!r} must be a JSON object", BAD_PARAMETER)
    return value


def _method(value: Any) -> dict[str, Any]:
    """A ``method`` parameter: an object, or the name of its type (``"dpo"``)."""
    if isinstance(value, str):
        value = {"type": value.strip().lower()}
    method = copy.deepcopy(_object("method", value))
    kind = method.get("type", "supervised")
    if kind not in METHOD_TYPES:
        known = ", ".join(METHOD_TYPES)
        raise ai_error(f"fine-tuning method {kind!r} is not supported (known: {known})", BAD_PARAMETER)
    return method


def requested_method(params: dict[str, Any]) -> str | None:
    """The method type the parameters name (None: none named, the data decide)."""
    value = params.get("method")
    return None if value is None else str(_method(value).get("type", "supervised"))


def create_args(
    base_model: str,
    file_id: str,
    params: dict[str, Any],
    data_method: str | None = None,
    *,
    server_keys: bool,
) -> dict[str, Any]:
    """The keyword arguments of ``client.fine_tuning.jobs.create`` (``extra_body`` for Custom keys).

    ``server_keys``: the provider is an AI Model Server (Custom), which takes its own keys as the
    script gave them (``batch_size`` included); else (OpenAI) a key OpenAI cannot take raises.

    ``data_method`` is the kind of the training data ("dpo" for preference lines; None: not known
    yet): the method's type when the parameters name none. Raises (code 14) for a key OpenAI cannot take; call it
    before uploading anything.
    """
    args: dict[str, Any] = {"model": base_model, "training_file": file_id}
    hyper: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    method: dict[str, Any] | None = None
    for key, value in params.items():
        if value is None:
            continue
        if key in HYPERPARAMETERS and not (server_keys and key == "batch_size"):
            hyper[key] = _number(key, value, key in INTEGER_HYPERPARAMETERS)
        elif key == "seed":
            args["seed"] = _number(key, value, True)
        elif key == "method":
            method = _method(value)
        elif key == "hyperparameters":
            old = _object(key, value)
            hyper = {**{k: _number(k, v, k in INTEGER_HYPERPARAMETERS) for k, v in old.items()}, **hyper}
        elif key in TOP_LEVEL:
            args[key] = str(value) if key in ("suffix", "validation_file") else value
        elif not server_keys:
            if key in SERVER_ONLY:
                raise ai_error(
                    f"fine-tuning parameter {key!r} is an AI Model Server parameter; OpenAI's counterpart is "
                    f"{SERVER_ONLY[key]}",
                    BAD_PARAMETER,
                )
            known = ", ".join((*HYPERPARAMETERS, *TOP_LEVEL))
            raise ai_error(
                f"unknown fine-tuning parameter {key!r} for OpenAI (known: {known})", BAD_PARAMETER
            )
        else:
            extra[key] = value  # the AI Model Server's keys travel as the script gave them
    if data_method not in (None, "supervised") and method is None:
        method = {"type": data_method}
    if hyper or method is not None:
        method = method or {}
        kind = method.setdefault("type", "supervised")
        if "beta" in hyper and kind != "dpo":
            raise ai_error("fine-tuning parameter 'beta' applies to the dpo method only", BAD_PARAMETER)
        if data_method is not None and data_method != kind:
            raise ai_error(
                f"the training data are {data_method} examples but the method is {kind}", BAD_PARAMETER
            )
        if hyper:
            section = method.setdefault(kind, {})
            if not isinstance(section, dict):
                raise ai_error(f"fine-tuning parameter 'method.{kind}' must be a JSON object", BAD_PARAMETER)
            section["hyperparameters"] = {**(section.get("hyperparameters") or {}), **hyper}
        args["method"] = method
    if extra:
        args["extra_body"] = extra
    return args
