"""Relookup Field Contents (ja フィールド内容の再ルックアップ, zh 重新查找字段内容).

Claris "Relookup Field Contents": copies new values from the lookup source fields into the
records of the current found set, for every lookup whose relationship uses the target field as
its match field (the lookups are declared in ``fmscript_lookups``, see ``data/lookups.py``). The
target is the step's field, else the active field (Go to Field); it must be the match field, not
the lookup's source or target field. The open record is committed first (the page: "the data must
be committed first"), and the changes are written at once, like Replace Field Contents. *With
dialog* has nothing to confirm without a window: the step runs as FileMaker Server runs it.

Errors: no target field (none given, none active) → 102 (the page: "returns an error code");
a field of another table than the layout's → 102; a field that is the match field of no lookup
→ 103 (no relationship with a lookup uses it — fmscript's choice: the page names no code);
an empty found set → 101.
"""

from __future__ import annotations

from fmscript.data.lookups import looked_up, run_lookups, using_match_field
from fmscript.errors import FIELD_MISSING, NO_RECORD, RELATIONSHIP_MISSING, ScriptRuntimeError
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def relookup_field_contents(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("field") or ctx.data.active_field
    if target is None or target.kind != "field":
        raise ScriptRuntimeError("Relookup Field Contents needs a target field", code=FIELD_MISSING)
    data = ctx.data
    file = data.require_file()
    table, field = data.resolve_field(target.table, target.field or "")
    fs = data.found_set()
    if table != fs.table:
        raise ScriptRuntimeError(
            f"{table}::{field} is not a field of this layout's table", code=FIELD_MISSING
        )
    triggered = using_match_field(file, table, field)
    if not triggered:
        raise ScriptRuntimeError(
            f"{table}::{field} is not the match field of any lookup", code=RELATIONSHIP_MISSING
        )
    if not fs.ids:
        raise ScriptRuntimeError("Relookup Field Contents: no records in the found set", code=NO_RECORD)
    for rid in list(fs.ids):
        changed = []
        for r in triggered:
            copy, value = looked_up(file, r, rid)
            if copy:
                file.stage(table, rid, r.field, value)
                changed.append(r.field)
        if changed:  # a looked-up field that is itself a match field relooks its own lookups
            run_lookups(file, table, rid, changed)
    data.commit_records()
