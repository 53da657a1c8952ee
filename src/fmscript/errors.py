"""Source spans and the one error hierarchy of fmscript.

Every error a user can see carries a :class:`SourceSpan`; ``str(error)`` renders
``file:line:col: Kind: message`` followed by the source line and a caret line, so the CLI never
has to show a traceback.
"""

from __future__ import annotations

import re

import attrs

# ---------------------------------------------------------------------------------------------------
# FileMaker error codes (Claris "FileMaker error codes"; reference §11): the one table every module
# uses through these names. ``Get ( LastError )`` reports the number; reports print the meaning.
UNKNOWN_ERROR = -1
NO_ERROR = 0
USER_CANCELED = 1
MEMORY_ERROR = 2
COMMAND_UNAVAILABLE = 3
COMMAND_UNKNOWN = 4
COMMAND_INVALID = 5
FILE_READ_ONLY = 6
DATA_MISSING = 10
NAME_INVALID = 11
NAME_EXISTS = 12
OUT_OF_RANGE = 14
DIVIDE_BY_ZERO = 15
OPERATION_FAILED = 16  # "operation failed; request retry"
REQUEST_NOT_SUPPORTED = 21
NO_OPEN_FILE = 100  # "file is missing"
NO_RECORD = 101  # "record is missing"
FIELD_MISSING = 102
RELATIONSHIP_MISSING = 103
SCRIPT_MISSING = 104
NO_LAYOUT = 105  # "layout is missing"
TABLE_MISSING = 106
REPETITION_INVALID = 111
WINDOW_MISSING = 112
INVALID_LOGIN = 212
ACCOUNT_MISSING = 213
FILE_LOCKED = 300
FUNCTION_MISSING = 113
RECORD_IN_USE = 301
FIND_CRITERIA_EMPTY = 400
NO_RECORDS_MATCH = 401
VALUE_NOT_UNIQUE = 504
VALUE_INVALID = 509
CANNOT_CREATE_FILE = 800
CANNOT_OPEN_FILE = 802
AI_ACCOUNT_MISSING = 877  # GetEmbedding: "Can't find AI account"
AI_REQUEST_INVALID = 882  # GetEmbedding: "Invalid AI request"
CALC_GENERIC = 1200
CALC_TOO_FEW_PARAMETERS = 1201
CALC_TOO_MANY_PARAMETERS = 1202
CALC_SYNTAX = 1208
PROTOCOL_NOT_SUPPORTED = 1626
AUTH_FAILED = 1627
SSL_ERROR = 1628
TIMED_OUT = 1629
URL_INVALID = 1630
CONNECTION_FAILED = 1631
CERTIFICATE_EXPIRED = 1632
CERTIFICATE_SELF_SIGNED = 1633
CERTIFICATE_VERIFY_FAILED = 1634

