"""Every model family mlx-lm runs that fmscript names (tiny random-weight stand-ins with the families'
real config keys), float and 4-bit: fine-tune a few steps (LoRA on a 4-bit base = QLoRA) and answer;
the fine-tune types and LoRA parameters are recorded in the card and read back by mlx_lm.load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmscript.ai.jobs.records import Job
from fmscript.ai.service import LocalFineTuning
from fmscript.settings import Settings

from .conftest import QA, chat_line, write_jsonl

pytestmark = pytest.mark.slow
FAMILIES = ["llama", "mistral", "qwen2", "qwen3", "gemma", "gemma3_text", "phi3"]


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int | None], Path]:
    pytest.importorskip("mlx_lm")
    from fmscript.ai.families import create_tiny_model

    root = tmp_path_factory.mktemp("families")
    return {
        (family, bits): create_tiny_model(root / f"{family}-{bits}", family, bits=bits)
        for family in FAMILIES
        for bits in (None, 4)
    }


def _train(home: Path, base: Path, tmp_path: Path, **params: object) -> tuple[LocalFineTuning, Job]:
    service = LocalFineTuning(home, Settings(home_override=home, progress=False))
    service.store.models.add_base("base", base)
    data = write_jsonl(tmp_path / "data.jsonl", [chat_line(q, a) for q, a in QA[:10]])
    settings = {"max_steps": 2, "batch_size": 2, "lora_layers": 2, "fine_tuned_model_name": "t", **params}
    service.submit("base", data, "data.jsonl", settings)
    (job,) = service.run_queued()
    assert job.status == "succeeded", job.error
    return service, job


@pytest.mark.parametrize("bits", [None, 4], ids=["float", "4bit"])
@pytest.mark.parametrize("family", FAMILIES)
def test_family_fine_tunes_and_answers(
    family: str, bits: int | None, tiny_models: dict, home: Path, tmp_path: Path
) -> None:
    from fmscript.ai import families

    base = tiny_models[(family, bits)]
    config = json.loads((base / "config.json").read_text())
    assert config["model_type"] == family and ("quantization" in config) == bool(bits)
    service, _ = _train(home, base, tmp_path)
    card = json.loads((home / "models" / "fm-mlx-t" / "card.json").read_text())
    assert card["fine_tune_type"] == "lora"
    # a toy-width model adapts the family's MLP modules (see families.TOY_WIDTH)
    assert card["lora_parameters"]["keys"] == list(families.MLP_KEYS.get(family, families.MLP))
    answer = service.generate("fm-mlx-t", [{"role": "user", "content": "Hello"}], max_tokens=3)
    assert isinstance(answer, str)
    service.close()


def test_lora_keys_are_the_familys_usual_modules() -> None:
    from fmscript.ai import families

    for family in FAMILIES:
        config = families.tiny_config(family, hidden_size=896, heads=14, kv=2)
        assert families.lora_keys(config) == list(families.LORA_KEYS[family])
    assert "self_attn.qkv_proj" in families.LORA_KEYS["phi3"]
    assert families.lora_keys({"model_type": "llama", "hidden_size": 64}) == list(families.MLP)
    assert families.lora_keys({"model_type": "somethingnew", "hidden_size": 4096}) is None  # mlx-lm's default


def test_family_facts_of_the_real_configs(tiny_models: dict) -> None:
    llama = json.loads((tiny_models[("llama", None)] / "config.json").read_text())
    assert llama["num_key_value_heads"] < llama["num_attention_heads"]  # GQA
    assert llama["rope_scaling"]["rope_type"] == "llama3"
    phi3 = json.loads((tiny_models[("phi3", 4)] / "config.json").read_text())
    assert phi3["quantization"] == {"group_size": 64, "bits": 4}


@pytest.mark.parametrize("kind", ["dora", "full"])
def test_fine_tune_types_are_recorded_and_load(
    kind: str, tiny_models: dict, home: Path, tmp_path: Path
) -> None:
    import mlx_lm

    base = tiny_models[("qwen2", None)]
    params = {"fine_tune_type": kind, "lora_rank": 4, "lora_scale": 8, "lora_dropout": 0.1}
    params |= {"grad_checkpoint": "true", "mask_prompt": False}
    service, _ = _train(home, base, tmp_path, **params)
    folder = home / "models" / "fm-mlx-t"
    card = json.loads((folder / "card.json").read_text())
    assert card["fine_tune_type"] == kind
    assert {k: card["parameters"][k] for k in params} == {
        "fine_tune_type": kind, "lora_rank": 4, "lora_scale": 8.0, "lora_dropout": 0.1,
        "grad_checkpoint": True, "mask_prompt": False,
    }  # fmt: skip
    adapter = json.loads((folder / "adapter_config.json").read_text())
    assert adapter["fine_tune_type"] == kind and adapter["lora_parameters"]["rank"] == 4
    mlx_lm.load(str(base), adapter_path=str(folder))  # the form mlx-lm reads
    assert service.generate("fm-mlx-t", [{"role": "user", "content": "Hi"}], max_tokens=2) is not None
    service.close()


def test_lora_keys_parameter_overrides_the_family(tiny_models: dict, home: Path, tmp_path: Path) -> None:
    _train(home, tiny_models[("llama", 4)], tmp_path, lora_keys="self_attn.q_proj, self_attn.v_proj")
    card = json.loads((home / "models" / "fm-mlx-t" / "card.json").read_text())
    assert card["lora_parameters"]["keys"] == ["self_attn.q_proj", "self_attn.v_proj"]


def test_lora_keys_naming_nothing_is_a_clean_failure(tiny_models: dict, home: Path, tmp_path: Path) -> None:
    service = LocalFineTuning(home, Settings(home_override=home, progress=False))
    service.store.models.add_base("base", tiny_models[("llama", None)])
    data = write_jsonl(tmp_path / "data.jsonl", [chat_line(q, a) for q, a in QA[:10]])
    service.submit("base", data, "d.jsonl", {"max_steps": 2, "batch_size": 2, "lora_keys": ["mlp.nothing"]})
    (job,) = service.run_queued()
    assert job.status == "failed" and job.error is not None
    assert "name no module of this model's layers" in job.error.message


def test_cpu_speed_up_leaves_quantized_layers_alone(tiny_models: dict) -> None:
    import mlx.core as mx
    import mlx.nn as nn

    from fmscript.ai.engines import mlx_cpu, mlx_generate, mlx_local
    from fmscript.ai.params import LocalParams

    if mx.default_device() != mx.cpu:
        pytest.skip("the speed-up applies on mlx's CPU backend only")
    model, _ = mlx_generate.load_model(tiny_models[("mistral", 4)])
    params = LocalParams(lora_layers=2)
    mlx_local.adapt(model, params, mlx_local.lora_parameters(tiny_models[("mistral", 4)], params))
    assert mlx_cpu.speed_up_frozen_layers(model) == 0  # every frozen matmul is a quantized one
    kinds = {type(m) for _, m in model.named_modules()}
    assert nn.QuantizedLinear in kinds and nn.Linear not in kinds


def test_training_that_cannot_fit_is_refused_before_it_starts(
    tiny_models: dict, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmscript.ai import train_memory

    monkeypatch.setattr(train_memory, "physical_memory", lambda: 1_000_000)  # a 1 MB machine
    service = LocalFineTuning(home, Settings(home_override=home, progress=False))
    service.store.models.add_base("base", tiny_models[("llama", None)])
    data = write_jsonl(tmp_path / "data.jsonl", [chat_line(q, a) for q, a in QA[:10]])
    service.submit("base", data, "d.jsonl", {"max_steps": 2, "batch_size": 2})
    (job,) = service.run_queued()
    assert job.status == "failed" and job.error is not None
    assert "more than this machine's 1.0 MB: lower batch_size" in job.error.message
    events = [e.message for e in service.store.jobs.events(job.id)]
    assert any(m.startswith("Estimated peak memory: ") for m in events)
    assert not any("training loss" in m for m in events)  # refused before the first step
