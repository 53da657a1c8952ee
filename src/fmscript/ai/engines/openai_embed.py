"""Embeddings through an OpenAI-compatible API (``POST /embeddings``): OpenAI itself, or a Custom
server (``fmscript serve`` included). Calls, timeouts and errors as :mod:`openai_remote`'s."""

from __future__ import annotations

import json

from fmscript.ai import remote_errors as rc
from fmscript.ai.engines.openai_remote import Remote


def embed(remote: Remote, model: str, texts: list[str]) -> list[list[float]]:
    """One vector per text, in the order asked (the reply's ``index`` decides)."""
    data = remote._call(
        "embeddings",
        remote.client.embeddings.with_raw_response.create,
        model=model,
        input=texts,
        encoding_format="float",  # the SDK asks for base64 unless told
    )
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != len(texts):
        raise remote._error(
            rc.PROVIDER_FAILED,
            f"embeddings: the reply is not a list of {len(texts)} embeddings: {json.dumps(data)[:160]!r}",
        )
    vectors: list[list[float] | None] = [None] * len(texts)
    for position, item in enumerate(items):
        index = item.get("index", position) if isinstance(item, dict) else None
        vector = item.get("embedding") if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(texts) or not isinstance(vector, list):
            raise remote._error(rc.PROVIDER_FAILED, f"embeddings: item {position} is not an embedding")
        vectors[index] = [float(x) for x in vector]
    if any(v is None for v in vectors):
        raise remote._error(rc.PROVIDER_FAILED, "embeddings: the reply misses an embedding")
    return [v for v in vectors if v is not None]
