"""What fmscript knows about the model families mlx-lm runs: the LoRA target modules each family
usually adapts, and tiny random-weight stand-ins with the family's real ``config.json`` keys.

The LoRA keys are the modules the family's own fine-tuning recipes adapt (every attention and MLP
projection, as in the QLoRA paper, PEFT's ``all-linear`` and mlx-lm's default); a family not listed
here gets mlx-lm's default (every linear layer of the adapted blocks). A ``lora_keys`` Fine-Tune
parameter overrides both.

:func:`create_tiny_model` writes a folder ``mlx_lm.load`` reads: the family's config keys at tiny
widths (GQA, llama3 rope scaling, qk-norm, sliding windows as the real configs have them), random
weights, float or 4-bit (mlx's affine quantization, the format of the mlx-community models), and the
demo model's tokenizer. Tests, the loopback hub and the real-size bench build models with it.
"""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path
from typing import Any

ATTENTION = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj")
MLP = ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")

# model_type → the modules LoRA adapts in each adapted block (MLP_KEYS: of a toy-width model).
LORA_KEYS: dict[str, tuple[str, ...]] = {
    "llama": ATTENTION + MLP,
    "mistral": ATTENTION + MLP,
    "qwen2": ATTENTION + MLP,
    "qwen3": ATTENTION + MLP,
    "gemma": ATTENTION + MLP,
    "gemma2": ATTENTION + MLP,
    "gemma3_text": ATTENTION + MLP,
    "gemma3": ATTENTION + MLP,
    "phi3": ("self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj"),
}


MLP_KEYS: dict[str, tuple[str, ...]] = {"phi3": ("mlp.gate_up_proj", "mlp.down_proj")}
# Below this width a model is a toy (the demo, the test stand-ins), trained at the high learning rates
# (1e-2) that let it learn in a few hundred steps; there, adapters on every linear layer make Adam blow
# the attention's value/output adapters up into one direction that swamps the residual stream: the
# loss stalls near 5.5 and the model answers gibberish (measured on the demo, also at LoRA scale 2),
# while MLP-only adapters memorise the same example. So a toy adapts its MLPs.
TOY_WIDTH = 256


def lora_keys(config: dict[str, Any]) -> list[str] | None:
    """The family's usual LoRA target modules for a model's ``config.json`` (None: mlx-lm's default,
    every linear layer); a model narrower than TOY_WIDTH adapts its MLPs only."""
    model_type = str(config.get("model_type") or "")
    keys = LORA_KEYS.get(model_type)
    width = config.get("hidden_size")
    if keys and isinstance(width, int) and width < TOY_WIDTH:
        keys = MLP_KEYS.get(model_type, MLP)
    return list(keys) if keys else None


_TINY_SHAPE = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "heads": 4, "kv": 2}

# The families' real config keys (values from their published configs; widths set per model below).
FAMILY_CONFIGS: dict[str, dict[str, Any]] = {
    "llama": {  # Llama 3.2: grouped-query attention and llama3 rope scaling
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "rms_norm_eps": 1e-5,
        "rope_theta": 500000.0,
        "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3",
        },
        "max_position_embeddings": 131072,
        "tie_word_embeddings": True,
    },
    "mistral": {
        "architectures": ["MistralForCausalLM"],
        "model_type": "mistral",
        "hidden_act": "silu",
        "rms_norm_eps": 1e-5,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "max_position_embeddings": 32768,
        "tie_word_embeddings": False,
    },
    "qwen2": {  # Qwen2.5: biased q/k/v projections
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "hidden_act": "silu",
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "max_position_embeddings": 32768,
        "max_window_layers": 21,
        "sliding_window": 32768,
        "use_sliding_window": False,
        "tie_word_embeddings": True,
    },
    "qwen3": {  # Qwen3: q/k RMS norms, explicit head_dim
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "hidden_act": "silu",
        "attention_bias": False,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "rope_scaling": None,
        "max_position_embeddings": 40960,
        "tie_word_embeddings": True,
    },
    "gemma": {  # Gemma / CodeGemma
        "architectures": ["GemmaForCausalLM"],
        "model_type": "gemma",
        "hidden_act": "gelu",
        "hidden_activation": "gelu_pytorch_tanh",
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "max_position_embeddings": 8192,
    },
    "gemma3_text": {  # Gemma 3 (1B, text only): local/global attention layers
        "architectures": ["Gemma3ForCausalLM"],
        "model_type": "gemma3_text",
        "hidden_activation": "gelu_pytorch_tanh",
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "rope_local_base_freq": 10000.0,
        "rope_scaling": None,
        "sliding_window": 512,
        "sliding_window_pattern": 6,
        "max_position_embeddings": 32768,
    },
    "phi3": {  # Phi-3 / Phi-3.5 mini: fused qkv and gate_up projections
        "architectures": ["Phi3ForCausalLM"],
        "model_type": "phi3",
        "hidden_act": "silu",
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "max_position_embeddings": 4096,
        "original_max_position_embeddings": 4096,
        "tie_word_embeddings": False,
    },
}


