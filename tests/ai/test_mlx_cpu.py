"""The CPU fast path for frozen matmuls (ai/engines/mlx_cpu.py) keeps the loss and the LoRA gradients."""

from __future__ import annotations

from pathlib import Path

import pytest


def _lora_model(demo_dir: Path) -> object:
    from mlx_lm.tuner import linear_to_lora_layers

    from fmscript.ai.engines import mlx_generate, mlx_local

    model, _ = mlx_generate.load_model(demo_dir)
    model.freeze()
    linear_to_lora_layers(model, 2, dict(mlx_local.lora_parameters(demo_dir)))
    return model


def test_swapped_layers_give_the_same_loss_and_lora_gradients(demo_dir: Path) -> None:
    mx = pytest.importorskip("mlx.core")
    import mlx.nn as nn
    from mlx.utils import tree_flatten

    from fmscript.ai.engines import mlx_cpu, mlx_data

    plain, fast = _lora_model(demo_dir), _lora_model(demo_dir)
    mx.random.seed(1)
    # Non-zero LoRA B (it starts at zero) so that gradients flow through every adapted layer.
    from mlx.utils import tree_map

    weights = tree_map(lambda a: mx.random.normal(a.shape) * 0.05, plain.trainable_parameters())  # type: ignore[attr-defined]
    plain.update(weights)  # type: ignore[attr-defined]
    fast.update(weights)  # type: ignore[attr-defined]
    changed = mlx_cpu.speed_up_frozen_layers(fast)  # type: ignore[arg-type]
    assert changed > 0
    kinds = {type(m).__name__ for _, m in fast.named_modules()}  # type: ignore[attr-defined]
    assert "_FrozenLinear" in kinds and "LoRALinear" in kinds  # LoRA layers keep their class
    # Trainable parameters are untouched: the same names before and after.
    names = [k for k, _ in tree_flatten(fast.trainable_parameters())]  # type: ignore[attr-defined]
    assert names == [k for k, _ in tree_flatten(plain.trainable_parameters())]  # type: ignore[attr-defined]

    batch = mx.random.randint(0, 200, (3, 17)).astype(mx.int32)
    mask = mx.ones((3, 17), dtype=mx.bool_)
    results = []
    for model in (plain, fast):
        (loss, _), grads = nn.value_and_grad(model, mlx_data.masked_loss)(model, batch, mask)
        results.append((loss, dict(tree_flatten(grads))))
    (loss_a, grads_a), (loss_b, grads_b) = results
    assert abs(loss_a.item() - loss_b.item()) < 1e-5
    assert grads_a.keys() == grads_b.keys() and grads_a
    for key, value in grads_a.items():
        assert mx.allclose(value, grads_b[key], atol=1e-5, rtol=1e-4).item(), key
    assert any(mx.abs(v).max().item() > 0 for v in grads_a.values())


def test_trainable_layers_are_not_swapped(demo_dir: Path) -> None:
    pytest.importorskip("mlx.core")
    from fmscript.ai.engines import mlx_cpu, mlx_generate

    model, _ = mlx_generate.load_model(demo_dir)  # nothing frozen
    assert mlx_cpu.speed_up_frozen_layers(model) == 0


def test_a_large_output_embedding_keeps_its_own_product(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its transposed copy would cost memory (Qwen2.5's 0.27 GB) for no gain per step."""
    pytest.importorskip("mlx.core")
    from fmscript.ai.engines import mlx_cpu

    def swapped(limit: int) -> set[str]:
        monkeypatch.setattr(mlx_cpu, "EMBEDDING_COPY_LIMIT", limit)
        model = _lora_model(demo_dir)
        mlx_cpu.speed_up_frozen_layers(model)  # type: ignore[arg-type]
        return {type(m).__name__ for _, m in model.named_modules()}  # type: ignore[attr-defined]

    assert "_FrozenEmbedding" in swapped(mlx_cpu.EMBEDDING_COPY_LIMIT)  # the demo's: 0.2 MB
    kinds = swapped(1024)
    assert "_FrozenEmbedding" not in kinds and "Embedding" in kinds and "_FrozenLinear" in kinds
