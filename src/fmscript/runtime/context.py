"""Run-time state of one ``fmscript run``: the file, layouts and found sets, variables, accounts,
error state — and the calculation context (fields, variables, Get functions) built on it."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import attrs

from fmscript.calc.evaluator import Evaluator
from fmscript.errors import FieldMissingError, ScriptRuntimeError
from fmscript.syntax import ast

Value = Any


@attrs.define
class Frame:
    """One running script: its $local variables and where it is."""

    script: ast.Script
    parameter: Value = ""
    locals: dict[tuple[str, int], Value] = attrs.field(factory=dict)
    pc: int = 0


@attrs.define
class RunOptions:
    halt_on_error: bool = False
    interactive: bool = False
    documents_path: Path | None = None
    wait_for_jobs: bool = True
    progress: bool = True


class RunContext:
    """Everything a running script can see and change; implements the calc context protocol."""

    def __init__(
        self,
        file: Any | None,
        script_dir: Path,
        out: TextIO | None = None,
        err: TextIO | None = None,
        options: RunOptions | None = None,
    ) -> None:
        self.file = file
        self.script_dir = script_dir
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.options = options or RunOptions()
        self.globals: dict[tuple[str, int], Value] = {}
        self.frames: list[Frame] = []
        self.last_error = 0
        self.last_error_detail = ""
        self.last_error_location = ""
        self.error_capture = False
        self.last_message_choice = 0
        self.script_result: Value = ""
        self.layout: str | None = None  # current layout name
        self.previous_layout: str | None = None
        self.original_layout: str | None = (
            None  # current when the run started (Go to Layout [ original layout ])
        )
        self.found_sets: dict[str, Any] = {}  # layout -> FoundSet
        self.last_finds: dict[str, Any] = {}  # layout -> requests of the last find
        self.find_mode: Any = None  # pending find requests while in Find mode
        self.active_field: Any = None  # Go to Field target (for Set Field without a field)
        self.accounts: dict[str, Any] = {}
        self.queued_jobs: list[str] = []  # local fine-tuning jobs this run queued
        self.uncaptured_errors = 0
        self.final_locals: dict[tuple[str, int], Value] = {}  # the top-level script's $variables
        self.evaluator = Evaluator(self)

    # ------------------------------------------------------------------ layouts and records
    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    def require_file(self) -> Any:
        if self.file is None:
            raise ScriptRuntimeError("no FileMaker file is open (use --file DB.sqlite or DB.sql)", code=100)
        return self.file

    def current_table(self) -> str | None:
        if self.layout is None or self.file is None:
            return None
        return self.file.table_for_layout(self.layout)

    def found_set(self) -> Any:
        """The found set of the current layout (created with all records on first visit)."""
        if self.layout is None:
            raise ScriptRuntimeError("no layout is current (use Go to Layout first)", code=105)
        fs = self.found_sets.get(self.layout)
        if fs is None:
            from fmscript.data.found_set import FoundSet

            table = self.current_table()
            fs = FoundSet(table, self.require_file().record_ids(table))
            self.found_sets[self.layout] = fs
        return fs

    def current_record(self, table: str) -> int | None:
        """The record a field of ``table`` refers to: the current record when ``table`` is the
        current layout's table, else the current record of a layout showing that table."""
        if self.layout is not None and self.current_table() == table:
            return self.found_set().current_id
        for layout, fs in self.found_sets.items():
            if fs.table == table and layout != self.layout:
                return fs.current_id
        return None

    def resolve_field(self, table: str | None, field: str) -> tuple[str, str]:
        file = self.file
        if file is None:
            raise FieldMissingError(f"field {_full(table, field)} is missing: no file is open")
        if table is None:
            t = self.current_table()
            if t is None:
                raise FieldMissingError(f"field {field} is missing: no layout is current")
        else:
            t = file.resolve_table(table)
            if t is None:
                raise FieldMissingError(f"table {table} is missing (field {_full(table, field)})")
        f = file.resolve_field(t, field)
        if f is None:
            raise FieldMissingError(f"field {_full(t, field)} is missing")
        return t, f

    # ------------------------------------------------------------------ calc context protocol
    def get_field(self, table: str | None, field: str, repetition: int = 1) -> Value:
        if self.find_mode is not None and table is None:
            return ""
        t, f = self.resolve_field(table, field)
        if self.file.field(t, f).is_global:
            return self.file.get(t, None, f)
        rid = self.current_record(t)
        if rid is None:
            return ""  # no (related) record: FileMaker gives an empty value
        return self.file.get(t, rid, f)

    def set_field(self, table: str | None, field: str, value: Value, repetition: int = 1) -> None:
        t, f = self.resolve_field(table, field)
        if self.file.field(t, f).is_global:
            self.file.set(t, None, f, value)
            return
        rid = self.current_record(t)
        if rid is None:
            raise ScriptRuntimeError(f"no current record to set {t}::{f} in", code=101)
        self.file.set(t, rid, f, value)

    def _vars(self, name: str) -> dict[tuple[str, int], Value]:
        return self.globals if name.startswith("$$") or not self.frames else self.frames[-1].locals

    # FileMaker variable names are case-insensitive: keys are case-folded.
    def get_variable(self, name: str, repetition: int = 1) -> Value:
        return self._vars(name).get((name.casefold(), repetition), "")

    def set_variable(self, name: str, value: Value, repetition: int = 1) -> None:
        if repetition < 1:
            raise ScriptRuntimeError(f"repetition {repetition} of {name} is out of range", code=111)
        self._vars(name)[(name.casefold(), repetition)] = value

    def get_info(self, name: str) -> Value | None:
        getter = _INFO.get(name)
        return getter(self) if getter is not None else None

    # ------------------------------------------------------------------ paths
    def documents_path(self) -> Path:
        if self.options.documents_path is not None:
            return self.options.documents_path
        env = os.environ.get("FMSCRIPT_DOCUMENTS")
        if env:
            return Path(env)
        import platformdirs

        return Path(platformdirs.user_documents_dir())

    def temporary_path(self) -> Path:
        import tempfile

        path = Path(tempfile.gettempdir()) / f"fmscript-S{os.getpid()}"
        path.mkdir(parents=True, exist_ok=True)
        return path


