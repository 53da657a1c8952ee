"""What Get ( … ) answers from a running script: the entries that depend on the run state.

The Get functions themselves (names in en/ja/zh, result types, defaults outside a run) are in
``fmscript.calc.functions.get``; the run answers the ones below through ``run_info``, which the runtime passes to ``StepContext``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from fmscript.calc.functions.get import documents_listing
from fmscript.errors import FMScriptError
from fmscript.steps.state import StepContext, Value


def fm_path(path: Path) -> str:
    """A FileMaker-style path without prefix, ending in '/' for folders (``/home/me/Documents/``)."""
    text = path.resolve().as_posix()
    if len(text) > 1 and text[1] == ":":  # Windows drive: /C:/Users/...
        text = "/" + text
    return text if text.endswith("/") else text + "/"


def _open_data_files(c: StepContext) -> Value:
    """Claris "Get ( OpenDataFileInfo )": ``<file ID><tab><path>`` per open data file, one a line."""
    if c.data._data_files is None:
        return ""
    return "\r".join(
        f"{fid}\tfile:{path.resolve().as_posix()}" for fid, path, _pos in c.data.data_files.info()
    )


def _found_count(c: StepContext) -> Value:
    return Decimal(len(c.data.found_set().ids)) if c.data.layout is not None else Decimal(0)


def _record_number(c: StepContext) -> Value:
    if c.data.layout is None:
        return Decimal(0)
    fs = c.data.found_set()
    return Decimal(fs.current) if fs.ids else Decimal(0)


def _record_id(c: StepContext) -> Value:
    rid = c.data.found_set().current_id if c.data.layout else None
    if rid is None or c.data.file is None:
        return Decimal(0)
    return Decimal(c.data.file.record_id(c.data.found_set().table, rid))  # new records: their next id


def _total_count(c: StepContext) -> Value:
    table = c.data.current_table()
    if c.data.file is None or table is None:
        return Decimal(0)
    return Decimal(c.data.file.total_count(table))


def _file_name(c: StepContext) -> Value:
    file = c.data.file
    return file.path.stem if file is not None and file.path else "Untitled"


def _file_path(c: StepContext) -> Value:
    file = c.data.file
    return ("file:" + file.path.resolve().as_posix()) if file is not None and file.path else ""


def _active(c: StepContext) -> tuple[str, str] | None:
    """(table occurrence, field) of the field Go to Field made active, as the file spells them."""
    target = c.data.active_field
    if target is None or target.kind != "field" or target.field is None:
        return None
    try:
        return c.data.qualify_field(target.table, target.field)
    except FMScriptError:
        return None


def _active_contents(c: StepContext) -> Value:
    active = _active(c)
    return c.get_field(active[0], active[1]) if active is not None else ""


def _modified_fields(c: StepContext) -> Value:
    """Claris Get ( ModifiedFields ): the fields changed in the current record since it was last
    committed, one per line (none for a record never committed)."""
    file, table = c.data.file, c.data.current_table()
    if file is None or table is None or c.data.find_mode is not None:
        return ""
    rid = c.data.found_set().current_id
    record = file.buffer.get(table, rid)
    return "\r".join(record.values) if record is not None and not record.is_new else ""


def _revert_on_error(c: StepContext) -> bool:
    from fmscript.steps.transactions import revert_on_error_state

    return revert_on_error_state(c)


def _request_omit_state(c: StepContext) -> Value:
    mode = c.data.find_mode
    return Decimal(1 if mode is not None and mode.requests[mode.current][0] else 0)


INFO: dict[str, Callable[[StepContext], Value]] = {
    "ActiveFieldName": lambda c: (_active(c) or ("", ""))[1],
    "ActiveFieldTableName": lambda c: (_active(c) or ("", ""))[0],
    "ActiveFieldContents": _active_contents,
    "ModifiedFields": _modified_fields,
    "RequestOmitState": _request_omit_state,
    "LastError": lambda c: Decimal(c.errors.last),
    "LastErrorDetail": lambda c: c.errors.detail,
    "LastErrorLocation": lambda c: c.errors.location,
    "ErrorCaptureState": lambda c: Decimal(int(c.errors.capture)),
    "TransactionOpenState": lambda c: Decimal(
        int(c.data.file is not None and c.data.file.transaction is not None)
    ),
    "RevertTransactionOnErrorState": lambda c: Decimal(int(_revert_on_error(c))),
    "LastMessageChoice": lambda c: Decimal(c.last_message_choice),
    "ScriptParameter": lambda c: c.vars.frame.parameter if c.vars.frames else "",
    "ScriptResult": lambda c: c.script_result,
    "ScriptName": lambda c: c.vars.frame.script.name if c.vars.frames else "",
    "LayoutName": lambda c: c.data.layout or "",
    "LayoutTableName": lambda c: c.data.current_occurrence() or "",  # the occurrence, not its table
    "FoundCount": _found_count,
    "RecordNumber": _record_number,
    "RecordID": _record_id,
    "TotalRecordCount": _total_count,
    "DocumentsPath": lambda c: fm_path(c.documents_path()),
    "DocumentsPathListing": lambda c: documents_listing(c.documents_path()),
    "TemporaryPath": lambda c: fm_path(c.temporary_path()),
    "FileName": _file_name,
    "FilePath": _file_path,
    "WindowMode": lambda c: Decimal(1 if c.data.find_mode is not None else 0),
    "CurrentDate": lambda c: _dt.date.today(),
    "OpenDataFileInfo": lambda c: _open_data_files(c),
    "WindowName": lambda c: c.data.window_name or _file_name(c),
    "AccountName": lambda c: c.data.accounts.account.name,  # Re-Login changes it
    "AccountPrivilegeSetName": lambda c: c.data.accounts.account.privilege_set,
}


def run_info(ctx: StepContext, name: str) -> Value | None:
    """What ``Get ( name )`` answers in this run (None: a Get function that does not read the run)."""
    from fmscript.steps.file_view import FILE_INFO

    getter = INFO.get(name) or FILE_INFO.get(name)
    return getter(ctx) if getter is not None else None
