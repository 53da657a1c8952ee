"""DPO through the OpenAI provider: the job body carries method.type "dpo" with numeric
hyperparameters, preference data are recognised by shape, and mismatches upload nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ai.test_remote_openai import API, QA, RECORDED, _run, _script, respx

PREFS = [
    json.dumps(
        {
            "input": {"messages": [{"role": "user", "content": q}]},
            "preferred_output": [{"role": "assistant", "content": a}],
            "non_preferred_output": [{"role": "assistant", "content": "I don't know."}],
        }
    )
    for q, a, _ in QA
]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"type": "dpo"}),
        (
            {"method": "dpo", "beta": "0.2", "n_epochs": "2", "batch_size": 4, "learning_rate_multiplier": ".5"},
            {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2, "batch_size": 4,
                                                        "learning_rate_multiplier": 0.5}}},
        ),
        ({"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}}, "n_epochs": 1},
         {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1, "n_epochs": 1}}}),
    ],
)  # fmt: skip
def test_openai_sends_dpo_method(params: dict[str, Any], expected: dict[str, Any], tmp_path: Path) -> None:
    with respx.mock(base_url=API) as mock:
        upload = mock.post("/files").respond(200, json=RECORDED["file"])
        create = mock.post("/fine_tuning/jobs").respond(200, json=RECORDED["job_created"])
        code, _, err, _ = _run(_script(tmp_path, params, lines=PREFS), tmp_path)
    assert code == 0, err
    assert '"preferred_output"' in upload.calls[0].request.content.decode()
    body = json.loads(create.calls[0].request.content)
    assert body == {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-abc123", "method": expected}


@pytest.mark.parametrize(
    ("params", "lines", "words"),
    [
        ({"method": "dpo"}, None, ["line 1", "a chat (messages) line in a dpo file"]),
        ({"beta": 0.1}, None, ["'beta'", "dpo method only"]),
        ({"method": "ppo"}, PREFS, ["'ppo'", "not supported"]),
        (
            {},
            [*PREFS[:5], PREFS[5].replace("non_preferred_output", "other")],
            ["line 6", "non_preferred_output"],
        ),
    ],
)
def test_dpo_mismatches_upload_nothing(
    params: dict[str, Any], lines: list[str] | None, words: list[str], tmp_path: Path
) -> None:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        upload = mock.post("/files").respond(200, json=RECORDED["file"])
        code, out, err, _ = _run(_script(tmp_path, params, lines=lines), tmp_path)
    assert code == 1
    assert not upload.called
    for word in words:
        assert word in err, err