def _full(table: str | None, field: str) -> str:
    return f"{table}::{field}" if table else field


def fm_path(path: Path) -> str:
    """A FileMaker-style path without prefix, ending in '/' for folders (``/home/me/Documents/``)."""
    text = path.resolve().as_posix()
    if len(text) > 1 and text[1] == ":":  # Windows drive: /C:/Users/...
        text = "/" + text
    return text if text.endswith("/") else text + "/"


def _found_count(c: RunContext) -> Value:
    return Decimal(len(c.found_set().ids)) if c.layout is not None else Decimal(0)


def _record_number(c: RunContext) -> Value:
    if c.layout is None:
        return Decimal(0)
    fs = c.found_set()
    return Decimal(fs.current) if fs.ids else Decimal(0)


def _script_name(c: RunContext) -> Value:
    return c.frame.script.name if c.frames else ""


_INFO: dict[str, Any] = {
    "LastError": lambda c: Decimal(c.last_error),
    "LastErrorDetail": lambda c: c.last_error_detail,
    "LastErrorLocation": lambda c: c.last_error_location,
    "ErrorCaptureState": lambda c: Decimal(int(c.error_capture)),
    "LastMessageChoice": lambda c: Decimal(c.last_message_choice),
    "ScriptParameter": lambda c: c.frame.parameter if c.frames else "",
    "ScriptResult": lambda c: c.script_result,
    "ScriptName": _script_name,
    "LayoutName": lambda c: c.layout or "",
    "LayoutTableName": lambda c: c.current_table() or "",
    "FoundCount": _found_count,
    "RecordNumber": _record_number,
    "RecordID": lambda c: Decimal(c.found_set().current_id or 0) if c.layout else Decimal(0),
    "TotalRecordCount": lambda c: (
        Decimal(c.file.total_count(c.current_table())) if c.layout and c.file else Decimal(0)
    ),
    "DocumentsPath": lambda c: fm_path(c.documents_path()),
    "TemporaryPath": lambda c: fm_path(c.temporary_path()),
    "FileName": lambda c: c.file.path.stem if c.file is not None and c.file.path else "Untitled",
    "FilePath": lambda c: (
        ("file:" + c.file.path.resolve().as_posix()) if c.file is not None and c.file.path else ""
    ),
    "WindowMode": lambda c: Decimal(1 if c.find_mode is not None else 0),
    "CurrentDate": lambda c: _dt.date.today(),
}


def error_meaning(code: int) -> str:
    return ERROR_MEANINGS.get(code, "error")


# FileMaker error numbers (Claris "FileMaker error codes"; reference §11) that fmscript reports.
ERROR_MEANINGS: dict[int, str] = {
    -1: "unknown error",
    0: "no error",
    1: "user canceled action",
    3: "command is unavailable",
    4: "command is unknown",
    5: "command is invalid",
    10: "requested data is missing",
    11: "name is not valid",
    12: "name already exists",
    14: "out of range",
    15: "cannot divide by zero",
    21: "request not supported",
    100: "file is missing",
    101: "record is missing",
    102: "field is missing",
    104: "script is missing",
    105: "layout is missing",
    106: "table is missing",
    111: "field repetition is invalid",
    113: "function is missing",
    301: "record is in use by another user",
    400: "find criteria are empty",
    401: "no records match the request",
    504: "value in field is not unique",
    509: "field requires a valid value",
    800: "unable to create file on disk",
    802: "unable to open file",
    1200: "generic calculation error",
    1201: "too few parameters in the function",
    1630: "URL format is incorrect",
    1631: "connection failed",
}
