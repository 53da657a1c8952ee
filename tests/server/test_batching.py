"""Chat generation in the server's one mlx thread: concurrent requests on the resident model are
decoded together and give exactly what one request alone gives (greedy)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fmscript.ai.service import LocalFineTuning
from fmscript.errors import ScriptRuntimeError
from fmscript.server.batching import GenerationThread
from tests.server.conftest import make_home

pytestmark = pytest.mark.slow
PROMPTS = ["How do I reset my password?", "What is 2 + 2?", "こんにちは", "Tell me about billing."]


def test_concurrent_requests_match_single_generation(tmp_path: Path, demo_model: Path) -> None:
    service = LocalFineTuning(make_home(tmp_path / "home", demo_model))
    expected = [service.generate("demo", [{"role": "user", "content": p}], max_tokens=7) for p in PROMPTS]
    generation = GenerationThread(service, max_batch=3)  # four requests: one waits for a free slot
    results: dict[int, tuple[str, str | None, int]] = {}

    def ask(index: int) -> None:
        stream = generation.submit("demo", [{"role": "user", "content": PROMPTS[index]}], 7)
        results[index] = (stream.text(), stream.finish_reason, stream.completion_tokens)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(PROMPTS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [results[i][0] for i in range(len(PROMPTS))] == expected
    assert all(reason in ("stop", "length") and 0 < count <= 7 for _, reason, count in results.values())

    with pytest.raises(ScriptRuntimeError) as missing:
        generation.submit("fm-mlx-nothing-here", [{"role": "user", "content": "x"}], 4)
    assert missing.value.code == 10
    empty = generation.submit("demo", [{"role": "user", "content": "x"}], 0)
    assert (empty.text(), empty.finish_reason) == ("", "length")
