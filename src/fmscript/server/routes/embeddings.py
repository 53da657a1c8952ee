"""``/embeddings`` in OpenAI's shape, on the server's models: the mean-pooled, normalised last
hidden state of a base or fine-tuned model (``ai/engines/mlx_embed.py``), the same vectors the
Local provider gives Insert Embedding and GetEmbedding. ``encoding_format`` ``float`` (a JSON
array) or ``base64`` (little-endian float32, what the openai SDK asks for by default). Runs in the
server's one mlx thread, between chat decoding steps.
"""

from __future__ import annotations

import base64
import struct
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from fmscript.errors import FMScriptError
from fmscript.server.errors import APIError, from_fmscript
from fmscript.server.routes.common import server
from fmscript.server.state import ServerState

router = APIRouter(tags=["embeddings"])
Server = Annotated[ServerState, Depends(server)]
MAX_INPUTS = 2048  # OpenAI's limit per request
MAX_INPUT_CHARS = 32_000


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    input: str | list[str] = Field(description="a text or a list of texts")
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)
    user: str | None = None


def _texts(body: EmbeddingRequest) -> list[str]:
    texts = [body.input] if isinstance(body.input, str) else list(body.input)
    if not texts or len(texts) > MAX_INPUTS:
        raise APIError(400, f"input must hold 1 to {MAX_INPUTS} texts", param="input")
    if any(len(t) > MAX_INPUT_CHARS for t in texts):
        raise APIError(400, f"an input is longer than {MAX_INPUT_CHARS} characters", param="input")
    if body.dimensions is not None:
        raise APIError(
            400, "this server's models have one embedding size: leave dimensions out", param="dimensions"
        )
    return texts


def _embed(state: ServerState, model: str, texts: list[str]) -> tuple[list[list[float]], int]:
    from fmscript.ai.engines import mlx_embed

    base, adapter = state.service.model_paths(model)
    return state.chat.call(lambda: mlx_embed.embed_counted(base, adapter, texts))


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


@router.post("/embeddings", summary="Embedding vectors of texts")
async def embeddings(state: Server, body: EmbeddingRequest) -> dict[str, Any]:
    texts = _texts(body)
    try:
        vectors, tokens = await run_in_threadpool(_embed, state, body.model, texts)
    except FMScriptError as exc:
        raise from_fmscript(exc, "model" if exc.code == 10 else "input") from None
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": _encoded(v, body.encoding_format)}
            for i, v in enumerate(vectors)
        ],
        "model": body.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
