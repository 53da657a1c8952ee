"""Generation with mlx-lm: one model (base + optional adapter) resident per process, streamed.

mlx and mlx_lm are imported inside the functions only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fmscript.ai.engines import quiet_env
from fmscript.ai.errors import UNAVAILABLE, ai_error


def import_mlx() -> None:
    quiet_env()
    try:
        import mlx.core  # noqa: F401
        import mlx_lm  # noqa: F401
    except ImportError as exc:
        raise ai_error(
            f"local fine-tuning needs mlx-lm ({exc}); install fmscript[mlx]", UNAVAILABLE
        ) from None


def load_model(path: Path, adapter_path: Path | None = None) -> tuple[Any, Any]:
    """``mlx_lm.load`` of a local model folder (and adapter), offline."""
    import_mlx()
    import mlx_lm

    loaded = mlx_lm.load(str(path), adapter_path=str(adapter_path) if adapter_path else None)
    return loaded[0], loaded[1]  # (model, tokenizer); a third item (config) only when asked for


_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}
_LOAD_LOCK = threading.Lock()


def resident(base_path: Path, adapter_path: Path | None) -> tuple[Any, Any]:
    """The loaded (model, tokenizer): one model stays resident in this process, as the AI Model
    Server keeps one; asking for another replaces it (a stream already running keeps its own)."""
    stamp = str((adapter_path / "adapters.safetensors").stat().st_mtime_ns) if adapter_path else ""
    key = (str(base_path), f"{adapter_path}@{stamp}" if adapter_path else "")
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_model(base_path, adapter_path)
        return _LOADED[key]


def stream_generate(
    base_path: Path,
    adapter_path: Path | None,
    messages: list[dict[str, Any]],
    max_tokens: int = 256,
    temperature: float = 0.0,
    seed: int | None = None,
    prefix: str = "",
) -> Iterator[str]:
    """The assistant's reply as text chunks, as mlx-lm decodes them (empty chunks skipped).

    ``prefix`` (the natural-language steps' steering): the reply's first characters are written
    for the model — their tokens follow the chat template's generation prompt, so the model can
    only continue them (a JSON object that starts with ``{``, a query that starts with
    ``SELECT``) — and the reply starts with them."""
    import_mlx()
    import mlx.core as mx
    from mlx_lm import stream_generate as mlx_stream
    from mlx_lm.sample_utils import make_sampler

    model, tokenizer = resident(base_path, adapter_path)
    if max_tokens <= 0:
        return
    if seed is not None:
        mx.random.seed(seed)
    prompt = list(
        tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    )
    if prefix:
        prompt += tokenizer.encode(prefix, add_special_tokens=False)
        yield prefix
    for response in mlx_stream(
        model, tokenizer, prompt, max_tokens=max_tokens, sampler=make_sampler(temp=temperature)
    ):
        if response.text:
            yield response.text


def generate(
    base_path: Path,
    adapter_path: Path | None,
    messages: list[dict[str, Any]],
    max_tokens: int = 256,
    temperature: float = 0.0,
    seed: int | None = None,
) -> str:
    """The assistant's whole reply (see :func:`stream_generate`)."""
    return "".join(stream_generate(base_path, adapter_path, messages, max_tokens, temperature, seed))
