"""Embeddings from any mlx-lm model: the mean over the prompt's tokens of the model's last hidden
state (its final norm applied), normalised to length 1 — one vector per text.

The model is the one :mod:`~fmscript.ai.engines.mlx_generate` keeps resident for generation (a base
model or a fine-tuned adapter on its base), so embedding and chatting with the same model load it
once. Deterministic: the same text gives the same vector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmscript.ai.engines import mlx_generate
from fmscript.ai.errors import UNAVAILABLE, ai_error


def embed(base_path: Path, adapter_path: Path | None, texts: list[str]) -> list[list[float]]:
    """One normalised float vector per text (an empty text is embedded as the empty prompt)."""
    return embed_counted(base_path, adapter_path, texts)[0]


def embed_counted(
    base_path: Path, adapter_path: Path | None, texts: list[str]
) -> tuple[list[list[float]], int]:
    """The vectors and the number of tokens they took (the server's ``usage``)."""
    mlx_generate.import_mlx()
    import mlx.core as mx

    model, tokenizer = mlx_generate.resident(base_path, adapter_path)
    body: Any = getattr(model, "model", None)  # mlx-lm's models: Model.model is the transformer
    if body is None or not callable(body):
        raise ai_error(
            f"the model {base_path.name} cannot make embeddings (no transformer body)", UNAVAILABLE
        )
    vectors, tokens = [], 0
    for text in texts:
        ids = list(tokenizer.encode(text)) or [tokenizer.eos_token_id or 0]
        tokens += len(ids)
        hidden = body(mx.array([ids]))[0].astype(mx.float32)  # (tokens, hidden size)
        mean = hidden.mean(axis=0)
        norm = mx.sqrt((mean * mean).sum())
        vectors.append((mean / mx.maximum(norm, 1e-12)).tolist())
    return vectors, tokens
