"""What the route modules share."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from fmscript.ai.jobs.wire import Shape
from fmscript.server.state import ServerState


def server(request: Request) -> ServerState:
    """FastAPI dependency: the app's :class:`ServerState`."""
    state: ServerState = request.app.state.server
    return state


def wire_shape(request: Request) -> Shape:
    """FastAPI dependency: ``/llm/v1`` answers as FileMaker's AI Model Server, ``/v1`` as OpenAI."""
    return "ai_model_server" if request.url.path.startswith("/llm/") else "openai"


def page(items: list[dict[str, Any]], after: str | None, limit: int, key: str = "id") -> dict[str, Any]:
    """An OpenAI list page of ``items`` (already newest first) after the cursor ``after``."""
    if after:
        for index, item in enumerate(items):
            if item[key] == after:
                items = items[index + 1 :]
                break
        else:
            items = []
    return {"object": "list", "data": items[:limit], "has_more": len(items) > limit}
