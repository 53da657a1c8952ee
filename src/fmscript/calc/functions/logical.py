"""Logical functions that are not control flow (If, Case, Let… live in ``control``).

IsValid and GetFieldName are lazy: IsValid has to see a missing field (error 102) instead of the
error stopping the calculation, and GetFieldName needs the field reference, not its value.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import ERROR_TEXT, Value, is_empty, to_text
from fmscript.errors import CalcError, FieldMissingError, FMScriptError
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs

_REPETITION = re.compile(r"^(.*?)\s*\[\s*(\d+)\s*\]\s*$")


@function("IsEmpty", 1)
def is_empty_(ctx: CalcContext, value: Value) -> Decimal:
    return Decimal(1) if is_empty(value) else Decimal(0)


@function("IsValid", 1, lazy=True)
def is_valid(ctx: CalcContext, ev: LazyArgs, node: ast.Expr) -> Decimal:
    """0 when the field is missing or the value cannot be computed ("?"), else 1."""
    try:
        value = ev(node)
    except CalcError:
        return Decimal(0)
    return Decimal(0) if isinstance(value, str) and value == ERROR_TEXT else Decimal(1)


@function("True", 0, bare=True)
def true(ctx: CalcContext) -> Decimal:
    return Decimal(1)


@function("False", 0, bare=True)
def false(ctx: CalcContext) -> Decimal:
    return Decimal(0)


def split_field_name(name: str) -> tuple[str | None, str, int]:
    """``"Table::Field[2]"`` -> ("Table", "Field", 2); the table is None when unqualified."""
    repetition = 1
    m = _REPETITION.match(name)
    if m:
        name, repetition = m[1], int(m[2])
    table, sep, field = name.partition("::")
    if not sep:
        return None, name.strip(), repetition
    return table.strip() or None, field.strip(), repetition


@function("GetField", 1)
def get_field(ctx: CalcContext, field_name: Value) -> Value:
    """The value of the field (or ``$variable``) named by the text: ``GetField ( "Table::Field" )``."""
    name = to_text(field_name).strip()
    if not name:
        raise FieldMissingError("GetField needs a field name")
    table, field, repetition = split_field_name(name)
    if table is None and field.startswith("$"):
        return ctx.get_variable(field, repetition)
    return ctx.get_field(table, field, repetition)


@function("GetFieldName", 1, lazy=True)
def get_field_name(ctx: CalcContext, ev: LazyArgs, node: ast.Expr) -> str:
    """The fully qualified name (``Table::Field``) of a field reference.

    Claris GetFieldName: "GetFieldName(Evaluate(<fieldName>)) returns the name of a field based on
    the data stored in <fieldName>" — so an ``Evaluate`` argument is not run for its value: the text
    it would evaluate is read as a field reference. An unqualified name is qualified by the current
    layout's table occurrence. For any other expression: the name its value refers to (as GetField
    would read it)."""
    if isinstance(node, ast.Call) and node.name.casefold() == "evaluate" and node.args:
        ref = _field_reference(to_text(ev(node.args[0])))
        if ref is not None:
            return _qualified(ctx, ref.table, ref.field)
        return to_text(ev(node))
    if isinstance(node, ast.FieldRef):
        return _qualified(ctx, node.table, node.field)
    if isinstance(node, ast.Name) and node.name not in ev.env:
        return _qualified(ctx, None, node.name)
    return to_text(ev(node))


def _field_reference(text: str) -> ast.FieldRef | None:
    """The field reference a calculation text is, or None (a text that does not parse, or any
    other expression)."""
    from fmscript.syntax.calc_build import parse_calc  # Lark loads only when calc text is parsed

    try:
        node = parse_calc(text.strip())
    except FMScriptError:
        return None
    if isinstance(node, ast.FieldRef):
        return node
    if isinstance(node, ast.Name):
        return ast.FieldRef(None, node.name, span=node.span)
    return None


def _qualified(ctx: CalcContext, table: str | None, field: str) -> str:
    """``Table::Field`` as the file names them (the context's ``qualify_field``, when it has one)."""
    name = ctx.qualify_field(table, field)
    if name:
        return str(name)
    return f"{table}::{field}" if table else field
