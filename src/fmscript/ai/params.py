"""Fine-Tune Model parameters for the local (mlx) provider, as the AI Model Server takes them.

=====================  =========================  ==========================================
key                    default                    accepted
=====================  =========================  ==========================================
max_steps              1000                       integer 1 … 10,000,000
learning_rate          2e-4                       number > 0 and <= 1
lora_layers            4                          integer 1 … 1,000 (capped to the model's layers)
batch_size             1                          integer 1 … 4,096
fine_tuned_model_name  a timestamp (20261123-181502)  text; spaces become hyphens
seed                   0                          integer >= 0 (fmscript extension)
fine_tune_type         lora                       lora, dora or full (mlx-lm's three kinds)
lora_rank              8                          integer >= 1
lora_scale             20                         number > 0 (mlx-lm's scale: alpha / rank)
lora_dropout           0                          number >= 0 and < 1
lora_keys              the family's usual modules  a list (or comma-separated text) of module
                                                  paths within a block: ``self_attn.q_proj``, ...
grad_checkpoint        false                      true/false: recompute activations (less memory)
mask_prompt            true                       true: loss on the answers only; false: on
                                                  every token of the conversation
method                 supervised                 supervised | dpo (fmscript extension: DPO on
                                                  preference data, OpenAI's format)
beta                   0.1                        number > 0 (DPO's β: how far from the base)
rpo_alpha              0                          number >= 0 (DPO + that multiple of the
                                                  preferred answer's NLL, as TRL's rpo_alpha)
n_epochs               0 (off: max_steps)         integer >= 0: steps = passes over the training
                                                  set (OpenAI's meaning), reported back
save_every             0 (off)                    integer >= 0: an intermediate checkpoint
                                                  every N steps
early_stopping_patience  0 (off)                  integer >= 0: stop after N validation
                                                  reports without improvement; keep the best
validation_file        "" (a 10 % split)          a training file id (the server's) or path
                                                  (Local): the validation set
resume_from            ""                         a failed/cancelled job's id: train on from
                                                  its last resume point (`fmscript jobs resume`)
pack_sequences         false                      true/false: pack short examples into rows
                                                  (faster on data of mixed lengths)
=====================  =========================  ==========================================

Values may be JSON numbers or numeric strings, as FileMaker's ``JSONSetElement ( ... ; JSONString )``
sends them: ``"1500"``, ``".0001"``, ``"1e-4"``. ``null`` means the default.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from typing import Any

from fmscript.ai.errors import BAD_NAME, BAD_PARAMETER, ai_error

MODEL_PREFIX = "fm-mlx-"
MAX_NAME_LENGTH = 64


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclasses.dataclass(frozen=True)
class LocalParams:
    max_steps: int = 1000
    learning_rate: float = 2e-4
    lora_layers: int = 4
    batch_size: int = 1
    fine_tuned_model_name: str = ""
    seed: int = 0
    fine_tune_type: str = "lora"
    lora_rank: int = 8
    lora_scale: float = 20.0
    lora_dropout: float = 0.0
    lora_keys: tuple[str, ...] = ()  # () = the model family's usual modules (fmscript.ai.families)
    grad_checkpoint: bool = False
    mask_prompt: bool = True
    method: str = "supervised"
    beta: float = 0.1
    rpo_alpha: float = 0.0
    n_epochs: int = 0
    save_every: int = 0
    early_stopping_patience: int = 0
    validation_file: str = ""
    resume_from: str = ""
    pack_sequences: bool = False
    notes: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return full_model_name(self.fine_tuned_model_name)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as stored with a job (``notes`` left out)."""
        data = dataclasses.asdict(self)
        data.pop("notes")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LocalParams:
        known = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {
            k: (tuple(v) if k in ("notes", "lora_keys") else v) for k, v in data.items() if k in known
        }
        return cls(**values)

    def capped(self, n_layers: int) -> LocalParams:
        """These parameters with ``lora_layers`` capped to a model's layer count (with a note)."""
        if n_layers < 1 or self.lora_layers <= n_layers:
            return self
        note = f"lora_layers {self.lora_layers} is more than the model's {n_layers} layers; using {n_layers}"
        return dataclasses.replace(self, lora_layers=n_layers, notes=(*self.notes, note))


