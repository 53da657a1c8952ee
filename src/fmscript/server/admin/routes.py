"""The admin page's routes: the static page under ``/admin`` and its JSON under ``/admin/api``.

The page itself (HTML, CSS, JS in ``static/``) is public — it holds nothing secret; every
``/admin/api`` route needs the same Bearer API key as the OpenAI-compatible routes, which the page
calls directly for what they already do (upload, create, cancel, delete, chat).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from fmscript.ai.jobs.interface import Store
from fmscript.errors import FMScriptError
from fmscript.server.admin import chart, insights

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
}
# Everything the page loads comes from this server; inline SVG needs no exception.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
MAX_UPLOAD = 512 * 1024 * 1024


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": "invalid_request_error", "code": code}}, status
    )


def create_admin_router(
    store: Callable[[], Store],
    auth: Callable[..., Any] | None = None,
    temp_dir: Path | None = None,
) -> APIRouter:
    """The admin routes over the job store ``store()`` returns; ``auth`` is the server's API-key
    dependency (None only in tests of the page's JSON)."""
    router = APIRouter(include_in_schema=False)
    api = APIRouter(
        prefix="/admin/api", dependencies=[Depends(auth)] if auth else [], include_in_schema=False
    )
    curves = insights.CurveCache()

    @router.get("/admin")
    def admin_root() -> Response:
        return RedirectResponse("/admin/", status_code=308)

    @router.get("/admin/")
    def admin_page() -> Response:
        return FileResponse(STATIC / "index.html", media_type=MEDIA_TYPES[".html"], headers=SECURITY_HEADERS)

    @router.get("/admin/static/{name}")
    def admin_static(name: str) -> Response:
        path = STATIC / name
        if "/" in name or name.startswith(".") or path.suffix not in MEDIA_TYPES or not path.is_file():
            return _error(404, f"no such file: {name}", "not_found")
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)

    @api.get("/session")
    def session() -> dict[str, Any]:
        """200 when the key is good: the page's sign-in check."""
        return {"ok": True}

    @api.get("/jobs")
    def jobs(limit: int = 200) -> dict[str, Any]:
        st = store()
        rows = [insights.job_summary(job, curves.curve(st, job.id)) for job in st.jobs.list(limit=limit)]
        return {"object": "list", "data": rows}

    @api.get("/jobs/{job_id}")
    def job(job_id: str) -> Response:
        st = store()
        try:
            found = st.jobs.get(job_id)
        except FMScriptError as exc:
            return _error(404, exc.message, "job_not_found")
        return JSONResponse(insights.job_detail(st, found, curves.curve(st, job_id)))

    @api.get("/jobs/{job_id}/chart.svg")
    def job_chart(job_id: str, width: int = chart.WIDTH) -> Response:
        st = store()
        try:
            found = st.jobs.get(job_id)
        except FMScriptError as exc:
            return _error(404, exc.message, "job_not_found")
        curve = curves.curve(st, job_id)
        svg = chart.loss_chart_svg(
            curve.train, curve.val, insights.max_steps(found, curve), f"Loss per step of {job_id}", width
        )
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @api.get("/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [insights.model_info(m) for m in store().models.list()]}

    @api.get("/workers")
    def workers() -> dict[str, Any]:
        """The ``fmscript worker`` processes the store knows (none where the server trains itself)."""
        return {"object": "list", "data": [insights.worker_info(w) for w in store().workers.list()]}

    @api.post("/files")
    async def validate(request: Request, filename: str = "training.jsonl") -> Response:
        """Check a training file: the raw JSONL in the body → every bad line with its number.

        Nothing is stored (the page uploads through ``/v1/files`` once the file is good); the path
        ends in ``/files`` so the server's body limit for uploads, not for JSON requests, applies."""
        folder = temp_dir or Path(tempfile.gettempdir())
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix="admin-validate-", suffix=".jsonl") as tmp:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    return _error(413, f"the file is larger than {MAX_UPLOAD >> 20} MB", "file_too_large")
                tmp.write(chunk)
            tmp.flush()
            try:
                report = insights.validation_report(Path(tmp.name), Path(filename).name or "training.jsonl")
            except FMScriptError as exc:
                return _error(400, exc.message, "invalid_file")
        return JSONResponse(report)

    router.include_router(api)
    return router
