"""Typed, positioned syntax trees for scripts and calculations (frozen attrs nodes).

Spans are always in *script* coordinates: a calculation inside a step option knows the script line
and column of each of its tokens, so a calc error points at the right place in the script.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from fmscript.errors import SourceSpan

# ----------------------------------------------------------------------------- calculations


@attrs.frozen(weakref_slot=False)
class Number:
    value: Decimal
    span: SourceSpan = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Text:
    value: str
    span: SourceSpan = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class FieldRef:
    """``Table::Field`` (table may be None for an unqualified field name)."""

    table: str | None
    field: str
    repetition: Expr | None = None  # None: 1
    span: SourceSpan = attrs.field(default=None, eq=False, repr=False)

    @property
    def full_name(self) -> str:
        return f"{self.table}::{self.field}" if self.table else self.field


@attrs.frozen(weakref_slot=False)
class Variable:
    """``$local`` or ``$$global``, optionally ``$name[repetition]``."""

    name: str  # with its $ / $$ prefix
    repetition: Expr | None = None
    span: SourceSpan = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Name:
    """A bare word: a Let variable, a zero-argument function (Pi, JSONString), or a field name."""

    name: str
    span: SourceSpan = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Call:
    name: str
    args: tuple[Expr, ...]
    span: SourceSpan = attrs.field(eq=False, repr=False)
    name_span: SourceSpan = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Group:
    """A bracketed argument group: ``[ a ; b ; c ]`` (Let bindings, JSONSetElement multi-set)."""

    items: tuple[Expr, ...]
    span: SourceSpan = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class BinOp:
    op: str  # canonical: + - * / ^ & = <> < <= > >= and or xor
    left: Expr
    right: Expr
    span: SourceSpan = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class UnaryOp:
    op: str  # - + not
    operand: Expr
    span: SourceSpan = attrs.field(eq=False, repr=False)


# A calculation's expression node.
Expr = Number | Text | FieldRef | Variable | Name | Call | Group | BinOp | UnaryOp


@attrs.frozen(weakref_slot=False)
class Calc:
    """A calculation as written in a step option: its source text and parsed expression."""

    text: str
    expr: Expr
    span: SourceSpan = attrs.field(eq=False, repr=False)


# ----------------------------------------------------------------------------- script


@attrs.frozen(weakref_slot=False)
class Target:
    """Where a step writes: a field (``T::F``) or a variable (``$x``, ``$$x``), with repetition."""

    kind: str  # "field" | "variable"
    name: str  # full variable name or Table::Field text
    table: str | None = None
    field: str | None = None
    repetition: Calc | None = None
    span: SourceSpan = attrs.field(default=None, eq=False, repr=False)


def _criteria(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(f), str(c)) for f, c in pairs)


@attrs.frozen(weakref_slot=False)
class FindRequest:
    """One find request — stored in the step text (``Find Records ; Criteria: T::F: "x" AND
    T::G: "y"``) or typed in Find mode: ``(field name, criterion text)`` pairs, the field name
    qualified (``Table::Field``) or not. The one request type of parser, steps and data layer."""

    criteria: tuple[tuple[str, str], ...] = attrs.field(converter=_criteria)
    omit: bool = False

    def is_empty(self) -> bool:
        return all(not c.strip() for _f, c in self.criteria)


@attrs.frozen(weakref_slot=False)
class Step:
    """A script step. ``name`` is the canonical English name; ``options`` hold typed values:
    Calc, Target, bool, str (enum values and names), tuple of FindRequest, tuple of sort keys."""

    name: str
    options: dict[str, Any] = attrs.field(eq=False)
    span: SourceSpan = attrs.field(eq=False, repr=False)
    written_name: str = ""
    lang: str = "en"
    disabled: bool = False
    comment: str | None = None  # text of a # comment step

    def opt(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@attrs.frozen(weakref_slot=False)
class Script:
    name: str
    file: str
    steps: Sequence[Step]  # a tuple; a big script's CompactSteps; LazyTuple from the disk cache
    source: str = attrs.field(default="", repr=False, eq=False)
