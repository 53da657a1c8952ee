"""Functions over related records and the relationships graph: Last, Extend, Lookup, LookupNext,
RelationInfo, BaseTableNames.

A calculation reaches related records through its context: ``related_values(table, field)`` gives
every related record's value of ``table::field`` (None when ``table`` is not a related table
occurrence) and ``lookup_next(table, field, higher)`` the value of the record with the next
lower/higher match value. fmscript has no repeating fields, so a field is one repetition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fmscript.calc import values as V
from fmscript.calc.context import CalcContext
from fmscript.calc.functions.design import file_view
from fmscript.calc.functions.registry import function
from fmscript.calc.values import Value
from fmscript.errors import CalcError
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs


def _related(ctx: CalcContext, node: Any) -> list[Value] | None:
    """Every related value of a ``Table::Field`` node, or None when it is not a related field."""
    if not isinstance(node, ast.FieldRef) or node.table is None:
        return None
    values = ctx.related_values(node.table, node.field)
    return list(values) if values is not None else None


@function("Last", 1, over_related=True)
def last(ctx: CalcContext, field: Value) -> Value:
    """Claris Last: "the last valid, non-blank value in field … If field is a related field, returns
    the last non-blank value in the related records" (in the relationship's order)."""
    values = [v for v in field if not V.is_empty(v)] if isinstance(field, tuple) else [field]
    return values[-1] if values else ""


@function("Extend", 1)
def extend(ctx: CalcContext, field: Value) -> Value:
    """Claris Extend: makes a non-repeating field's value available to every repetition of a
    calculation; with no repeating fields that is the value itself."""
    return field


@function("Lookup", 1, 2, lazy=True)
def lookup(ctx: CalcContext, ev: LazyArgs, source: ast.Expr, fail: ast.Expr | None = None) -> Value:
    """Claris Lookup ( sourceField {; failExpression} ): the value of sourceField in the first
    related record; failExpression (else empty) when no record is related."""
    values = _related(ctx, source)
    if values is None:
        return ev(source)
    if values:
        return values[0]
    return ev(fail) if fail is not None else ""


@function("LookupNext", 2, lazy=True)
def lookup_next(ctx: CalcContext, ev: LazyArgs, source: ast.Expr, flag: ast.Expr) -> Value:
    """Claris LookupNext ( sourceField ; lower/higher flag ): the first related record's value, or
    when no record is related, the value from the record with the next lower (``Lower``) or higher
    (``Higher``) match value."""
    word = flag.name if isinstance(flag, ast.Name) else V.to_text(ev(flag))
    higher = word.strip().casefold() == "higher"
    if not higher and word.strip().casefold() != "lower":
        raise CalcError("LookupNext needs Lower or Higher as its second parameter")
    values = _related(ctx, source)
    if values is None:
        return ev(source)
    if values:
        return values[0]
    assert isinstance(source, ast.FieldRef) and source.table is not None  # _related found it related
    return ctx.lookup_next(source.table, source.field, higher)


@function("RelationInfo", 2)
def relation_info(ctx: CalcContext, file_name: Value, table_name: Value) -> str:
    """Claris RelationInfo: for each relationship of tableName, "Source:", "Table:", "Options:"
    (Delete Create Sorted, set on the other table's side) and one line per match pair with the
    other table's field first; lists separated by an empty line."""
    view = file_view(ctx)
    if view is None or not view.is_file(V.to_text(file_name)):
        return ""
    source = view.file_name()
    infos = view.relation_info(V.to_text(table_name)) or []
    lists = [
        "\r".join([f"Source: {source}", f"Table: {table}", f"Options: {' '.join(options)}".rstrip(), *pairs])
        for table, options, pairs in infos
    ]
    return "\r\r".join(lists)


@function("BaseTableNames", 1)
def base_table_names(ctx: CalcContext, file_name: Value) -> str:
    """Claris BaseTableNames: the names of the file's base tables (TableNames lists occurrences)."""
    view = file_view(ctx)
    if view is None or not view.is_file(V.to_text(file_name)):
        return ""
    return "\r".join(view.base_table_names())


# *Choice*: design IDs numbered as FileMaker numbers a new file's (its DDR shows base tables from
# 129, table occurrences from 1065089; fields, layouts and scripts from 1), in creation order.
def _ids(names: list[str] | None, first: int) -> str:
    return "\r".join(str(first + i) for i in range(len(names or [])))


@function("TableIDs", 1)
def table_ids(ctx: CalcContext, file_name: Value) -> str:
    view = file_view(ctx)
    return (
        _ids(view.table_names(), 1065089) if view is not None and view.is_file(V.to_text(file_name)) else ""
    )


@function("BaseTableIDs", 1)
def base_table_ids(ctx: CalcContext, file_name: Value) -> str:
    view = file_view(ctx)
    return (
        _ids(view.base_table_names(), 129) if view is not None and view.is_file(V.to_text(file_name)) else ""
    )


@function("LayoutIDs", 1)
def layout_ids(ctx: CalcContext, file_name: Value) -> str:
    view = file_view(ctx)
    return _ids(view.layout_names(), 1) if view is not None and view.is_file(V.to_text(file_name)) else ""


@function("ScriptIDs", 1)
def script_ids(ctx: CalcContext, file_name: Value) -> str:
    view = file_view(ctx)
    return _ids(view.script_names(), 1) if view is not None and view.is_file(V.to_text(file_name)) else ""


@function("FieldIDs", 2)
def field_ids(ctx: CalcContext, file_name: Value, layout_name: Value) -> str:
    view = file_view(ctx)
    if view is None or not view.is_file(V.to_text(file_name)):
        return ""
    return _ids(view.field_names(V.to_text(layout_name)), 1)
