"""Chat completions through an OpenAI-compatible API (provider OpenAI with ``ft:`` names, or
Custom: any server at the account's Endpoint, ``fmscript serve`` included), with the ``openai`` SDK.

Calls share :class:`~fmscript.ai.engines.openai_remote.Remote`: bounded timeouts
(``Settings.connect_timeout`` / ``request_timeout``), ``max_retries``, replies checked before use,
every failure a coded :class:`ScriptRuntimeError` (see :mod:`fmscript.ai.remote_errors`), the key
redacted from every message. ``openai`` is imported only when a Remote is built.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fmscript.ai import remote_errors as rc
from fmscript.ai.chat import ChatReply
from fmscript.ai.engines.openai_remote import OPENAI_BASE_URL, Remote, check_url
from fmscript.settings import Settings


def connect(provider: str, endpoint: str, api_key: str, verify_ssl: bool, settings: Settings) -> Remote:
    """A Remote for an account (``verify_ssl`` as the provider decided it: OpenAI always checks
    certificates, Custom when the account asks to)."""
    base_url = check_url(endpoint) if endpoint else OPENAI_BASE_URL
    return Remote(provider, base_url, api_key, verify_ssl, settings)


def chat(
    remote: Remote,
    model: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    tools: list[dict[str, Any]] | None = None,
    on_chunk: Callable[[str], None] | None = None,
) -> ChatReply:
    """One ``chat.completions`` call; with ``on_chunk`` the reply is streamed and each text delta
    passed to it as it arrives (the returned reply holds the whole text either way)."""
    args: dict[str, Any] = {**params, "model": model, "messages": messages}
    if tools:
        args["tools"] = tools
    if on_chunk is None:
        reply = remote._call("chat", remote.client.chat.completions.with_raw_response.create, **args)
        return _reply(remote, reply)
    return _stream(remote, args, on_chunk)


def _reply(remote: Remote, data: Any) -> ChatReply:
    choices = data.get("choices") if isinstance(data, dict) else None
    message = (
        choices[0].get("message")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict)
        else None
    )
    if not isinstance(message, dict):
        raise remote._error(
            rc.PROVIDER_FAILED, f"chat: the reply is not a chat completion: {json.dumps(data)[:160]!r}"
        )
    calls = message.get("tool_calls") or []
    return ChatReply(message.get("content") or "", tuple(c for c in calls if isinstance(c, dict)))


def _stream(remote: Remote, args: dict[str, Any], on_chunk: Callable[[str], None]) -> ChatReply:
    """Server-sent chunks: text deltas go to ``on_chunk``; tool-call deltas are joined by index."""
    openai = remote.openai
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finished = False
    try:
        stream = remote.client.chat.completions.create(**args, stream=True)
        for chunk in stream:
            for choice in chunk.choices or []:
                finished = finished or bool(getattr(choice, "finish_reason", None))
                delta = choice.delta
                if delta is None:
                    continue
                if delta.content:
                    text.append(delta.content)
                    on_chunk(delta.content)
                for part in delta.tool_calls or []:
                    call = calls.setdefault(
                        part.index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
                    )
                    call["id"] = part.id or call["id"]
                    if part.function is not None:
                        call["function"]["name"] += part.function.name or ""
                        call["function"]["arguments"] += part.function.arguments or ""
    except openai.APIError as exc:  # mapped as the other calls; else a stream that is not the API's
        mapped = remote.sdk_error("chat", exc)
        raise (mapped or remote._error(rc.PROVIDER_FAILED, f"chat: the stream broke off ({exc})")) from None
    if not finished:
        # A stream cut short (no finish_reason: the connection closed mid-answer) or one that was no
        # stream at all (an HTML page) is not an answer: error 1631, the partial text not kept.
        got = f"{len(''.join(text))} characters" if text else "nothing usable"
        raise remote._error(
            rc.PROVIDER_FAILED,
            f"chat: the reply stream of {remote.base_url} ended before the answer was complete "
            f"(no finish_reason; {got} arrived)",
        )
    return ChatReply("".join(text), tuple(calls[i] for i in sorted(calls)))
