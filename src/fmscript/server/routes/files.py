"""``/files``: upload (multipart, purpose ``fine-tune``), list, retrieve, download, delete.

An upload is validated like ``fmscript validate`` before it is kept: a bad file is refused (400)
with every bad line and its number in the message. The file is stored under a generated name
(``<home>/files/<id>.jsonl``); the client's name is only a label, reduced to its last component.
"""

from __future__ import annotations

import re
import secrets
import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from fmscript.ai import datasets
from fmscript.ai import home as homes
from fmscript.ai.jobs import wire
from fmscript.ai.jobs.records import FileRecord
from fmscript.errors import FMScriptError
from fmscript.server.errors import APIError, from_fmscript, not_found
from fmscript.server.routes.common import server, wire_shape
from fmscript.server.state import ServerState

router = APIRouter(tags=["files"])
Server = Annotated[ServerState, Depends(server)]
Shape = Annotated[wire.Shape, Depends(wire_shape)]
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def display_name(name: str | None) -> str:
    """The label kept for an uploaded file: its last path component, no control characters."""
    label = _UNSAFE.sub("", re.split(r"[\\/]", name or "")[-1]).strip()
    return label[:255] if label not in ("", ".", "..") else "upload.jsonl"


def _store_upload(state: ServerState, upload: UploadFile) -> FileRecord:
    tmp = homes.files_dir(state.home) / f".upload-{secrets.token_hex(8)}.jsonl"
    try:
        with open(tmp, "wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        report = datasets.validate_jsonl(tmp)
        if not report.ok:
            text = report.format_text(limit=None).replace(tmp.name, display_name(upload.filename), 1)
            raise APIError(
                400,
                f"invalid training file {text}",
                code="invalid_file",
                param="file",
            )
        return state.store.files.create(tmp, display_name(upload.filename))
    except OSError as exc:
        raise APIError(
            507, f"cannot store the upload: {exc.strerror or exc}", "server_error", "storage_error"
        ) from None
    except FMScriptError as exc:
        raise from_fmscript(exc, "file") from None
    finally:
        tmp.unlink(missing_ok=True)


@router.post("/files", summary="Upload a fine-tuning JSONL file")
async def upload_file(
    state: Server,
    shape: Shape,
    file: Annotated[UploadFile, File(description="The JSONL training data")],
    purpose: Annotated[str, Form()] = "fine-tune",
) -> dict[str, Any]:
    if purpose != "fine-tune":
        raise APIError(400, f"purpose {purpose!r} is not supported here (only 'fine-tune')", param="purpose")
    return wire.file_object(await run_in_threadpool(_store_upload, state, file), shape)


@router.get("/files", summary="List files")
async def list_files(state: Server, shape: Shape, purpose: str | None = None) -> dict[str, Any]:
    files = [wire.file_object(f, shape) for f in state.store.files.list() if purpose in (None, f.purpose)]
    return {"object": "list", "data": files, "has_more": False}


def _file(state: ServerState, file_id: str) -> FileRecord:
    try:
        return state.store.files.get(file_id)
    except FMScriptError:
        raise not_found("file", file_id, "file_not_found") from None


@router.get("/files/{file_id}", summary="Retrieve a file")
async def get_file(state: Server, shape: Shape, file_id: str) -> dict[str, Any]:
    return wire.file_object(_file(state, file_id), shape)


@router.get("/files/{file_id}/content", summary="Download a file's content", response_model=None)
async def file_content(state: Server, file_id: str) -> FileResponse:
    file = _file(state, file_id)
    path = await run_in_threadpool(state.store.files.local_path, file_id)
    return FileResponse(path, media_type="application/jsonl", filename=file.filename)


@router.delete("/files/{file_id}", summary="Delete a file")
async def delete_file(state: Server, file_id: str) -> dict[str, Any]:
    _file(state, file_id)
    busy = [
        j.id for j in state.store.jobs.list() if j.file_id == file_id and j.status in ("queued", "running")
    ]
    if busy:
        raise APIError(409, f"file {file_id} is in use by job {busy[0]}", code="file_in_use")
    state.store.files.delete(file_id)
    return {"id": file_id, "object": "file", "deleted": True}
