"""Training/generation engines. ``mlx_local`` trains and generates with mlx-lm, in-process."""

from __future__ import annotations

import os


def quiet_env() -> None:
    """Before transformers/mlx_lm are imported: keep their start-up notices quiet.

    Hub access is not switched off here: a model named by its hub id is downloaded on demand
    (fmscript.ai.hub) unless the user runs offline (``HF_HUB_OFFLINE=1`` or ``FMSCRIPT_OFFLINE=1``).
    """
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