def default_model_name(now: float | None = None) -> str:
    """The default ``fine_tuned_model_name``: a local timestamp such as ``20261123-181502``."""
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(now))


def full_model_name(name: str) -> str:
    """``"my model"`` → ``"fm-mlx-my-model"``, as the AI Model Server names fine-tuned models."""
    return MODEL_PREFIX + name.strip().replace(" ", "-")


def check_model_name(name: str) -> str:
    """The root name with spaces → hyphens, or an error (code 11) when it cannot be a model name."""
    root = name.strip().replace(" ", "-")
    if not root:
        raise ai_error("fine_tuned_model_name is empty", BAD_NAME)
    if len(root) > MAX_NAME_LENGTH:
        raise ai_error(f"fine_tuned_model_name is longer than {MAX_NAME_LENGTH} characters", BAD_NAME)
    bad = sorted({ch for ch in root if not (ch.isalnum() or ch in "-_.")})
    if bad or root.startswith(".") or ".." in root:
        shown = " ".join(repr(ch) for ch in bad) or "a leading '.' or '..'"
        raise ai_error(
            f"fine_tuned_model_name {name!r} may hold only letters, digits, '-', '_' and '.' (found {shown})",
            BAD_NAME,
        )
    return root


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise ai_error(f"fine-tuning parameter {key!r} must be a number, not {value!r}", BAD_PARAMETER)
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        result = float(value.strip())
    else:
        raise ai_error(f"fine-tuning parameter {key!r} must be a number, not {value!r}", BAD_PARAMETER)
    if not math.isfinite(result):
        raise ai_error(f"fine-tuning parameter {key!r} must be a finite number, not {value!r}", BAD_PARAMETER)
    return result


# The largest value each whole-number parameter may take: far above any real use, and low enough
# that an absurd request (max_steps 1e20, lora_layers 1e9) is refused when it is made instead of
# being queued (lora_layers is then also capped to the model's own layer count).
MAXIMUM: dict[str, int] = {
    "max_steps": 10_000_000,
    "lora_layers": 1_000,
    "batch_size": 4_096,
    "lora_rank": 4_096,
    "seed": 2**32 - 1,
    "n_epochs": 1_000,
    "save_every": 10_000_000,
    "early_stopping_patience": 100_000,
}


def _integer(key: str, value: Any, minimum: int) -> int:
    number = _number(key, value)
    if number != int(number):
        raise ai_error(f"fine-tuning parameter {key!r} must be a whole number, not {value!r}", BAD_PARAMETER)
    if number < minimum:
        raise ai_error(
            f"fine-tuning parameter {key!r} must be at least {minimum}, not {value!r}", BAD_PARAMETER
        )
    if number > MAXIMUM.get(key, number):
        raise ai_error(
            f"fine-tuning parameter {key!r} must be at most {MAXIMUM[key]:,}, not {value!r}", BAD_PARAMETER
        )
    return int(number)


METHODS = ("supervised", "dpo")
ZERO_ALLOWED = ("seed", "n_epochs", "save_every", "early_stopping_patience")


def _method(value: Any) -> str:
    """``"dpo"``, or OpenAI's ``{"type": "dpo", ...}`` object, → the method's name."""
    kind = value.get("type", "supervised") if isinstance(value, dict) else value
    if not isinstance(kind, str) or kind.strip().lower() not in METHODS:
        raise ai_error(
            f"fine-tuning parameter 'method' must be one of {', '.join(METHODS)}, not {kind!r}", BAD_PARAMETER
        )
    return kind.strip().lower()


