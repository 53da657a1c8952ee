"""More record and found-set steps: Omit Multiple Records, Sort Records by Field, Truncate Table,
Open Record/Request, Enter Browse Mode, Modify Last Find, Find Matching Records.

Claris pages followed: "Omit Multiple Records" (omits that many records starting with the current
one; With dialog Off and no number omits only the current record), "Sort Records by Field"
(ascending or descending by one field, the found set stays sorted), "Truncate Table" (deletes
every record of a table whatever the found set, without running triggers), "Open Record/Request"
(opens the current record: Get ( RecordOpenState ) is then 2), "Enter Browse Mode", "Modify Last
Find" (Find mode with the last find's requests), "Find Matching Records" (Replace / Constrain /
Extend the found set by the current record's value of a field).
"""

from __future__ import annotations

from fmscript.calc import values as V
from fmscript.data.find import FindRequest, find
from fmscript.errors import (
    COMMAND_INVALID,
    FIELD_MISSING,
    FIND_CRITERIA_EMPTY,
    NO_RECORD,
    NO_RECORDS_MATCH,
    ScriptRuntimeError,
)
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def omit_multiple_records(ctx: StepContext, step: ast.Step) -> None:
    calc = step.opt("count")
    n = 1
    if calc is not None:
        value = V.to_number(ctx.evaluator.evaluate(calc))
        n = int(value) if value is not None else 1
    fs = ctx.data.found_set()
    if not fs.ids:
        raise ScriptRuntimeError("there is no record to omit", code=NO_RECORD)
    fs.omit_multiple(n)


def sort_records_by_field(ctx: StepContext, step: ast.Step) -> None:
    # Claris: without a field it sorts by the active field; with none, the sort order is invalid.
    target: ast.Target | None = step.opt("field") or ctx.data.active_field
    if target is None:
        raise ScriptRuntimeError(
            "Sort Records by Field needs a field (or an active field)", code=FIELD_MISSING
        )
    fs = ctx.data.found_set()
    table, field = ctx.data.resolve_field(target.table, target.field or "")
    if table != fs.table:
        raise ScriptRuntimeError(
            f"sorting by a related field ({table}::{field}) is not supported", code=FIELD_MISSING
        )
    fs.sort(ctx.data.require_file(), [(field, step.opt("direction", "ascending") != "descending")])


def truncate_table(ctx: StepContext, step: ast.Step) -> None:
    name = step.opt("table")
    if isinstance(name, ast.Calc):
        name = V.to_text(ctx.evaluator.evaluate(name))
    if not name or (name.startswith("<") and name.endswith(">")):
        # <Current Table> (ja <現在のテーブル>, zh <当前表>): the current layout's table
        name = ctx.data.current_table()
    file = ctx.data.require_file()
    table = file.resolve_table(name or "")
    if table is None:
        raise ScriptRuntimeError(f"table {name!r} is missing", code=106)
    ids = file.record_ids(table)
    file.delete_records(table, ids)
    if file.transaction is not None:  # Claris "Revert Transaction": Truncate Table is not reverted
        file.transaction.truncated.append(table)
    ctx.data.forget(table, ids)


def open_record(ctx: StepContext, step: ast.Step) -> None:
    if ctx.data.find_mode is not None:
        return
    fs = ctx.data.found_set()
    if fs.current_id is None:
        raise ScriptRuntimeError("there is no record to open", code=NO_RECORD)
    ctx.data.require_file().open_record(fs.table, fs.current_id)


def enter_browse_mode(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.find_mode = None


def modify_last_find(ctx: StepContext, step: ast.Step) -> None:
    from fmscript.data.find import FindMode

    requests = ctx.data.last_finds.get(ctx.data.layout or "")
    ctx.data.found_set()  # error 105 without a layout
    ctx.data.find_mode = FindMode(list(requests) if requests else None)


def find_matching_records(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("field") or ctx.data.active_field
    if target is None:
        raise ScriptRuntimeError("Find Matching Records needs a field", code=FIELD_MISSING)
    how = step.opt("how") or "Replace"
    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    table, field = ctx.data.resolve_field(target.table, target.field or "")
    if table != fs.table:
        raise ScriptRuntimeError(
            f"matching a related field ({table}::{field}) is not supported", code=FIELD_MISSING
        )
    value = V.to_text(ctx.data.get_field(table, field))
    # "==" finds the whole value; an empty value finds records where the field is empty ("=").
    criterion = "==" + _quoted(value) if value else "="
    requests = [FindRequest([(field, criterion)], False)]
    if how == "Constrain":
        fs.constrain(file, requests)
    elif how == "Extend":
        fs.extend(file, requests)
    elif how == "Replace":
        fs.replace_ids(find(file, fs.table, requests))
    else:
        raise ScriptRuntimeError(f"{how!r} is not Replace, Constrain or Extend", code=COMMAND_INVALID)
    ctx.data.find_mode = None
    if not fs.ids:
        raise ScriptRuntimeError("no records match the request", code=NO_RECORDS_MATCH)


def perform_quick_find(ctx: StepContext, step: ast.Step) -> None:
    """Claris "Perform Quick Find": records where every word of the criteria is found in some
    field of the layout (here: every non-global field of its table); none is error 401."""
    calc = step.opt("value")
    text = V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""
    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    words = text.split()
    if not words:
        raise ScriptRuntimeError("Perform Quick Find needs something to find", code=FIND_CRITERIA_EMPTY)
    fields = [f.name for f in file.fields(fs.table) if not f.is_global]
    matched: set[int] | None = None
    for word in words:
        requests = [FindRequest([(field, word)], False) for field in fields]
        found = set(find(file, fs.table, requests))
        matched = found if matched is None else matched & found
    fs.replace_ids(rid for rid in file.record_ids(fs.table) if matched and rid in matched)
    ctx.data.find_mode = None
    if not fs.ids:
        raise ScriptRuntimeError(f"no records match {text!r}", code=NO_RECORDS_MATCH)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
