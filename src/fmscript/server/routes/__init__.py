"""The API routes; :func:`api_router` gathers them (mounted under ``/llm/v1`` and ``/v1``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from fmscript.server.auth import require_key


def api_router() -> APIRouter:
    from fmscript.server.routes import chat, embeddings, files, jobs, models

    router = APIRouter(dependencies=[Depends(require_key)])
    for module in (files, jobs, models, chat, embeddings):
        router.include_router(module.router)
    return router
