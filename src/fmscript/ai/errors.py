"""Error codes of the AI steps (names from the one table in :mod:`fmscript.errors`) and a helper."""

from __future__ import annotations

from fmscript.errors import (
    CANNOT_CREATE_FILE,
    CANNOT_OPEN_FILE,
    COMMAND_UNAVAILABLE,
    CONNECTION_FAILED,
    DATA_MISSING,
    NAME_INVALID,
    NO_OPEN_FILE,
    NO_RECORD,
    OUT_OF_RANGE,
    UNKNOWN_ERROR,
    USER_CANCELED,
    VALUE_INVALID,
    ScriptRuntimeError,
)

# What each code means for fine-tuning (FileMaker's numbers; see fmscript.errors.ERROR_MEANINGS).
CANCELLED = USER_CANCELED
UNAVAILABLE = COMMAND_UNAVAILABLE
UNKNOWN_MODEL = DATA_MISSING
BAD_NAME = NAME_INVALID
BAD_PARAMETER = OUT_OF_RANGE
FILE_MISSING = NO_OPEN_FILE
UNKNOWN_JOB = NO_RECORD
INVALID_TRAINING_DATA = VALUE_INVALID
UNEXPECTED = UNKNOWN_ERROR
PROVIDER_FAILED = CONNECTION_FAILED

__all__ = [
    "BAD_NAME",
    "BAD_PARAMETER",
    "CANCELLED",
    "CANNOT_CREATE_FILE",
    "CANNOT_OPEN_FILE",
    "FILE_MISSING",
    "INVALID_TRAINING_DATA",
    "PROVIDER_FAILED",
    "UNAVAILABLE",
    "UNEXPECTED",
    "UNKNOWN_JOB",
    "UNKNOWN_MODEL",
    "ai_error",
]


def ai_error(message: str, code: int) -> ScriptRuntimeError:
    """A :class:`ScriptRuntimeError` with one of the codes above (raise it)."""
    return ScriptRuntimeError(message, code=code)
