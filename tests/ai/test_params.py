from __future__ import annotations

import re

import pytest

from fmscript.ai.params import LocalParams, default_model_name, full_model_name, parse_local_params
from fmscript.errors import ScriptRuntimeError


def test_defaults_match_the_ai_model_server_table() -> None:
    params = parse_local_params({})
    assert (params.max_steps, params.learning_rate, params.lora_layers, params.batch_size) == (
        1000,
        2e-4,
        4,
        1,
    )
    assert re.fullmatch(r"\d{8}-\d{6}", params.fine_tuned_model_name)
    assert parse_local_params(None).max_steps == 1000


def test_numbers_and_numeric_strings_as_jsonstring_sends_them() -> None:
    params = parse_local_params(
        {
            "max_steps": "1500",
            "learning_rate": ".0001",
            "batch_size": 2,
            "lora_layers": "6",
            "fine_tuned_model_name": "product-expert-v2",
        }
    )
    assert params == LocalParams(1500, 1e-4, 6, 2, "product-expert-v2")
    assert parse_local_params({"learning_rate": "1e-4"}).learning_rate == 1e-4
    assert parse_local_params({"learning_rate": 2e-4, "max_steps": 2000.0}).max_steps == 2000
    assert parse_local_params({"max_steps": " 7 ", "seed": "3"}).max_steps == 7
    assert parse_local_params({"max_steps": None}).max_steps == 1000


@pytest.mark.parametrize(
    ("obj", "key"),
    [
        ({"max_step": 10}, "max_step"),
        ({"max_steps": 0}, "max_steps"),
        ({"max_steps": "1.5"}, "max_steps"),
        ({"max_steps": "ten"}, "max_steps"),
        ({"max_steps": True}, "max_steps"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": "2"}, "learning_rate"),
        ({"learning_rate": "nan"}, "learning_rate"),
        ({"batch_size": -1}, "batch_size"),
        ({"lora_layers": [4]}, "lora_layers"),
        ({"fine_tuned_model_name": "a/b"}, "fine_tuned_model_name"),
        ({"fine_tuned_model_name": {"x": 1}}, "fine_tuned_model_name"),
    ],
)
def test_bad_key_or_value_names_the_key(obj: dict, key: str) -> None:
    with pytest.raises(ScriptRuntimeError) as info:
        parse_local_params(obj)
    assert key in info.value.message
    assert info.value.code in (11, 14)


def test_not_an_object() -> None:
    with pytest.raises(ScriptRuntimeError) as info:
        parse_local_params(["max_steps", 1])  # type: ignore[arg-type]
    assert info.value.code == 14


def test_full_model_name_turns_spaces_into_hyphens() -> None:
    assert full_model_name("my-fine-tuned-model-name") == "fm-mlx-my-fine-tuned-model-name"
    assert full_model_name(" customer support v1 ") == "fm-mlx-customer-support-v1"
    params = parse_local_params({"fine_tuned_model_name": "customer support v1"})
    assert params.fine_tuned_model_name == "customer-support-v1"
    assert params.full_name == "fm-mlx-customer-support-v1"
    assert parse_local_params({"fine_tuned_model_name": "顧客 サポート"}).full_name == "fm-mlx-顧客-サポート"


def test_blank_name_means_timestamp_and_lora_layers_are_capped() -> None:
    assert re.fullmatch(
        r"\d{8}-\d{6}", parse_local_params({"fine_tuned_model_name": " "}).fine_tuned_model_name
    )
    assert default_model_name(0).startswith("19")
    capped = parse_local_params({"lora_layers": 16}).capped(4)
    assert capped.lora_layers == 4 and "16" in capped.notes[0]
    assert parse_local_params({"lora_layers": 2}).capped(4).notes == ()
