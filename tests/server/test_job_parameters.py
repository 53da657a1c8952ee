"""POST /fine_tuning/jobs: OpenAI's fields and the AI Model Server's, as data -> local parameters."""

from __future__ import annotations

from typing import Any

import pytest

from fmscript.server.errors import APIError
from fmscript.server.jobs import local_parameters

CASES: list[tuple[dict[str, Any], int | None, dict[str, Any]]] = [
    # (request fields, FMSCRIPT_MAX_STEPS cap, parameters for the local engine)
    ({}, None, {}),
    ({"max_steps": "1500", "learning_rate": "1e-4", "batch_size": "2", "fine_tuned_model_name": "p"}, None,
     {"max_steps": "1500", "learning_rate": "1e-4", "batch_size": "2", "fine_tuned_model_name": "p"}),
    ({"max_steps": "1500"}, 5, {"max_steps": 5}),
    ({"max_steps": 3}, 5, {"max_steps": 3}),
    ({}, 5, {"max_steps": 5}),
    ({"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 4}}}}, None,
     {"batch_size": 4, "max_steps": 6}),  # ceil(12 examples x 2 epochs / batch 4)
    ({"hyperparameters": {"n_epochs": "auto", "learning_rate_multiplier": 0.5}}, None,
     {"learning_rate": 1e-4, "max_steps": 36}),
    ({"hyperparameters": {"n_epochs": 1}, "method": {"supervised": {"hyperparameters": {"n_epochs": 3}}}}, None,
     {"max_steps": 36}),  # method wins over the deprecated top level
    ({"suffix": "my-model", "seed": 7}, None, {"fine_tuned_model_name": "my-model", "seed": 7}),
    ({"suffix": "ignored", "fine_tuned_model_name": "kept"}, None, {"fine_tuned_model_name": "kept"}),
    ({"max_steps": 10, "hyperparameters": {"n_epochs": 5}}, None, {"max_steps": 10}),
]  # fmt: skip


@pytest.mark.parametrize(("body", "cap", "expected"), CASES)
def test_local_parameters(body: dict[str, Any], cap: int | None, expected: dict[str, Any]) -> None:
    assert local_parameters(body, 12, cap) == expected


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"method": {"type": "reinforcement"}}, "method.type"),
        ({"hyperparameters": {"beta": 1}}, "hyperparameters.beta"),
        ({"hyperparameters": {"n_epochs": 0}}, "n_epochs"),
        ({"hyperparameters": {"learning_rate_multiplier": "fast"}}, "learning_rate_multiplier"),
    ],
)
def test_bad_fields_name_the_parameter(body: dict[str, Any], param: str) -> None:
    with pytest.raises(APIError) as error:
        local_parameters(body, 12, None)
    assert error.value.status == 400 and error.value.param == param
