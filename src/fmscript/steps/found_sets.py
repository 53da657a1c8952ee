"""Found sets and finds: Perform Find, Enter Find Mode, Constrain / Extend Found Set, Show All
Records, Show Omitted Only, Omit Record, Sort Records, Unsort Records.

Stored requests come from the step text (``Specified Find Requests: Find Records ; Criteria:
T::F: “x”``); requests built in Find mode (Enter Find Mode, Set Field, New Record/Request) work too.
"""

from __future__ import annotations

from typing import Any

from fmscript.data.find import FindMode, FindRequest, find
from fmscript.errors import (
    FIND_CRITERIA_EMPTY,
    NO_RECORD,
    NO_RECORDS_MATCH,
    ScriptRuntimeError,
)
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def stored_requests(step: ast.Step) -> list[FindRequest] | None:
    stored = step.opt("find_requests")
    if not stored:
        return None
    return list(stored)


def _requests_for(ctx: StepContext, step: ast.Step) -> list[FindRequest] | None:
    requests = stored_requests(step)
    if requests is None and ctx.data.find_mode is not None:
        requests = ctx.data.find_mode.to_requests()
    return requests


def _finish_find(ctx: StepContext, fs: Any, ids: list[int]) -> None:
    fs.replace_ids(ids)
    ctx.data.find_mode = None
    if not ids:
        raise ScriptRuntimeError("no records match the request", code=NO_RECORDS_MATCH)


def perform_find(ctx: StepContext, step: ast.Step) -> None:
    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    requests = _requests_for(ctx, step)
    if requests is None:
        # "Perform Find [ Restore ]" printed without its requests, or "Perform Find [ ]" in
        # Browse mode: repeat this layout's last find, or find all records when there was none.
        requests = ctx.data.last_finds.get(ctx.data.layout or "")
        if requests is None:
            fs.show_all(file.record_ids(fs.table))
            return None
    ctx.data.last_finds[ctx.data.layout or ""] = requests
    _finish_find(ctx, fs, find(file, fs.table, requests, occurrence=ctx.data.current_occurrence()))
    return None


def enter_find_mode(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.found_set()  # a layout must be current
    ctx.data.find_mode = FindMode(stored_requests(step))
    return None


def constrain_found_set(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()
    requests = _requests_for(ctx, step) or ctx.data.last_finds.get(ctx.data.layout or "")
    if not requests:
        raise ScriptRuntimeError("Constrain Found Set has no find requests", code=FIND_CRITERIA_EMPTY)
    ids = set(find(ctx.data.require_file(), fs.table, requests, occurrence=ctx.data.current_occurrence()))
    _finish_find(ctx, fs, [rid for rid in fs.ids if rid in ids])
    return None


def extend_found_set(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()
    file = ctx.data.require_file()
    requests = _requests_for(ctx, step) or ctx.data.last_finds.get(ctx.data.layout or "")
    if not requests:
        raise ScriptRuntimeError("Extend Found Set has no find requests", code=FIND_CRITERIA_EMPTY)
    have = set(fs.ids) | set(find(file, fs.table, requests, occurrence=ctx.data.current_occurrence()))
    _finish_find(ctx, fs, [rid for rid in file.record_ids(fs.table) if rid in have])
    return None


def show_all_records(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()
    fs.show_all(ctx.data.require_file().record_ids(fs.table))
    ctx.data.find_mode = None
    return None


def show_omitted_only(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()
    fs.show_omitted_only(ctx.data.require_file().record_ids(fs.table))
    ctx.data.find_mode = None  # Claris: in Find mode it switches to Browse mode after finding
    return None


def omit_record(ctx: StepContext, step: ast.Step) -> None:
    if ctx.data.find_mode is not None:
        ctx.data.find_mode.omit_current()
        return None
    if ctx.data.found_set().omit_current() is None:
        raise ScriptRuntimeError("there is no record to omit", code=NO_RECORD)
    return None


def sort_records(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()
    order = step.opt("sort_order")
    if not order:
        return None  # no stored sort order was printed with the step
    keys = []
    names = []
    for table, field, ascending in order:
        values, ftype, name = ctx.data.sort_values(table or None, field, fs.ids)
        keys.append((values, ftype, bool(ascending)))
        names.append((name, bool(ascending)))
    fs.sort_by(keys, names)
    return None


def unsort_records(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.found_set().unsort(ctx.data.require_file())
    return None
