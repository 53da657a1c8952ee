"""OpenAI-shaped errors: ``{"error": {"message", "type", "param", "code"}}`` with the right status.

fmscript's own errors (:class:`~fmscript.errors.FMScriptError`, with FileMaker codes) become HTTP
errors through :data:`STATUS_BY_CODE`; anything unexpected is a 500 whose message names the type
of the failure only (details go to the server log, never to the client).
"""

from __future__ import annotations

from typing import Any

from fmscript.ai import errors as codes

# FileMaker-style code -> (HTTP status, OpenAI error type, OpenAI error code)
STATUS_BY_CODE: dict[int, tuple[int, str, str]] = {
    codes.UNKNOWN_MODEL: (404, "invalid_request_error", "model_not_found"),
    codes.FILE_MISSING: (404, "invalid_request_error", "file_not_found"),
    codes.UNKNOWN_JOB: (404, "invalid_request_error", "job_not_found"),
    codes.BAD_NAME: (400, "invalid_request_error", "invalid_name"),
    codes.BAD_PARAMETER: (400, "invalid_request_error", "invalid_parameter"),
    codes.INVALID_TRAINING_DATA: (400, "invalid_request_error", "invalid_training_file"),
    codes.UNAVAILABLE: (503, "server_error", "unavailable"),
    codes.CANNOT_CREATE_FILE: (507, "server_error", "storage_error"),
    codes.CANNOT_OPEN_FILE: (500, "server_error", "storage_error"),
    12: (409, "invalid_request_error", "conflict"),
}


class APIError(Exception):
    """An error answer: raise it from a route."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def from_fmscript(exc: Any, param: str | None = None) -> APIError:
    """An :class:`APIError` for an fmscript error (its FileMaker code picks the status)."""
    status, type_, code = STATUS_BY_CODE.get(exc.code, (400, "invalid_request_error", "error"))
    return APIError(status, exc.message, type_, code, param)


def not_found(what: str, ident: str, code: str) -> APIError:
    return APIError(404, f"No such {what}: {ident}", code=code)
