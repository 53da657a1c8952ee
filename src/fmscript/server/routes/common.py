"""What the route modules share."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from fmscript.server.state import ServerState


def server(request: Request) -> ServerState:
    """FastAPI dependency: the app's :class:`ServerState`."""
    state: ServerState = request.app.state.server
    return state


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
