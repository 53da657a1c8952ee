"""``/models``: base models and fine-tuned ``fm-mlx-*`` models (ids may contain ``/``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from fmscript.ai.jobs.wire import model_object
from fmscript.errors import FMScriptError
from fmscript.server.errors import APIError, not_found
from fmscript.server.routes.common import server
from fmscript.server.state import ServerState

router = APIRouter(tags=["models"])
Server = Annotated[ServerState, Depends(server)]


def _models(state: ServerState) -> list[dict[str, Any]]:
    return [model_object(m) for m in state.service.list_models() if m.exists]


@router.get("/models", summary="List base and fine-tuned models")
async def list_models(state: Server) -> dict[str, Any]:
    return {"object": "list", "data": _models(state)}


@router.get("/models/{model_id:path}", summary="Retrieve a model")
async def get_model(state: Server, model_id: str) -> dict[str, Any]:
    for model in _models(state):
        if model["id"] == model_id:
            return model
    raise not_found("model", model_id, "model_not_found")


@router.delete("/models/{model_id:path}", summary="Delete a model")
async def delete_model(state: Server, model_id: str, force: bool = False) -> dict[str, Any]:
    """A base model that fine-tuned models depend on is a 409 listing them, unless ``?force=true``."""
    if not any(model["id"] == model_id for model in _models(state)):
        raise not_found("model", model_id, "model_not_found")
    users = [] if model_id.startswith("fm-mlx-") or force else state.service.dependants(model_id)
    if users:
        raise APIError(
            409,
            f"model {model_id} is the base model of {', '.join(users)}: delete those first "
            "(or ?force=true; they would stop working)",
            code="model_has_dependants",
        )
    active = [
        j.id
        for j in state.store.jobs.list()
        if j.status in ("queued", "running") and model_id in (j.model, j.fine_tuned_model)
    ]
    if active:
        raise APIError(409, f"model {model_id} is in use by job {active[0]}", code="model_in_use")
    try:
        if model_id.startswith("fm-mlx-"):
            state.service.delete_model(model_id)
        else:
            state.store.models.remove(model_id)
    except FMScriptError as exc:
        raise not_found("model", model_id, "model_not_found") from exc
    return {"id": model_id, "object": "model", "deleted": True}
