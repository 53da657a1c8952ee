"""Layouts and records: Go to Layout, Go to Record/Request/Page, New / Duplicate / Delete
Record/Request, Delete All Records, Commit / Revert Record/Request."""

from __future__ import annotations

from typing import Any

from fmscript.calc import values as V
from fmscript.errors import ScriptRuntimeError
from fmscript.steps.registry import handles
from fmscript.syntax import ast


@handles("Go to Layout")
def go_to_layout(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    file = rt.require_file()
    layout = step.opt("layout")
    if layout == "original layout":
        # The layout that was current when the script started.
        name = rt.original_layout
        if name is None:
            return None
    else:
        name = V.to_text(rt.evaluator.evaluate(layout)) if isinstance(layout, ast.Calc) else layout
    try:
        file.table_for_layout(name)
    except KeyError:
        raise ScriptRuntimeError(f"layout {name!r} is missing", code=105) from None
    canonical = next((n for n in file.layouts() if n.casefold() == name.casefold()), name)
    rt.previous_layout, rt.layout = rt.layout, canonical
    rt.find_mode = None
    return None


@handles("Go to Record/Request/Page")
def go_to_record(interp: Any, step: ast.Step) -> int | None:
    rt = interp.rt
    where = step.opt("where")
    if rt.find_mode is not None:
        rt.find_mode.go(where if isinstance(where, str) else int(V.num(rt.evaluator.evaluate(where))))
        return None
    fs = rt.found_set()
    if where == "Next" or where == "Previous":
        moved = fs.next() if where == "Next" else fs.previous()
        if not moved:
            if step.opt("exit_after_last"):
                from fmscript.steps.control import exit_loop

                return exit_loop(interp)
            raise ScriptRuntimeError(f"there is no {where.lower()} record", code=101)
        return None
    if not fs.ids:
        raise ScriptRuntimeError("the found set is empty", code=101)
    if where == "First":
        fs.first()
    elif where == "Last":
        fs.last()
    else:
        n = V.to_number(rt.evaluator.evaluate(where))
        if n is None or not fs.goto(int(n)):
            raise ScriptRuntimeError(
                f"record {V.to_text(n) if n is not None else '(empty)'} is out of range", code=101
            )
    return None


@handles("New Record/Request")
def new_record(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    if rt.find_mode is not None:
        rt.find_mode.new_request()
        return None
    fs = rt.found_set()
    rid = rt.require_file().new_record(fs.table)
    fs.add_record(rid)
    return None


@handles("Duplicate Record/Request")
def duplicate_record(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    if rt.find_mode is not None:
        rt.find_mode.duplicate_request()
        return None
    fs = rt.found_set()
    if fs.current_id is None:
        raise ScriptRuntimeError("there is no record to duplicate", code=101)
    rid = rt.require_file().duplicate_record(fs.table, fs.current_id)
    fs.add_record(rid)
    return None


@handles("Delete Record/Request")
def delete_record(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    if rt.find_mode is not None:
        rt.find_mode.delete_request()
        return None
    fs = rt.found_set()
    rid = fs.current_id
    if rid is None:
        raise ScriptRuntimeError("there is no record to delete", code=101)
    rt.require_file().delete_record(fs.table, rid)
    _forget(rt, fs.table, [rid])
    return None


@handles("Delete All Records")
def delete_all_records(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    fs = rt.found_set()
    ids = list(fs.ids)
    rt.require_file().delete_records(fs.table, ids)
    _forget(rt, fs.table, ids)
    return None


def _forget(rt: Any, table: str, ids: list[int]) -> None:
    for other in rt.found_sets.values():
        if other.table == table:
            other.remove_records(ids)


@handles("Commit Records/Requests")
def commit_records(interp: Any, step: ast.Step) -> None:
    # Every change is written through to SQLite as it happens; committing has nothing left to do.
    return None


@handles("Revert Record/Request")
def revert_record(interp: Any, step: ast.Step) -> None:
    # Changes are already committed (write-through), so there is nothing to revert.
    return None
