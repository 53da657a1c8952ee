"""Faster frozen matmuls for LoRA training on mlx's CPU backend (imported only by training).

mlx's CPU matmul multiplies ``x @ w.T`` (how ``nn.Linear`` and a tied ``Embedding.as_linear`` apply
their ``(out, in)`` weight) about half as fast as the same product with a contiguous ``(in, out)``
operand; the backward product ``dy @ w`` is already the fast layout. So a frozen layer's forward
copies ``w.T`` to a contiguous array first (a copy of the weight, cheap next to the product) and its
vjp multiplies by ``w`` directly. Same values, same gradients for the trainable (LoRA) parameters;
the step takes about two thirds of the time (bench/train_bench.py). On a GPU nothing is changed.

The copy is made at every forward product. For a tied output layer of a large vocabulary
(Qwen2.5-0.5B's 151,936 × 896 embedding: 0.27 GB in bf16) it raised the training peak from 1.26 to
1.50 GB (mlx_lm lora: 1.26 GB) with no gain per step (51.2 vs 52.7 s, bench/README.md,
"Real-size LoRA"), so an embedding above EMBEDDING_COPY_LIMIT keeps mlx's own product.
"""

from __future__ import annotations

from typing import Any, cast

import mlx.core as mx
import mlx.nn as nn

EMBEDDING_COPY_LIMIT = 64 * 2**20  # bytes: the demo's 768 × 64 output layer is 0.2 MB


@mx.custom_function
def _frozen_linear(x: mx.array, weight: mx.array) -> mx.array:
    return x @ mx.contiguous(weight.T)


@_frozen_linear.vjp
def _frozen_linear_vjp(primals: Any, cotangent: mx.array, output: mx.array) -> tuple[mx.array, mx.array]:
    _, weight = primals
    # The weight is frozen: its gradient is never asked for (zeros, pruned from the graph).
    return cotangent @ weight, mx.zeros_like(weight)


class _FrozenLinear(nn.Linear):
    def __call__(self, x: mx.array) -> mx.array:
        y = cast(mx.array, _frozen_linear(x, self.weight))
        return y + self.bias if "bias" in self else y


class _FrozenEmbedding(nn.Embedding):
    def as_linear(self, x: mx.array) -> mx.array:
        return cast(mx.array, _frozen_linear(x, self.weight))


def speed_up_frozen_layers(model: nn.Module) -> int:
    """Swap the class of every frozen ``nn.Linear``/``nn.Embedding`` (exact types only: quantized
    or LoRA layers keep theirs; an embedding over EMBEDDING_COPY_LIMIT keeps its own) on the CPU;
    returns how many were changed."""
    if mx.default_device() != mx.cpu:
        return 0
    swaps: dict[type, type] = {nn.Linear: _FrozenLinear, nn.Embedding: _FrozenEmbedding}
    changed = 0
    for _, module in model.named_modules():
        target = swaps.get(type(module))
        if target is None or "weight" not in module or module.trainable_parameters():
            continue
        if target is _FrozenEmbedding and module.weight.nbytes > EMBEDDING_COPY_LIMIT:
            continue
        module.__class__ = target
        changed += 1
    return changed
