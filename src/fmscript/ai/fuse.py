"""``fmscript models fuse``: a fine-tuned model's adapter merged into a standalone model folder.

As ``mlx_lm fuse`` does it: the base loaded with its adapter, each LoRA/DoRA layer's ``fuse``
(optionally de-quantizing the base's layers), then mlx-lm's ``save`` — a folder ``mlx_lm.load``,
the server (``fmscript models add``) and the hub read. ``gguf`` also writes ``model.gguf`` through
mlx-lm's converter (float llama/mistral/mixtral models only, as mlx-lm supports) for llama.cpp and
Ollama. The fused folder is registered as a base model, so it can be fine-tuned or served by name.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import attrs

from fmscript.ai import home as homes
from fmscript.ai.errors import BAD_PARAMETER, UNKNOWN_MODEL, ai_error
from fmscript.ai.service import LocalFineTuning

GGUF_TYPES = ("llama", "mistral", "mixtral")


@attrs.frozen
class Fused:
    name: str  # the base model name it is registered under
    path: Path
    gguf: Path | None
    dequantized: bool


def fuse(
    service: LocalFineTuning, name: str, out: Path | None = None, dequantize: bool = False, gguf: bool = False
) -> Fused:
    """Fuse fine-tuned model ``name`` into ``out`` (default ``<home>/base-models/<name>-fused``)."""
    base, adapter = service.model_paths(name)
    if adapter is None:
        raise ai_error(
            f"{name} is a base model: only a fine-tuned (fm-mlx-…) model can be fused", UNKNOWN_MODEL
        )
    from fmscript.ai.engines import mlx_generate

    mlx_generate.import_mlx()
    import mlx_lm
    from mlx.utils import tree_unflatten
    from mlx_lm.utils import dequantize_model, save

    loaded: tuple = mlx_lm.load(str(base), adapter_path=str(adapter), return_config=True)
    model, tokenizer, config = loaded
    quantized = "quantization" in config
    if gguf and (config.get("model_type") not in GGUF_TYPES or (quantized and not dequantize)):
        why = "a quantized base needs --dequantize" if config.get("model_type") in GGUF_TYPES else (
            f"mlx-lm converts {', '.join(GGUF_TYPES)} models only, not {config.get('model_type')}"
        )  # fmt: skip
        raise ai_error(f"cannot write GGUF for {name}: {why}", BAD_PARAMETER)
    fused = [(n, m.fuse(dequantize=dequantize)) for n, m in model.named_modules() if hasattr(m, "fuse")]
    if fused:
        model.update_modules(tree_unflatten(fused))
    if dequantize and quantized:
        model = dequantize_model(model)
        config.pop("quantization", None)
        config.pop("quantization_config", None)
    registered = f"{name}-fused"
    folder = Path(out).expanduser() if out else homes.base_models_dir(service.home) / registered
    if folder.exists() and any(folder.iterdir()):
        if not (folder / "config.json").is_file():
            raise ai_error(f"{folder} exists and is not a model folder: choose another --out", BAD_PARAMETER)
        shutil.rmtree(folder)
    with contextlib.redirect_stdout(io.StringIO()):  # mlx-lm prints its progress
        save(folder, str(base), model, tokenizer, config, donate_model=False)
    gguf_path = None
    if gguf:
        from mlx.utils import tree_flatten
        from mlx_lm.gguf import convert_to_gguf

        gguf_path = folder / "model.gguf"
        with contextlib.redirect_stdout(io.StringIO()):
            convert_to_gguf(folder, dict(tree_flatten(model.parameters())), config, str(gguf_path))
    service.store.models.add_base(registered, folder)
    return Fused(registered, folder, gguf_path, dequantize and quantized)
