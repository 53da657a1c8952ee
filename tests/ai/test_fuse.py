"""`fmscript models fuse`: the adapter merged into a standalone folder mlx_lm.load reads (4-bit base
kept quantized or de-quantized), registered as a base model; GGUF for a float llama."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.ai.service import LocalFineTuning
from fmscript.cli import cli
from fmscript.settings import Settings

from .conftest import QA, chat_line, write_jsonl

pytestmark = pytest.mark.slow


def _fine_tune(home: Path, tmp_path: Path, family: str, bits: int | None, **params: object) -> None:
    from fmscript.ai.families import create_tiny_model

    base = create_tiny_model(tmp_path / f"{family}-{bits}", family, bits=bits)
    service = LocalFineTuning(home, Settings(home_override=home, progress=False))
    service.store.models.add_base("base", base)
    data = write_jsonl(tmp_path / "data.jsonl", [chat_line(q, a) for q, a in QA[:10]])
    service.submit("base", data, "data.jsonl", {"max_steps": 2, "batch_size": 2, "lora_layers": 2,
                                               "fine_tuned_model_name": "t", **params})  # fmt: skip
    (job,) = service.run_queued()
    assert job.status == "succeeded", job.error
    service.close()


@pytest.mark.parametrize("dequantize", [False, True], ids=["quantized", "dequantized"])
def test_fuse_a_qlora_model_loads_with_mlx_lm(dequantize: bool, home: Path, tmp_path: Path) -> None:
    import mlx_lm

    _fine_tune(home, tmp_path, "qwen2", 4)
    out = tmp_path / "fused"
    args = ["models", "fuse", "fm-mlx-t", "--out", str(out)] + (["--dequantize"] if dequantize else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.startswith(f"fused fm-mlx-t -> {out} (")
        and "base model fm-mlx-t-fused" in result.stdout
    )
    config = json.loads((out / "config.json").read_text())
    assert ("quantization" in config) != dequantize
    model, tokenizer = mlx_lm.load(str(out))[:2]
    assert not any("lora" in name for name, _ in model.named_modules())  # merged, no adapter left
    assert isinstance(mlx_lm.generate(model, tokenizer, "Hi", max_tokens=2), str)
    listed = CliRunner().invoke(cli, ["models", "list"]).stdout
    assert "fm-mlx-t-fused" in listed


def test_fuse_dora_and_gguf(home: Path, tmp_path: Path) -> None:
    _fine_tune(home, tmp_path, "llama", None, fine_tune_type="dora")
    result = CliRunner().invoke(cli, ["models", "fuse", "fm-mlx-t", "--gguf"])
    assert result.exit_code == 0, result.output
    folder = home / "base-models" / "fm-mlx-t-fused"
    assert (folder / "model.gguf").stat().st_size > 1000
    assert (folder / "model.gguf").read_bytes()[:4] == b"GGUF"


def test_fuse_errors_are_one_line(home: Path, tmp_path: Path) -> None:
    _fine_tune(home, tmp_path, "gemma", 4)
    result = CliRunner().invoke(cli, ["models", "fuse", "fm-mlx-t", "--gguf"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: cannot write GGUF for fm-mlx-t: mlx-lm converts llama, mistral, mixtral models only, "
        "not gemma (error 14)"
    ]
    result = CliRunner().invoke(cli, ["models", "fuse", "base"])
    assert result.exit_code == 1 and "only a fine-tuned (fm-mlx-…) model can be fused" in result.stderr
