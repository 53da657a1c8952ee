"""Fields steps: Insert Text, Insert Calculated Result, Insert Current Date / Time / User Name,
Replace Field Contents, Set Next Serial Value, Export Field Contents, Clear.

Claris pages followed ("Insert Text", "Insert Calculated Result", "Insert Current Date", "Insert
Current Time", "Insert Current User Name"): the target is a field or a variable (created when
missing). *Select entire contents* replaces the target's value; without it FileMaker inserts at
the insertion point — with no window there is none, so the text goes at the end (*choice*, as
Insert from URL does). Into a date, time or timestamp field the current date or time is stored as
such; into a variable it is the date (time) value, as Get ( CurrentDate ) gives it.

"Replace Field Contents": replaces the field in every record of the found set — with the current
record's value (*Current contents*), with serial numbers (*Serial numbers*: the field's next
serial value and an increment of 1, or *Initial value* / *Increment by*; *Update serial number in
Entry Options* moves the field's next serial value past the last one used) or with a calculation
evaluated for each record. The changes are written (committed) at once and cannot be undone; the
current record stays current.

"Set Next Serial Value": the next auto-entered serial number of a field (``data/serials.py``).
"Export Field Contents": a field's text to a file (UTF-8; fmscript has no container fields).
"Clear" [ Select ; T::F ]: empties the field (there is no clipboard to put it on).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fmscript.calc import values as V
from fmscript.data import serials
from fmscript.data.schema import FieldType
from fmscript.errors import CANNOT_CREATE_FILE, COMMAND_INVALID, FIELD_MISSING, NO_RECORD, ScriptRuntimeError
from fmscript.steps.paths import path_entries, to_local_path
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast


def _target(ctx: StepContext, step: ast.Step) -> ast.Target:
    target: ast.Target | None = step.opt("target") or ctx.data.active_field
    if target is None:
        raise ScriptRuntimeError(f"{step.name} needs a target field or variable", code=FIELD_MISSING)
    return target


def _current(ctx: StepContext, target: ast.Target) -> Any:
    if target.kind == "variable":
        return ctx.vars.get(target.name)
    return ctx.data.get_field(target.table, target.field or "")


def _insert(ctx: StepContext, step: ast.Step, value: Any) -> None:
    target = _target(ctx, step)
    # Appending only makes sense for text: a number, date or time field gets the value itself.
    appends = target.kind == "variable" or _field_type(ctx, target) is FieldType.TEXT
    if not step.opt("select") and appends:
        before = V.to_text(_current(ctx, target))
        if before:
            value = before + V.to_text(value)
    write_target(ctx, target, value)


def insert_text(ctx: StepContext, step: ast.Step) -> None:
    text = step.opt("text")
    if isinstance(text, ast.Calc):
        text = V.to_text(ctx.evaluator.evaluate(text))
    _insert(ctx, step, text or "")


def insert_calculated_result(ctx: StepContext, step: ast.Step) -> None:
    calc = step.opt("value")
    if calc is None:
        raise ScriptRuntimeError("Insert Calculated Result needs a calculation", code=COMMAND_INVALID)
    _insert(ctx, step, ctx.evaluator.evaluate(calc))


def insert_current_date(ctx: StepContext, step: ast.Step) -> None:
    _insert(ctx, step, dt.date.today())


def insert_current_time(ctx: StepContext, step: ast.Step) -> None:
    now = dt.datetime.now()
    target = _target(ctx, step)
    if target.kind == "field" and _field_type(ctx, target) is FieldType.TIMESTAMP:
        _insert(ctx, step, now.replace(microsecond=0))
        return
    _insert(ctx, step, ctx.evaluator.evaluate_text("Get ( CurrentTime )"))


def insert_current_user_name(ctx: StepContext, step: ast.Step) -> None:
    _insert(ctx, step, ctx.evaluator.evaluate_text("Get ( UserName )"))


def _field_type(ctx: StepContext, target: ast.Target) -> FieldType:
    table, field = ctx.data.resolve_field(target.table, target.field or "")
    return ctx.data.require_file().field(table, field).type


# --------------------------------------------------------------------------- Replace Field Contents


def replace_field_contents(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("field") or ctx.data.active_field
    if target is None or target.kind != "field":
        raise ScriptRuntimeError("Replace Field Contents needs a field", code=FIELD_MISSING)
    data = ctx.data
    fs = data.found_set()
    file = data.require_file()
    table, field = data.resolve_field(target.table, target.field or "")
    related = table != fs.table and target.table is not None and data.related_ids(target.table) is not None
    if table != fs.table and not related:
        raise ScriptRuntimeError(
            f"{table}::{field} is not a field of this layout's table", code=FIELD_MISSING
        )
    mode = step.opt("mode", "Current contents")
    position = fs.current
    values: list[Any]
    if mode == "Serial numbers":
        values = _serials(ctx, step, table, field, len(fs.ids))
    elif mode == "Calculation":
        values = []
        try:
            for i in range(1, len(fs.ids) + 1):  # the calculation sees each record in turn
                fs.current = i
                values.append(ctx.evaluator.evaluate(step.opt("calculation")))
        finally:
            fs.current = position
    else:
        current = data.get_field(target.table if related else table, field)
        values = [current] * len(fs.ids)
    if related:
        _replace_related(ctx, target.table or "", field, values)
    else:
        for rid, value in zip(list(fs.ids), values):
            file.stage(table, rid, field, value)
    data.commit_records()


def _replace_related(ctx: StepContext, occurrence: str, field: str, values: list[Any]) -> None:
    """A related field: each found record's first related record gets its value, as Set Field
    sets it (a record with none is skipped, unless the relationship allows creation)."""
    data = ctx.data
    fs = data.found_set()
    position = fs.current
    try:
        for i, value in enumerate(values, start=1):
            fs.current = i
            try:
                data.set_field(occurrence, field, value)
            except ScriptRuntimeError as e:
                if e.code != NO_RECORD:
                    raise
    finally:
        fs.current = position


def _serials(ctx: StepContext, step: ast.Step, table: str, field: str, n: int) -> list[Any]:
    conn = ctx.data.require_file().connection
    initial_calc, by_calc = step.opt("initial"), step.opt("increment")
    value = (
        ctx.evaluator.evaluate(initial_calc)
        if initial_calc is not None
        else serials.next_value(conn, table, field)
    )
    by = V.to_number(ctx.evaluator.evaluate(by_calc)) if by_calc is not None else 1
    by = by if by is not None else 1
    step_by = int(by) if float(by).is_integer() else float(by)
    out = []
    for _ in range(n):
        out.append(value)
        value = serials.increment(value, step_by)
    if step.opt("update_serial"):
        serials.set_next(conn, table, field, value)
    return out


def set_next_serial_value(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("field")
    calc = step.opt("value")
    if target is None or target.kind != "field" or calc is None:
        raise ScriptRuntimeError("Set Next Serial Value needs a field and a value", code=FIELD_MISSING)
    table, field = ctx.data.resolve_field(target.table, target.field or "")
    value = ctx.evaluator.evaluate(calc)
    number = V.to_number(value)
    text = V.to_text(value)
    stored: Any = int(number) if number is not None and text.strip().lstrip("-").isdigit() else text
    serials.set_next(ctx.data.require_file().connection, table, field, stored)


# --------------------------------------------------------------------------- files and editing


def export_field_contents(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("field") or ctx.data.active_field
    if target is None:
        raise ScriptRuntimeError("Export Field Contents needs a field", code=FIELD_MISSING)
    entries = path_entries(step.opt("path") or "", ctx)
    if not entries:
        raise ScriptRuntimeError("Export Field Contents needs an output file", code=CANNOT_CREATE_FILE)
    path = to_local_path(entries[0], ctx)
    text = V.to_text(_current(ctx, target))
    try:
        if step.opt("create_folders"):
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("\r", "\n"), encoding="utf-8")
    except OSError as e:
        raise ScriptRuntimeError(f"cannot write {path}: {e.strerror or e}", code=CANNOT_CREATE_FILE) from e


def clear(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("field") or ctx.data.active_field
    if target is None:
        return  # nothing is selected: nothing to clear
    write_target(ctx, target, "")