ERROR_MEANINGS: dict[int, str] = {
    UNKNOWN_ERROR: "unknown error",
    NO_ERROR: "no error",
    USER_CANCELED: "user canceled action",
    MEMORY_ERROR: "memory error",
    COMMAND_UNAVAILABLE: "command is unavailable",
    COMMAND_UNKNOWN: "command is unknown",
    COMMAND_INVALID: "command is invalid",
    FILE_READ_ONLY: "file is read-only",
    DATA_MISSING: "requested data is missing",
    NAME_INVALID: "name is not valid",
    NAME_EXISTS: "name already exists",
    OUT_OF_RANGE: "out of range",
    DIVIDE_BY_ZERO: "cannot divide by zero",
    OPERATION_FAILED: "operation failed; request retry",
    REQUEST_NOT_SUPPORTED: "request not supported",
    NO_OPEN_FILE: "file is missing",
    NO_RECORD: "record is missing",
    FIELD_MISSING: "field is missing",
    RELATIONSHIP_MISSING: "relationship is missing",
    SCRIPT_MISSING: "script is missing",
    NO_LAYOUT: "layout is missing",
    TABLE_MISSING: "table is missing",
    REPETITION_INVALID: "field repetition is invalid",
    WINDOW_MISSING: "window is missing",
    INVALID_LOGIN: "invalid user account and/or password",
    ACCOUNT_MISSING: "user account and/or password does not exist",
    FILE_LOCKED: "file is locked or in use",
    FUNCTION_MISSING: "function is missing",
    RECORD_IN_USE: "record is in use by another user",
    FIND_CRITERIA_EMPTY: "find criteria are empty",
    NO_RECORDS_MATCH: "no records match the request",
    VALUE_NOT_UNIQUE: "value in field is not unique",
    VALUE_INVALID: "field requires a valid value",
    CANNOT_CREATE_FILE: "unable to create file on disk",
    CANNOT_OPEN_FILE: "unable to open file",
    AI_ACCOUNT_MISSING: "can't find AI account",
    AI_REQUEST_INVALID: "invalid AI request",
    CALC_GENERIC: "generic calculation error",
    CALC_TOO_FEW_PARAMETERS: "too few parameters in the function",
    CALC_TOO_MANY_PARAMETERS: "too many parameters in the function",
    CALC_SYNTAX: "operator missing, function not found or '(' not expected",
    PROTOCOL_NOT_SUPPORTED: "protocol is not supported",
    AUTH_FAILED: "authentication failed",
    SSL_ERROR: "there was an error with SSL",
    TIMED_OUT: "connection timed out",
    URL_INVALID: "URL format is incorrect",
    CONNECTION_FAILED: "connection failed",
    CERTIFICATE_EXPIRED: "the certificate has expired",
    CERTIFICATE_SELF_SIGNED: "the certificate is self-signed",
    CERTIFICATE_VERIFY_FAILED: "a certificate verification error occurred",
}


def error_meaning(code: int) -> str:
    return ERROR_MEANINGS.get(code, "error")


# No weak-reference slot: a parsed script holds a few spans per line (8 bytes each).
@attrs.frozen(weakref_slot=False)
class SourceSpan:
    """A region of script text: 1-based lines and columns, end exclusive on the same line."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    source_line: str = attrs.field(default="", eq=False, repr=False)

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def caret(self) -> str:
        """The source line and a ``^^^`` line under the span (empty when the line is unknown)."""
        if not self.source_line:
            return ""
        text = self.source_line.rstrip("\n")
        end = self.end_column if self.end_line == self.line else len(text) + 1
        # API keys never show (masked as "***"), nor a whole 10 MB line (a window around the span).
        text, column, end = _shown(text, self.column, end)
        # Keep the caret aligned under wide (CJK, full-width) characters and tabs.
        prefix = "".join("\t" if ch == "\t" else ("　" if _is_wide(ch) else " ") for ch in text[: column - 1])
        width = max(1, end - column)
        marks = "".join("^^" if _is_wide(ch) else "^" for ch in text[column - 1 : column - 1 + width])
        return f"{text}\n{prefix}{marks or '^'}"


# The API key option of Configure AI Account, as labelled in en / ja / zh script text.
_API_KEY_LABEL = re.compile(r"(?:API\s*key|API\s*キー|API\s*密钥)\s*[:：]\s*", re.IGNORECASE)
_WINDOW = 160  # characters of a long source line shown around an error


# The user name and password of a URL (``http://user:password@host/``): an Endpoint's credentials.
_USERINFO = re.compile(r"(?<=://)[^\s/?#@\"'“”「」]+@")


def mask_secrets(text: str) -> str:
    """``text`` with the value of every ``API key:`` option replaced by ``"***"`` and every URL's
    user name and password by ``***``."""
    return _mask(text)[0]


def mask_userinfo(text: str) -> str:
    """``http://user:password@host/`` → ``http://***@host/`` (error messages, events)."""
    return _USERINFO.sub("***@", text) if "@" in text else text


