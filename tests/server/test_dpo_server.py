"""A DPO job created through the openai SDK on ``fmscript serve`` trains locally and succeeds."""

from __future__ import annotations

import json

import pytest

from tests.ai.test_dpo import RATED
from tests.server.conftest import LiveServer, wait_for

pytestmark = pytest.mark.slow


def test_dpo_job_through_the_openai_sdk(live: tuple[LiveServer, str]) -> None:
    import openai

    server, key = live
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=60)
    body = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in RATED).encode()
    uploaded = client.files.create(file=("prefs.jsonl", body), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="demo",
        training_file=uploaded.id,
        suffix="sdk-dpo",
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "batch_size": 4}}},
    )
    assert job.method is not None and job.method.type == "dpo"
    assert job.method.dpo is not None and job.method.dpo.hyperparameters is not None
    assert job.method.dpo.hyperparameters.beta == 0.2
    done = wait_for(
        lambda: (j := client.fine_tuning.jobs.retrieve(job.id)).status in ("succeeded", "failed") and j
    )
    assert done.status == "succeeded", done.error
    messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=100)]
    assert any("DPO loss" in m for m in messages), messages
    reply = client.chat.completions.create(
        model="fm-mlx-sdk-dpo", messages=[{"role": "user", "content": "hi"}], max_tokens=4
    )
    assert reply.choices[0].message.role == "assistant"

    with pytest.raises(openai.BadRequestError) as bad:
        client.fine_tuning.jobs.create(model="demo", training_file=uploaded.id, method={"type": "supervised"})
    assert "line 1" in str(bad.value)
