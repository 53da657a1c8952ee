"""LocalFineTuning.generate_stream: chunks as they come, the same text as generate, one resident model."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmscript.ai.service import LocalFineTuning
from fmscript.errors import ScriptRuntimeError

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def test_stream_chunks_join_to_the_generated_text(demo_home: Path) -> None:
    from fmscript.ai.engines import mlx_generate

    service = LocalFineTuning(demo_home)
    chunks = list(service.generate_stream("demo", QUESTION, max_tokens=6))
    assert chunks and all(isinstance(c, str) and c for c in chunks)
    assert "".join(chunks) == service.generate("demo", QUESTION, max_tokens=6)
    assert len(mlx_generate._LOADED) == 1  # resident, one at a time
    assert list(service.generate_stream("demo", QUESTION, max_tokens=0)) == []


def test_stream_checks_the_model_and_messages_at_the_call(demo_home: Path) -> None:
    service = LocalFineTuning(demo_home)
    with pytest.raises(ScriptRuntimeError) as info:
        service.generate_stream("fm-mlx-nothing", QUESTION)
    assert info.value.code == 10
    with pytest.raises(ScriptRuntimeError) as info:
        service.generate_stream("demo", [{"role": "user"}])  # type: ignore[list-item]
    assert info.value.code == 14