def _mask(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """(masked text, [(start, end, new length)] of each masked value, 0-based, in ``text``)."""
    regions: list[tuple[int, int, str]] = []
    for m in _API_KEY_LABEL.finditer(text):
        start = m.end()
        end = _option_end(text, start)
        if end > start and not (regions and start < regions[-1][1]):
            regions.append((start, end, '"***"'))
    if "@" in text:
        for m in _USERINFO.finditer(text):
            if not any(a <= m.start() < b for a, b, _ in regions):
                regions.append((m.start(), m.end() - 1, "***"))  # the "@" stays
        regions.sort()
    cuts: list[tuple[int, int, int]] = []
    out: list[str] = []
    pos = 0
    for start, end, shown in regions:
        out.append(text[pos:start] + shown)
        cuts.append((start, end, len(shown)))
        pos = end
    out.append(text[pos:])
    return "".join(out), cuts


def _option_end(text: str, i: int) -> int:
    """Where the option value starting at ``i`` ends: the next ``;`` or ``]`` outside quotes and
    parentheses, else the end of the line (trailing spaces kept outside)."""
    depth, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "([":
            depth += 1
        elif ch == ")" or (ch == "]" and depth):
            depth = max(0, depth - 1)
        elif ch in ";]" and depth == 0:
            break
        i += 1
    i = min(i, n)
    while i > 0 and text[i - 1] in " \t\u3000":
        i -= 1
    return i


def _shown(text: str, column: int, end: int) -> tuple[str, int, int]:
    """The line as printed (keys masked, long lines cut to a window) and the span's columns in it."""
    if _API_KEY_LABEL.search(text) or "@" in text:
        masked, cuts = _mask(text)
        column, end = _moved(column, cuts), max(_moved(end, cuts), _moved(column, cuts) + 1)
        text = masked
    if len(text) > 2 * _WINDOW:
        first = max(0, column - 1 - _WINDOW // 2)
        last = min(len(text), max(first + _WINDOW, min(end - 1, first + 2 * _WINDOW)))
        head = "…" if first else ""
        text = head + text[first:last] + ("…" if last < len(text) else "")
        shift = first - len(head)
        column, end = column - shift, min(end - shift, len(text) + 1)
    return text, column, end


def _moved(column: int, cuts: list[tuple[int, int, int]]) -> int:
    """A 1-based column of the original line in the masked line."""
    delta = 0
    for start, stop, size in cuts:
        if column - 1 >= stop:
            delta += size - (stop - start)
        elif column - 1 > start:  # inside a masked value: its start
            return start + 1 + delta
    return column + delta


def _is_wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


class FMScriptError(Exception):
    """Base of every error fmscript reports. ``code`` is the FileMaker error number, when one applies."""

    kind = "Error"
    default_code: int | None = None

    def __init__(self, message: str, span: SourceSpan | None = None, *, code: int | None = None) -> None:
        message = mask_userinfo(message)  # an Endpoint's password never shows in an error
        super().__init__(message)
        self.message = message
        self.span = span
        self.code = code if code is not None else self.default_code

    def with_span(self, span: SourceSpan | None) -> FMScriptError:
        """Attach a span if the error has none yet (inner code raises, outer code knows where)."""
        if self.span is None and span is not None:
            self.span = span
        return self

    def __str__(self) -> str:
        head = f"{self.kind}: {self.message}"
        if self.span is None:
            return head
        caret = self.span.caret()
        return f"{self.span.location()}: {head}" + (f"\n{caret}" if caret else "")


class ScriptSyntaxError(FMScriptError):
    """Script text that does not follow FileMaker's copy-as-text form."""

    kind = "SyntaxError"


class UnknownStepError(ScriptSyntaxError):
    kind = "UnknownStep"


class OptionError(ScriptSyntaxError):
    """A step option that the step does not take, or a value of the wrong form."""

    kind = "OptionError"


class CalcSyntaxError(FMScriptError):
    kind = "CalcSyntaxError"
    default_code = CALC_SYNTAX  # FileMaker: "operator missing, function not found or '(' not expected"


class CalcError(FMScriptError):
    """An error while evaluating a calculation."""

    kind = "CalcError"
    default_code = CALC_GENERIC  # FileMaker: "generic calculation error"


class UnknownFunctionError(CalcError):
    kind = "UnknownFunction"
    default_code = FUNCTION_MISSING  # FileMaker: "function is missing"


class ArityError(CalcError):
    kind = "ArityError"
    default_code = CALC_TOO_FEW_PARAMETERS  # FileMaker: "too few parameters in the function" (1202: too many)


class FieldMissingError(CalcError):
    kind = "FieldMissing"
    default_code = FIELD_MISSING


class ScriptRuntimeError(FMScriptError):
    """A step failed at run time; ``code`` is what Get ( LastError ) reports."""

    kind = "RuntimeError"
    default_code = UNKNOWN_ERROR