def parse_local_params(obj: dict[str, Any] | None) -> LocalParams:
    """Check and convert a Fine-Tuning Parameters object; an unknown key or bad value names the key."""
    if obj is None:
        obj = {}
    if not isinstance(obj, dict):
        raise ai_error("fine-tuning parameters must be a JSON object", BAD_PARAMETER)
    values: dict[str, Any] = dict(DEFAULTS)
    name: str | None = None
    for key, value in obj.items():
        if key not in DEFAULTS and key != "fine_tuned_model_name":
            known = ", ".join([*DEFAULTS, "fine_tuned_model_name"])
            raise ai_error(f"unknown fine-tuning parameter {key!r} (known: {known})", BAD_PARAMETER)
        if value is None:
            continue
        if key == "fine_tuned_model_name":
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise ai_error(
                    f"fine-tuning parameter 'fine_tuned_model_name' must be text, not {value!r}", BAD_NAME
                )
            name = check_model_name(value) if value.strip() else None
        elif key in _CHECKERS:
            values[key] = _CHECKERS[key](key, value)
        elif key == "method":
            values[key] = _method(value)
        elif key == "beta":
            beta = _number(key, value)
            if beta <= 0:
                raise ai_error(
                    f"fine-tuning parameter 'beta' must be more than 0, not {value!r}", BAD_PARAMETER
                )
            values[key] = beta
        elif key == "rpo_alpha":
            alpha = _number(key, value)
            if alpha < 0:
                raise ai_error(
                    f"fine-tuning parameter 'rpo_alpha' must be at least 0, not {value!r}", BAD_PARAMETER
                )
            values[key] = alpha
        elif key == "learning_rate":
            rate = _number(key, value)
            if not 0 < rate <= 1:
                raise ai_error(
                    f"fine-tuning parameter 'learning_rate' must be more than 0 and at most 1, not {value!r}",
                    BAD_PARAMETER,
                )
            values[key] = rate
        elif key in ("validation_file", "resume_from"):
            if not isinstance(value, str):
                raise ai_error(
                    f"fine-tuning parameter 'validation_file' must be text, not {value!r}", BAD_PARAMETER
                )
            values[key] = value.strip()
        else:
            values[key] = _integer(key, value, 0 if key in ZERO_ALLOWED else 1)
    return LocalParams(fine_tuned_model_name=name or default_model_name(), **values)


FINE_TUNE_TYPES = ("lora", "dora", "full")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _flag(key: str, value: Any) -> bool:
    """true/false, 1/0, or their text (FileMaker's JSONSetElement sends text)."""
    text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ai_error(f"fine-tuning parameter {key!r} must be true or false, not {value!r}", BAD_PARAMETER)


def _fine_tune_type(key: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in FINE_TUNE_TYPES:
        raise ai_error(
            f"fine-tuning parameter 'fine_tune_type' must be lora, dora or full, not {value!r}", BAD_PARAMETER
        )
    return text


def _keys(key: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items) or not items:
        raise ai_error(
            "fine-tuning parameter 'lora_keys' must be a list of module names (\"self_attn.q_proj\", ...)",
            BAD_PARAMETER,
        )
    return tuple(i.strip() for i in items)


def _positive(key: str, value: Any) -> float:
    number = _number(key, value)
    if number <= 0:
        raise ai_error(f"fine-tuning parameter {key!r} must be more than 0, not {value!r}", BAD_PARAMETER)
    return number


def _dropout(key: str, value: Any) -> float:
    number = _number(key, value)
    if not 0 <= number < 1:
        raise ai_error(
            f"fine-tuning parameter {key!r} must be at least 0 and less than 1, not {value!r}", BAD_PARAMETER
        )
    return number


_CHECKERS: dict[str, Any] = {
    "fine_tune_type": _fine_tune_type,
    "lora_rank": lambda key, value: _integer(key, value, 1),
    "lora_scale": _positive,
    "lora_dropout": _dropout,
    "lora_keys": _keys,
    "grad_checkpoint": _flag,
    "mask_prompt": _flag,
    "pack_sequences": _flag,
}


# The documented defaults, declared once (the dataclass above), as a dict for messages and docs.
DEFAULTS: dict[str, Any] = {
    f.name: f.default
    for f in dataclasses.fields(LocalParams)
    if f.name not in ("fine_tuned_model_name", "notes")
}
