"""Bearer API keys: every route except ``/health`` (and the API docs) needs an active key.

The key is compared by hash (:class:`~fmscript.ai.keys.KeyStore`) and never logged or echoed: a
refused request is told only that its key is missing, malformed or not valid.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fmscript.server.errors import APIError

bearer = HTTPBearer(auto_error=False, description="An API key from `fmscript keys create NAME`.")


def _unauthorized(message: str) -> APIError:
    return APIError(
        401, message, "invalid_request_error", "invalid_api_key", headers={"WWW-Authenticate": "Bearer"}
    )


async def require_key(request: Request) -> str:
    """FastAPI dependency: the name of the caller's key, or a 401."""
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    if credentials is None:
        raise _unauthorized(
            "You didn't provide an API key: send 'Authorization: Bearer KEY' (create one with `fmscript keys create NAME`)."
        )
    name = request.app.state.server.keys.verify(credentials.credentials)
    if name is None:
        raise _unauthorized("Incorrect API key provided (it is unknown or was revoked).")
    request.state.key_name = name
    return name
