"""Model folders on disk: what makes one loadable, its layer count, and the Hugging Face cache.

Pure file-system code: the Hugging Face cache is searched by its documented layout
(``models--org--name/refs/main`` → ``snapshots/<commit>``), offline, without huggingface_hub.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import attrs


def user_path(text: str | Path) -> Path:
    """``text`` as a path with ``~`` / ``~user`` expanded; a ``~user`` that names no user (a model
    name such as ``~x`` in a request) stays as written instead of raising."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # pathlib: "Could not determine home directory."
        return Path(text)


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


@attrs.frozen
class ModelFacts:
    """What ``fmscript models list`` shows of a model folder."""

    architecture: str  # config.json's model_type
    parameters: int | None  # from the safetensors headers (quantized weights unpacked)
    quantization: str  # "4-bit (group 64)", or the weights' float type ("bf16")
    size_bytes: int  # the files on disk (hub-cache symlinks followed)


_DTYPE_NAMES = {"BF16": "bf16", "F16": "fp16", "F32": "fp32"}


def _safetensors_header(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        length = int.from_bytes(handle.read(8), "little")
        if not 0 < length < 100_000_000:
            return {}
        data = json.loads(handle.read(length))
    return data if isinstance(data, dict) else {}


def facts(path: Path) -> ModelFacts:
    """Architecture, parameter count, quantization and size on disk of a model folder."""
    path = Path(path)
    config = read_config(path)
    quant = config.get("quantization") or config.get("quantization_config") or {}
    bits = quant.get("bits") if isinstance(quant, dict) else None
    tensors: dict[str, Any] = {}
    for file in sorted(path.glob("*.safetensors")):
        with contextlib.suppress(OSError, ValueError):
            tensors.update({k: v for k, v in _safetensors_header(file).items() if k != "__metadata__"})
    count, dtypes = 0, set()
    for name, info in tensors.items():
        stem = name.rsplit(".", 1)[0]
        if (
            name.endswith((".scales", ".biases"))
            and f"{stem}.weight" in tensors
            and f"{stem}.scales" in tensors
        ):
            continue  # a quantized weight's scales and offsets
        numel = 1
        for dim in info.get("shape", []):
            numel *= int(dim)
        if info.get("dtype") == "U32" and bits and f"{stem}.scales" in tensors:
            numel = numel * 32 // int(bits)
        else:
            dtypes.add(str(info.get("dtype")))
        count += numel
    if bits:
        group = quant.get("group_size")
        quantization = f"{bits}-bit" + (f" (group {group})" if group else "")
    else:
        quantization = "/".join(sorted(_DTYPE_NAMES.get(d, d.lower()) for d in dtypes)) or "?"
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) if path.is_dir() else 0
    return ModelFacts(str(config.get("model_type") or "?"), count or None, quantization, size)
