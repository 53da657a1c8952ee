"""``/chat/completions`` on a base model or a fine-tuned ``fm-mlx-*`` model, plain or streamed (SSE).

As on the AI Model Server, one model is resident at a time (base + adapter, loaded on demand).
Generation runs in the server's one mlx thread (:mod:`fmscript.server.batching`), where concurrent
requests on the resident model are decoded together; the event loop keeps answering meanwhile.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from fmscript.ai.errors import BAD_PARAMETER
from fmscript.errors import FMScriptError
from fmscript.server.batching import ChatStream
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


def _submit(state: ServerState, body: ChatRequest) -> ChatStream:
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
        return state.chat.submit(body.model, messages, limit, body.temperature or 0.0, body.seed)
    except FMScriptError as exc:
        raise from_fmscript(exc, "model" if exc.code == 10 else "messages") from None


def _usage(stream: ChatStream) -> dict[str, int]:
    return {
        "prompt_tokens": stream.prompt_tokens,
        "completion_tokens": stream.completion_tokens,
        "total_tokens": stream.prompt_tokens + stream.completion_tokens,
    }


@router.post("/chat/completions", summary="Chat with a base or fine-tuned model", response_model=None)
async def chat_completions(state: Server, body: ChatRequest) -> dict[str, Any] | StreamingResponse:
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    # An unknown model or bad messages are an error answer before anything streams.
    stream = await run_in_threadpool(_submit, state, body)
    if body.stream:
        return StreamingResponse(
            _sse_stream(stream, body, completion_id, created), media_type="text/event-stream"
        )
    try:
        text = await run_in_threadpool(stream.text)
    except FMScriptError as exc:
        raise from_fmscript(exc, "messages" if exc.code == BAD_PARAMETER else "model") from None
    finally:
        stream.cancel()  # a cancelled request (client gone) or a timed-out one stops decoding
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": stream.finish_reason or "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(stream),
    }


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _sse_stream(
    stream: ChatStream, body: ChatRequest, completion_id: str, created: int
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> str:
        data: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        if usage is not None:
            data["usage"] = usage
        return _sse(data)

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for text in iterate_in_threadpool(iter(stream)):
            yield chunk({"content": text})
    except FMScriptError as exc:
        yield _sse(from_fmscript(exc, "model").body())
        yield "data: [DONE]\n\n"
        return
    finally:
        stream.cancel()  # a client that went away (the generator is closed): stop decoding for it
    yield chunk({}, stream.finish_reason or "stop", _usage(stream))
    yield "data: [DONE]\n\n"
