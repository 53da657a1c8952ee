"""``/chat/completions`` on a base model or a fine-tuned ``fm-mlx-*`` model, plain or streamed (SSE).

As on the AI Model Server, one model is resident at a time (base + adapter, loaded on demand by
the engine) and one generation runs at a time; generation runs in a worker thread, so the event
loop keeps answering other requests meanwhile.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from fmscript.errors import FMScriptError
from fmscript.server.errors import APIError, from_fmscript
from fmscript.server.routes.common import server
from fmscript.server.state import ServerState

router = APIRouter(tags=["chat"])
Server = Annotated[ServerState, Depends(server)]


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    seed: int | None = None
    stream: bool = False
    n: int | None = Field(default=None, ge=1, le=1)


def _text(content: str | list[dict[str, Any]] | None) -> str:
    """OpenAI content: a string or a list of parts; the text parts are joined."""
    if content is None or isinstance(content, str):
        return content or ""
    return "".join(str(part.get("text", "")) for part in content if part.get("type", "text") == "text")


def _prepare(state: ServerState, body: ChatRequest) -> tuple[Iterator[str], int]:
    limit = body.max_completion_tokens or body.max_tokens or 256
    if limit > state.options.chat_max_tokens:
        raise APIError(
            400, f"max_tokens is more than this server's {state.options.chat_max_tokens}", param="max_tokens"
        )
    messages = [
        {"role": "system" if m.role == "developer" else m.role, "content": _text(m.content)}
        for m in body.messages
    ]
    try:
        chunks = state.service.generate_stream(
            body.model, messages, max_tokens=limit, temperature=body.temperature or 0.0, seed=body.seed
        )
    except FMScriptError as exc:
        raise from_fmscript(exc, "model" if exc.code == 10 else "messages") from None
    return chunks, limit


def _collect(chunks: Iterator[str]) -> tuple[str, int]:
    parts = list(chunks)
    return "".join(parts), len(parts)


@router.post("/chat/completions", summary="Chat with a base or fine-tuned model", response_model=None)
async def chat_completions(state: Server, body: ChatRequest) -> dict[str, Any] | StreamingResponse:
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if body.stream:
        try:  # an unknown model is a 404 before the stream starts
            await run_in_threadpool(state.service.model_paths, body.model)
        except FMScriptError as exc:
            raise from_fmscript(exc, "model") from None
        return StreamingResponse(_stream(state, body, completion_id, created), media_type="text/event-stream")
    async with state.generation:
        chunks, limit = _prepare(state, body)
        try:
            text, count = await run_in_threadpool(_collect, chunks)
        except FMScriptError as exc:
            raise from_fmscript(exc, "model") from None
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "length" if count >= limit else "stop",
                "logprobs": None,
            }
        ],
    }


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _stream(
    state: ServerState, body: ChatRequest, completion_id: str, created: int
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return _sse(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }
        )

    async with state.generation:
        try:
            chunks, limit = _prepare(state, body)
        except APIError as exc:
            yield _sse(exc.body())
            yield "data: [DONE]\n\n"
            return
        yield chunk({"role": "assistant", "content": ""})
        count = 0
        try:
            async for text in iterate_in_threadpool(chunks):
                count += 1
                yield chunk({"content": text})
        except FMScriptError as exc:
            yield _sse(from_fmscript(exc, "model").body())
            yield "data: [DONE]\n\n"
            return
        yield chunk({}, "length" if count >= limit else "stop")
        yield "data: [DONE]\n\n"
