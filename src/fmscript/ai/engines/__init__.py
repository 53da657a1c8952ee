"""Training/generation engines. ``mlx_local`` trains and generates with mlx-lm, in-process."""

from __future__ import annotations

import os


def quiet_offline_env() -> None:
    """Before transformers/mlx_lm are imported: stay offline, keep their start-up notices quiet."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
