"""Model folders on disk: what makes one loadable, its layer count, and the Hugging Face cache.

Pure file-system code: the Hugging Face cache is searched by its documented layout
(``models--org--name/refs/main`` → ``snapshots/<commit>``), offline, without huggingface_hub.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def read_config(path: Path) -> dict[str, Any]:
    """The model's ``config.json`` (an empty dict when it is missing or unreadable)."""
    try:
        data = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_model_dir(path: Path) -> bool:
    """A folder with ``config.json`` and safetensors weights, the form ``mlx_lm.load`` reads."""
    path = Path(path)
    return (path / "config.json").is_file() and any(path.glob("model*.safetensors"))


def layer_count(path: Path) -> int | None:
    """The number of transformer layers from ``config.json``, or None when it does not say."""
    config = read_config(path)
    for source in (config, config.get("text_config") or {}):
        for key in ("num_hidden_layers", "n_layer", "num_layers", "n_layers"):
            value = source.get(key) if isinstance(source, dict) else None
            if isinstance(value, int) and value > 0:
                return value
    return None


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder, following huggingface_hub's environment variables."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache.expanduser() / "huggingface" / "hub"


def hf_cache_lookup(repo_id: str, revision: str = "main") -> Path | None:
    """The local snapshot of a model repo (``org/name``) in the hub cache, or None."""
    parts = repo_id.strip("/").split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") for p in parts):
        return None
    repo = hf_hub_cache() / f"models--{parts[0]}--{parts[1]}"
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = repo / "refs" / revision
    candidates: list[Path] = []
    if ref.is_file():
        candidates.append(snapshots / ref.read_text(encoding="utf-8").strip())
    candidates.append(snapshots / revision)
    candidates.extend(sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True))
    for candidate in candidates:
        if is_model_dir(candidate):
            return candidate
    return None
