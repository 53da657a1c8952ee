"""Design functions and functions over records: TableNames, FieldNames, LayoutNames, ScriptNames,
DatabaseNames, FieldType, FieldComment, GetTableDDL, GetBaseTableName, GetNthRecord, GetRepetition,
GetRecordIDsFromFoundSet.

They reach the file through the calc context: ``ctx.file_view()`` returns an object following
:class:`FileView` (the runtime implements it over the SQLite file), or None when no file is open —
the calc layer never imports the data layer. Lists come back one name per line (FileMaker's
return, ``¶``), as the Claris pages show.

Claris (Design functions): ``fileName`` is the name of an open file, without extension
(``Get ( FileName )``); a name that is not open gives an empty result.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from fmscript.calc import values as V
from fmscript.calc.context import CalcContext, FileView
from fmscript.calc.functions.evaluation import note_error
from fmscript.calc.functions.registry import constant, function
from fmscript.calc.values import Value
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs


def file_view(ctx: CalcContext) -> FileView | None:
    return ctx.file_view()


def _lines(names: list[str] | None) -> str:
    return "\r".join(names or [])


def _open(ctx: CalcContext, file_name: Value) -> FileView | None:
    view = file_view(ctx)
    return view if view is not None and view.is_file(V.to_text(file_name)) else None


@function("DatabaseNames", 0, bare=True)
def database_names(ctx: CalcContext) -> str:
    """The names of the open files (fmscript opens one: the ``--file`` database)."""
    view = file_view(ctx)
    return view.file_name() if view is not None else ""


@function("TableNames", 1)
def table_names(ctx: CalcContext, file_name: Value) -> str:
    view = _open(ctx, file_name)
    return _lines(view.table_names()) if view else ""


@function("LayoutNames", 1)
def layout_names(ctx: CalcContext, file_name: Value) -> str:
    view = _open(ctx, file_name)
    return _lines(view.layout_names()) if view else ""


@function("ScriptNames", 1)
def script_names(ctx: CalcContext, file_name: Value) -> str:
    """The scripts Perform Script can run: the ``.fmscript`` files beside the running script."""
    view = _open(ctx, file_name)
    return _lines(view.script_names()) if view else ""


@function("FieldNames", 2)
def field_names(ctx: CalcContext, file_name: Value, layout_name: Value) -> str:
    view = _open(ctx, file_name)
    return _lines(view.field_names(V.to_text(layout_name))) if view else ""


@function("FieldType", 2)
def field_type(ctx: CalcContext, file_name: Value, field_name: Value) -> str:
    """Four words: storage (Standard / Global), data type (Text Number Date Time Timestamp
    Container), Indexed / Unindexed (an SQLite index on the column), repetitions (always 1)."""
    view = _open(ctx, file_name)
    return (view.field_type(V.to_text(field_name)) or "") if view else ""


@function("GetNextSerialValue", 2)
def get_next_serial_value(ctx: CalcContext, file_name: Value, field_name: Value) -> str:
    """The next serial number of ``fieldName`` (``Table::Field`` for a table other than the current
    one) in ``fileName``; "" for a field without an auto-enter serial number or a file not open."""
    view = _open(ctx, file_name)
    return (view.next_serial(V.to_text(field_name)) or "") if view else ""


@function("GetTableDDL", 2)
def get_table_ddl(ctx: CalcContext, table_occurrences: Value, ignore_error: Value) -> str:
    """CREATE TABLE statements (Claris GetTableDDL: varchar(255) text, int numbers, datetime dates and
    times, varbinary(4096) containers, then PRIMARY KEY and FOREIGN KEY lines); a SQL ``--``
    comment after a column in the file's CREATE TABLE becomes its ``/*comment*/``. An unknown
    table gives "?" unless ``ignoreError`` is true, which skips it."""
    view = file_view(ctx)
    try:
        names = json.loads(V.to_text(table_occurrences))
    except ValueError:
        names = None
    if view is None or not isinstance(names, list):
        note_error(1200, "GetTableDDL: tableOccurrenceNames must be a JSON array of names")
        return V.ERROR_TEXT
    statements = []
    for name in names:
        ddl = view.table_ddl(str(name))
        if ddl is None:
            if V.to_bool(ignore_error):
                continue
            note_error(106, f"GetTableDDL: table occurrence {name} is missing")
            return V.ERROR_TEXT
        statements.append(ddl)
    return "\n\n".join(statements)


@function("GetNthRecord", 2, lazy=True)
def get_nth_record(ctx: CalcContext, ev: LazyArgs, field: ast.Expr, record_number: ast.Expr) -> Value:
    """The field's value in record N of the found set (current table, in its sort order), or of
    the table's records for another table (*Choice*: fmscript has no relationships, so
    ``Table::Field`` of another table reads that table's found set where a layout shows it, else
    all its records in creation order). Out of range gives "?"."""
    n = V.to_number(ev(record_number))
    if isinstance(field, ast.FieldRef):
        table, name = field.table, field.field
    elif isinstance(field, ast.Name):
        table, name = None, field.name
    else:  # an expression that returns a field name, as GetField takes
        text = V.to_text(ev(field))
        table, _, name = text.rpartition("::") if "::" in text else (None, "", text)
    view = file_view(ctx)
    if view is None or n is None:
        return V.ERROR_TEXT
    found, value = view.nth_record(table or None, name, int(n))
    return value if found else V.ERROR_TEXT


# GetRecordIDsFromFoundSet's type constants (JSONString = 1 and JSONNumber = 2 are the JSON type
# constants, which have the same numbers).
for _name, _number in (("ValueNumber", 0), ("ValueNumberRanges", 3), ("JSONStringRanges", 4)):
    constant(_name, Decimal(_number))


def _ranges(ids: list[int]) -> list[str]:
    """Consecutive ids compressed: 1, 5, 21, 22, 23, 7 → 1, 5, 21-23, 7."""
    out: list[str] = []
    start = prev = None
    for rid in [*ids, None]:
        if start is not None and rid is not None and prev is not None and rid == prev + 1:
            prev = rid
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = rid
    return out


@function("GetRecordIDsFromFoundSet", 1)
def get_record_ids_from_found_set(ctx: CalcContext, kind: Value) -> str:
    """Claris (22.0): the record IDs of the current found set in its order — 0 ValueNumber (one per
    line), 1 JSONString, 2 JSONNumber, 3 ValueNumberRanges, 4 JSONStringRanges (consecutive IDs
    as ``21-23``); no records: "" for a list, "[]" for JSON."""
    view = file_view(ctx)
    n = V.to_number(kind)
    ids = view.found_set_ids() if view is not None else []
    k = int(n) if n is not None else 0
    if k == 1:
        return json.dumps([str(i) for i in ids], separators=(",", ":"))
    if k == 2:
        return json.dumps(ids, separators=(",", ":"))
    if k == 3:
        return "\r".join(_ranges(ids))
    if k == 4:
        return json.dumps(_ranges(ids), separators=(",", ":"))
    return "\r".join(str(i) for i in ids)


@function("GetRepetition", 2, lazy=True)
def get_repetition(ctx: CalcContext, ev: LazyArgs, field: ast.Expr, number: ast.Expr) -> Value:
    """Repetition N of a repeating field (``field[N]``). fmscript's fields do not repeat, so a field
    has only repetition 1 (others are empty); a ``$variable`` gives its repetition N."""
    n = V.to_number(ev(number))
    if n is None or n < 1:
        return ""
    if isinstance(field, ast.Variable):
        return ctx.get_variable(field.name, int(n))
    return ev(field) if int(n) == 1 else ""


@function("GetBaseTableName", 1, lazy=True)
def get_base_table_name(ctx: CalcContext, ev: LazyArgs, field: ast.Expr) -> str:
    """The table of a field (a table occurrence is its table here)."""
    if isinstance(field, ast.FieldRef):
        view = file_view(ctx)
        return view.base_table(field.table) if view is not None else ""
    if isinstance(field, ast.Name):
        view = file_view(ctx)
        return view.base_table(None) if view is not None else ""
    return V.ERROR_TEXT


@function("FieldComment", 2)
def field_comment(ctx: CalcContext, file_name: Value, field_name: Value) -> str:
    """The field's comment: a SQL ``--`` comment after the column in the CREATE TABLE text."""
    view = _open(ctx, file_name)
    return (view.field_comment(V.to_text(field_name)) or "") if view else ""
