"""Layouts and records: Go to Layout, Go to Record/Request/Page, New / Duplicate / Delete
Record/Request, Delete All Records, Commit / Revert Record/Request — and the open-record rule.

FileMaker holds a record's changes until the record is committed (``fmscript.data.open_records``).
What commits (Claris "Commit Records/Requests": "Records are also committed when you … go to
another record, go to another layout, perform a find, sort …"): the Commit step itself, and every
step whose catalogue spec says ``commits_first`` before it runs — they leave the record or read the
whole table; the planner (``runtime/compiled.py``) adds the commit — and the end of the run (``fmscript run`` commits what is still open when the top script ends). Revert
Record/Request throws the open changes away; a new record that was never committed disappears.
"""

from __future__ import annotations

from fmscript.calc import values as V
from fmscript.errors import NO_LAYOUT, NO_RECORD, ScriptRuntimeError
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def go_to_layout(ctx: StepContext, step: ast.Step) -> None:
    file = ctx.data.require_file()
    layout = step.opt("layout")
    if layout == "original layout":
        # The layout that was current when the script started.
        name = ctx.data.original_layout
        if name is None:
            return None
    else:
        name = V.to_text(ctx.evaluator.evaluate(layout)) if isinstance(layout, ast.Calc) else layout
    try:
        file.table_for_layout(name)
    except KeyError:
        raise ScriptRuntimeError(f"layout {name!r} is missing", code=NO_LAYOUT) from None
    canonical = next((n for n in file.layouts() if n.casefold() == name.casefold()), name)
    ctx.data.previous_layout, ctx.data.layout = ctx.data.layout, canonical
    ctx.data.find_mode = None
    return None


def go_to_record(ctx: StepContext, step: ast.Step) -> int | None:
    where = step.opt("where")
    leaves = where in ("Next", "Previous") and bool(step.opt("exit_after_last"))
    try:
        return _go_to_record(ctx, where, leaves)
    except ScriptRuntimeError:
        if leaves:
            # Claris: Exit after last "exit[s] the script or control structure (like a loop) when
            # it reaches the last record"; a move that cannot happen at all (no layout, Find
            # mode past the last request) reaches no further record either: the error is
            # reported and the loop is left, never run again and again for ever.
            from fmscript.steps.control import exit_loop

            ctx.vars.frame.pc = exit_loop(ctx) - 1  # the interpreter goes on after a failing step
        raise


def _go_to_record(ctx: StepContext, where: object, leaves: bool) -> int | None:
    if ctx.data.find_mode is not None:
        mode = ctx.data.find_mode
        target = where if isinstance(where, str) else int(V.num(ctx.evaluator.evaluate(where)))
        if leaves and where == "Next" and mode.current + 1 >= len(mode.requests):
            return _leave_loop(ctx, "there is no next find request (Exit after last)")
        mode.go(target)
        return None
    fs = ctx.data.found_set()
    if where == "Next" or where == "Previous":
        moved = fs.next() if where == "Next" else fs.previous()
        if not moved:
            if leaves:
                return _leave_loop(ctx, f"there is no {where.lower()} record (Exit after last)")
            raise ScriptRuntimeError(f"there is no {where.lower()} record", code=NO_RECORD)
        return None
    if not fs.ids:
        raise ScriptRuntimeError("the found set is empty", code=NO_RECORD)
    if where == "First":
        fs.first()
    elif where == "Last":
        fs.last()
    else:
        n = V.to_number(ctx.evaluator.evaluate(where))
        if n is None or not fs.goto(int(n)):
            raise ScriptRuntimeError(
                f"record {V.to_text(n) if n is not None else '(empty)'} is out of range", code=NO_RECORD
            )
    return None


def _leave_loop(ctx: StepContext, detail: str) -> int:
    from fmscript.steps.control import exit_loop

    # FileMaker leaves the loop and Get ( LastError ) reports 101 (record is missing), without an
    # error dialog: the step did what it was asked.
    ctx.errors.quiet = (NO_RECORD, detail)
    return exit_loop(ctx)


def new_record(ctx: StepContext, step: ast.Step) -> None:
    if ctx.data.find_mode is not None:
        ctx.data.find_mode.new_request()
        return None
    fs = ctx.data.found_set()
    rid = ctx.data.require_file().new_record(fs.table, open=True)  # written when committed
    fs.add_record(rid)
    return None


def duplicate_record(ctx: StepContext, step: ast.Step) -> None:
    if ctx.data.find_mode is not None:
        ctx.data.find_mode.duplicate_request()
        return None
    fs = ctx.data.found_set()
    if fs.current_id is None:
        raise ScriptRuntimeError("there is no record to duplicate", code=NO_RECORD)
    rid = ctx.data.require_file().duplicate_record(fs.table, fs.current_id)
    fs.add_record(rid)
    return None


def delete_record(ctx: StepContext, step: ast.Step) -> None:
    if ctx.data.find_mode is not None:
        ctx.data.find_mode.delete_request()
        return None
    fs = ctx.data.found_set()
    rid = fs.current_id
    if rid is None:
        raise ScriptRuntimeError("there is no record to delete", code=NO_RECORD)
    ctx.data.delete_records(fs.table, [rid])  # with the related records the relationships delete
    return None


def delete_all_records(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()
    ids = list(fs.ids)
    ctx.data.delete_records(fs.table, ids)
    return None


def commit_records(ctx: StepContext, step: ast.Step) -> None:
    # A field validation failure (504, 509) is this step's error; the record stays open.
    ctx.data.commit_records()
    return None


def revert_record(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.revert_records()
    return None
