"""An estimate of a local training's peak memory, made before it starts (no mlx import).

peak ≈ the weights as stored (``*.safetensors``: quantized weights stay packed)
     + 16 bytes per trainable parameter (float32 value, gradient, Adam's two moments)
     + activations kept for the backward pass: per token and adapted layer ~(16·hidden +
       3·intermediate) float32 values (one layer's worth with ``grad_checkpoint``)
     + the logits and their gradient (3 float32 copies of tokens × vocabulary)
     + 25 % for the allocator and mlx's temporaries.

It is meant to refuse a run that cannot fit (more than the machine's physical memory) with a clear
error before minutes of loading and swapping, not to predict the peak to the megabyte: on the demo
model and the Qwen2.5-0.5B-shaped bench model it is within a factor of two of mlx's measured peak
(bench/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from fmscript.ai.modeldir import read_config

OVERHEAD = 1.25


@attrs.frozen
class MemoryEstimate:
    weights: int
    optimizer: int
    activations: int
    logits: int

    @property
    def total(self) -> int:
        return int((self.weights + self.optimizer + self.activations + self.logits) * OVERHEAD)


def _text_config(config: dict[str, Any]) -> dict[str, Any]:
    text = config.get("text_config")
    return {**config, **text} if isinstance(text, dict) else config


def estimate(
    base_path: Path,
    *,
    lora_layers: int,
    batch_size: int,
    seq_len: int,
    fine_tune_type: str = "lora",
    lora_rank: int = 8,
    n_keys: int = 7,
    grad_checkpoint: bool = False,
) -> MemoryEstimate:
    """The estimate for training ``base_path`` with these parameters (sequences of ``seq_len``)."""
    config = _text_config(read_config(base_path))
    hidden = int(config.get("hidden_size") or 0)
    inter = int(config.get("intermediate_size") or 4 * hidden)
    layers = int(config.get("num_hidden_layers") or 1)
    vocab = int(config.get("vocab_size") or 0)
    weights = sum(f.stat().st_size for f in Path(base_path).glob("*.safetensors"))
    if fine_tune_type == "full":
        trainable = weights // 2 * lora_layers // max(layers, 1)  # stored bf16: 2 bytes a value
    else:
        trainable = lora_layers * n_keys * lora_rank * (hidden + max(hidden, inter))
    tokens = batch_size * seq_len
    kept_layers = 1 if grad_checkpoint else lora_layers
    activations = tokens * kept_layers * (16 * hidden + 3 * inter) * 4
    logits = tokens * vocab * 4 * 3
    return MemoryEstimate(weights, trainable * 16, activations, logits)


def physical_memory() -> int | None:
    """The machine's physical memory in bytes (None where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None