def tiny_config(family: str, **shape: int) -> dict[str, Any]:
    """The family's config keys with tiny (or given) widths: ``hidden_size``, ``intermediate_size``,
    ``num_hidden_layers``, ``heads``, ``kv`` (key/value heads), ``head_dim``."""
    size = {**_TINY_SHAPE, **shape}
    heads, kv = size["heads"], size["kv"]
    head_dim = size.get("head_dim", size["hidden_size"] // heads)
    config = dict(FAMILY_CONFIGS[family])
    config.update(
        hidden_size=size["hidden_size"],
        intermediate_size=size["intermediate_size"],
        num_hidden_layers=size["num_hidden_layers"],
        num_attention_heads=heads,
        num_key_value_heads=kv,
        head_dim=head_dim,
    )
    if family == "gemma3_text":
        config["query_pre_attn_scalar"] = head_dim
        # every pattern-th layer attends globally; mlx-lm needs at least one such layer
        config["sliding_window_pattern"] = min(6, size["num_hidden_layers"])
    return config


def create_tiny_model(
    path: Path | str,
    family: str,
    *,
    bits: int | None = None,
    group_size: int = 64,
    seed: int = 0,
    config: dict[str, Any] | None = None,
    bf16: bool = False,
    **shape: int,
) -> Path:
    """Write a random-weight model of ``family`` (a key of FAMILY_CONFIGS) to ``path``, quantized to
    ``bits`` when given (``bf16``: bfloat16 weights, as published models are; else float32); the
    demo model's tokenizer. ``config`` replaces the tiny config whole (e.g. a real model's shapes
    for the bench)."""
    from fmscript.ai.demo_model import CORPUS, tokenizer_for
    from fmscript.ai.engines import quiet_env

    quiet_env()
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.utils import tree_flatten

    folder = Path(path)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    tokenizer = tokenizer_for([line for line in CORPUS.splitlines() if line.strip()] * 4)
    tokenizer.save_pretrained(str(folder))  # type: ignore[attr-defined]
    config = dict(config or tiny_config(family, **shape))
    config.setdefault("vocab_size", len(tokenizer))  # type: ignore[arg-type]
    config.setdefault("eos_token_id", tokenizer.convert_tokens_to_ids("<|im_end|>"))  # type: ignore[attr-defined]
    config.setdefault("torch_dtype", "bfloat16")
    from mlx_lm.utils import MODEL_REMAPPING

    model_type = MODEL_REMAPPING.get(config["model_type"], config["model_type"])
    module = importlib.import_module(f"mlx_lm.models.{model_type}")
    mx.random.seed(seed)
    model = module.Model(module.ModelArgs.from_dict(config))
    if bf16:
        model.set_dtype(mx.bfloat16)
    if bits:

        def quantizable(_: str, layer: nn.Module) -> bool:
            return hasattr(layer, "to_quantized") and layer.weight.shape[-1] % group_size == 0

        nn.quantize(model, group_size, bits, class_predicate=quantizable)
        config["quantization"] = {"group_size": group_size, "bits": bits}
        config["quantization_config"] = dict(config["quantization"])
    weights = dict(tree_flatten(model.parameters()))
    mx.eval(weights)
    mx.save_safetensors(str(folder / "model.safetensors"), weights, metadata={"format": "mlx"})
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder
