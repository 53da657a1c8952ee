"""``/fine_tuning/jobs``: create (OpenAI's fields and the AI Model Server's), list, retrieve,
cancel, events, checkpoints. Jobs are trained by the server's queue, one at a time."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from fmscript.ai.jobs import wire
from fmscript.ai.jobs.records import Job
from fmscript.errors import FMScriptError
from fmscript.server import jobs as server_jobs
from fmscript.server.errors import not_found
from fmscript.server.routes.common import page, server, wire_shape
from fmscript.server.state import ServerState

router = APIRouter(tags=["fine-tuning"])
log = logging.getLogger("fmscript.server")
Server = Annotated[ServerState, Depends(server)]
Shape = Annotated[wire.Shape, Depends(wire_shape)]
# Strict: JSON true is not the number 1 (lax pydantic would queue max_steps: true as 1 step).
Number = StrictInt | StrictFloat | StrictStr


class JobCreate(BaseModel):
    """OpenAI's create fields, plus the AI Model Server parameters FileMaker's step sends."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="A base model (registered name, folder, or Hugging Face id)")
    training_file: str = Field(description="The id of an uploaded file")
    validation_file: str | None = None
    suffix: str | None = Field(default=None, max_length=64)
    seed: StrictInt | None = Field(default=None, ge=0, le=2147483647)
    hyperparameters: dict[str, Any] | None = None
    method: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    integrations: list[Any] | None = None
    max_steps: Number | None = Field(default=None, description="AI Model Server: training steps (1000)")
    learning_rate: Number | None = Field(default=None, description="AI Model Server: learning rate (2e-4)")
    lora_layers: Number | None = Field(default=None, description="AI Model Server: LoRA layers (4)")
    batch_size: Number | None = Field(default=None, description="AI Model Server: batch size (1)")
    fine_tuned_model_name: str | None = Field(
        default=None, description="AI Model Server: the model is fm-mlx-<name>"
    )


@router.post("/fine_tuning/jobs", summary="Create a fine-tuning job")
async def create_job(state: Server, shape: Shape, body: JobCreate) -> dict[str, Any]:
    job = await run_in_threadpool(
        server_jobs.create_job, state.service, body.model_dump(), state.settings.max_steps
    )
    state.queue.wake()
    log.info("job %s: queued (%s)", job.id, job.fine_tuned_model)
    return wire.job_object(job, shape)


def _job(state: ServerState, job_id: str) -> Job:
    try:
        return state.store.jobs.get(job_id)
    except FMScriptError:
        raise not_found("fine-tuning job", job_id, "job_not_found") from None


@router.get("/fine_tuning/jobs", summary="List fine-tuning jobs")
async def list_jobs(
    state: Server, shape: Shape, after: str | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> dict[str, Any]:
    jobs = [wire.job_object(job, shape) for job in state.store.jobs.list()]
    return page(jobs, after, limit)


@router.get("/fine_tuning/jobs/{job_id}", summary="Retrieve a fine-tuning job")
async def get_job(state: Server, shape: Shape, job_id: str) -> dict[str, Any]:
    return wire.job_object(_job(state, job_id), shape)


@router.post("/fine_tuning/jobs/{job_id}/cancel", summary="Cancel a fine-tuning job")
async def cancel_job(state: Server, shape: Shape, job_id: str) -> dict[str, Any]:
    _job(state, job_id)
    job = state.store.jobs.request_cancel(job_id)
    log.info("job %s: %s (cancel requested)", job_id, job.status)
    return wire.job_object(job, shape)


@router.get("/fine_tuning/jobs/{job_id}/events", summary="List a job's events, newest first")
async def job_events(
    state: Server,
    shape: Shape,
    job_id: str,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    _job(state, job_id)
    events = [
        wire.event_object(event, shape)
        for event in reversed(state.store.jobs.events(job_id))
        if event.message != "traceback"  # a failure's traceback stays in the server's store
    ]
    return page(events, after, limit)


@router.get("/fine_tuning/jobs/{job_id}/checkpoints", summary="List a job's checkpoints")
async def job_checkpoints(
    state: Server,
    shape: Shape,
    job_id: str,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    return page(wire.checkpoint_objects(_job(state, job_id), shape), after, limit)
