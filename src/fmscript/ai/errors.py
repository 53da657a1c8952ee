"""Error codes of the AI steps and a helper to raise them (the table is in :mod:`fmscript.ai`)."""

from __future__ import annotations

from fmscript.errors import ScriptRuntimeError

CANCELLED = 1
UNAVAILABLE = 3
UNKNOWN_MODEL = 10
BAD_NAME = 11
BAD_PARAMETER = 14
FILE_MISSING = 100
UNKNOWN_JOB = 101
INVALID_TRAINING_DATA = 509
CANNOT_CREATE_FILE = 800
CANNOT_OPEN_FILE = 802
UNEXPECTED = -1


def ai_error(message: str, code: int) -> ScriptRuntimeError:
    """A :class:`ScriptRuntimeError` with one of the codes above (raise it)."""
    return ScriptRuntimeError(message, code=code)
