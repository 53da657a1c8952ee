"""Request size limits, enforced while the body streams in (before anything parses it).

A declared ``Content-Length`` over the limit is refused at once; a chunked body is counted as it
arrives and refused when it passes the limit (an HTTPException the app's handler answers). Either
way the answer is an OpenAI-shaped 413.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _message(limit: int) -> str:
    return f"the request body is larger than this server's limit of {limit} bytes"


class BodyLimit:
    """ASGI middleware: at most ``upload`` bytes for paths ending in ``/files``, ``body`` elsewhere."""

    def __init__(self, app: ASGIApp, upload: int, body: int) -> None:
        self.app = app
        self.upload = upload
        self.body = body

    def limit_for(self, path: str) -> int:
        return self.upload if path.rstrip("/").endswith("/files") else self.body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(send, limit)
                    return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI lets an HTTPException from the body reader through (anything else
                    # becomes "error parsing the body", a 400); the app's handler shapes it.
                    from starlette.exceptions import HTTPException

                    raise HTTPException(413, _message(limit))
            return message

        await self.app(scope, counting_receive, send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": {
                    "message": _message(limit),
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "request_too_large",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
