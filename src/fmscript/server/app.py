"""The FastAPI app of ``fmscript serve``: :func:`create_app` (the CLI runs it with uvicorn).

Routes: the same API under ``/llm/v1`` (FileMaker's AI Model Server path, the Endpoint a Custom
account names) and ``/v1`` (what OpenAI clients expect); ``GET /health`` without a key; the
OpenAPI document at ``/openapi.json`` and its pages at ``/docs`` and ``/redoc`` (their scripts served
from this server, so they work offline). Every error is OpenAI-shaped.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fmscript.errors import FMScriptError
from fmscript.server.config import ServerOptions
from fmscript.server.errors import APIError, from_fmscript
from fmscript.server.limits import BodyLimit
from fmscript.server.state import ServerState
from fmscript.settings import Settings

PREFIXES = ("/llm/v1", "/v1")
log = logging.getLogger("fmscript.server")


def create_app(settings: Settings, options: ServerOptions | None = None) -> FastAPI:
    """The server app over ``settings.home`` (its jobs, files, models and API keys).

    The training queue starts with the app (its lifespan) and stops with it. To add routes
    (e.g. an admin console), include routers on the returned app, or below where the API is.
    """
    from fmscript._version import __version__ as version
    from fmscript.server.routes import api_router

    options = options or ServerOptions()
    state = ServerState(settings, options)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.start()
        try:
            yield
        finally:
            state.stop()

    # /docs and /redoc load Swagger UI / ReDoc from the fastapi-offline package's own copies
    # (served under /static-offline-docs), never from a CDN: the pages work offline.
    from fastapi_offline import FastAPIOffline

    app = FastAPIOffline(
        title="fmscript AI Model Server",
        version=version,
        summary="OpenAI-compatible fine-tuning, models and chat completions over fmscript's local engine.",
        lifespan=lifespan,
    )
    app.state.server = state
    app.add_middleware(BodyLimit, upload=options.max_upload_bytes, body=options.max_body_bytes)
    _error_handlers(app)

    @app.get("/health", tags=["health"], summary="Liveness (no API key needed)")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": version,
            "training": state.queue.current,
            "store": state.store_health(),
            "queue": {"queued": state.store.jobs.queue_depth()},
        }

    router = api_router()
    for prefix in PREFIXES:
        app.include_router(router, prefix=prefix)
    # Further routers (the admin console, …) are included here, after the API.
    from fmscript.server.admin.routes import create_admin_router
    from fmscript.server.auth import require_key

    app.include_router(create_admin_router(lambda: state.store, require_key, settings.temp))
    return app


def _error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, APIError)
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
        codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
        error = APIError(
            exc.status_code,
            str(exc.detail),
            kind,
            codes.get(exc.status_code),
            headers=dict(exc.headers or {}),
        )
        return await api_error(request, error)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        param = ".".join(where) or None
        message = f"{param + ': ' if param else ''}{first.get('msg', 'invalid request')}"
        return await api_error(request, APIError(400, message, param=param, code="invalid_request"))

    async def fmscript_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FMScriptError)
        return await api_error(request, from_fmscript(exc))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        error = APIError(
            500, f"internal server error ({type(exc).__name__})", "server_error", "internal_error"
        )
        return await api_error(request, error)

    app.add_exception_handler(APIError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(FMScriptError, fmscript_error)
    app.add_exception_handler(Exception, unexpected)
