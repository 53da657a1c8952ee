"""Go to Related Record: the records related to the current record (or found set) through the
relationships graph (``fmscript.data.relationships``), shown on a layout of the related table.

Claris "Go to Related Record":
  - From table: the related table occurrence; Using layout: a layout of that table (when none is
    named, the current layout if it shows that table, else a layout of the occurrence or of its
    table — fmscript has no layout dialog to pick one);
  - Show only related records: the found set becomes the related records (in the relationship's
    sort order, else creation order), the first one current; without it the layout shows all of
    its table's records with the first related record current;
  - Match current record only (the default) / Match all records in current found set: the records
    related to the current record, or to any record of the current found set;
  - no related record: error 101 and nothing changes; New window: fmscript has one window, so
    the related records replace the window's found set (*choice*).
"""

from __future__ import annotations

from typing import Any

from fmscript.calc import values as V
from fmscript.data.found_set import FoundSet
from fmscript.data.schema import fold
from fmscript.errors import NO_LAYOUT, NO_RECORD, RELATIONSHIP_MISSING, TABLE_MISSING, ScriptRuntimeError
from fmscript.steps.state import StepContext
from fmscript.syntax import ast

_CURRENT_LAYOUT = {fold("<Current Layout>"), fold("<現在のレイアウト>"), fold("<当前布局>")}


def _name(ctx: StepContext, value: Any) -> str:
    if isinstance(value, ast.Calc):
        return V.to_text(ctx.evaluator.evaluate(value)).strip()
    return str(value or "").strip()


def _layout(ctx: StepContext, wanted: str, occurrence: str, table: str) -> str:
    """The layout to show the related records on (see the module docstring)."""
    data, file = ctx.data, ctx.data.require_file()
    if wanted and fold(wanted) not in _CURRENT_LAYOUT:
        name = wanted.split(" (", 1)[0].strip() if wanted.endswith(")") and " (" in wanted else wanted
        try:
            shown = file.table_for_layout(name)
        except KeyError:
            raise ScriptRuntimeError(f"layout {name!r} is missing", code=NO_LAYOUT) from None
        if shown != table:
            raise ScriptRuntimeError(
                f"layout {name!r} does not show {occurrence}'s table {table!r}", code=NO_LAYOUT
            )
        return next((n for n in file.layouts() if fold(n) == fold(name)), name)
    if data.layout is not None and data.current_table() == table:
        return data.layout
    layouts = file.layouts()
    for name in layouts:
        if fold(file.occurrence_for_layout(name)) == fold(occurrence):
            return name
    for name in layouts:
        if file.table_for_layout(name) == table:
            return name
    raise ScriptRuntimeError(f"no layout shows the table occurrence {occurrence!r}", code=NO_LAYOUT)


def go_to_related_record(ctx: StepContext, step: ast.Step) -> None:
    data = ctx.data
    file = data.require_file()
    wanted = _name(ctx, step.opt("from_table"))
    occurrence = file.graph.occurrence(wanted) if wanted else None
    if occurrence is None:
        raise ScriptRuntimeError(f"table occurrence {wanted!r} is missing", code=TABLE_MISSING)
    context = data.current_occurrence()
    hops = file.graph.path(context, occurrence) if context is not None else None
    if not hops:
        raise ScriptRuntimeError(
            f"{occurrence} is not related to the layout's table occurrence {context}",
            code=RELATIONSHIP_MISSING,
        )
    fs = data.found_set()
    sources = list(fs.ids) if step.opt("match_all") else [fs.current_id] if fs.current_id is not None else []
    table, ids = file.related.along(hops, data.current_table() or "", sources)
    if not ids:
        raise ScriptRuntimeError(f"there are no related records in {occurrence}", code=NO_RECORD)
    layout = _layout(ctx, _name(ctx, step.opt("layout")), occurrence, table)
    if step.opt("show_only"):
        found = FoundSet(table, ids)
    else:
        everything = file.record_ids(table)
        found = FoundSet(table, everything, current=everything.index(ids[0]) + 1)
    data.previous_layout, data.layout = data.layout, layout
    data.found_sets[layout] = found
    data.find_mode = None
