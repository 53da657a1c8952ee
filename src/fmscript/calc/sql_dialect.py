"""FileMaker SQL's forms SQLite lacks, rewritten for the ExecuteSQL queries SQLite runs: typed
literals (``DATE '2024-05-01'``), date arithmetic (``Due + 30``) and text concatenation with ``+``.

FileMaker SQL concatenates with ``+`` ("Character operators: + Keep trailing blank characters",
FileMaker SQL Reference / ODBC and JDBC Guide, ``first_name + last_name``), where SQLite's ``+`` is
always arithmetic (``'2024-05-01' + ' x'`` is 2024). So before a query runs, each ``+`` with a
character operand — a text constant, a text column, a date/time/timestamp column (FileMaker turns
dates into their SQL text, ``2024-05-01``), or a string function — becomes SQLite's ``||``.
``||`` itself means the same in both dialects and is left alone. A ``+`` between numbers (or
anything not known to be text) stays arithmetic.

Only the tokens around each ``+`` are looked at: names are resolved by a callback that says what
a column is (``"text"``, ``"number"``, ``"date"`` …, or None when unknown).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"""
      (?P<space>\s+|--[^\n]*|/\*.*?\*/)
    | (?P<string>'(?:[^']|'')*')
    | (?P<ident>"(?:[^"]|"")*"|[A-Za-z_\u0080-\uffff][\w\u0080-\uffff$]*)
    | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)
    | (?P<op>\|\||<>|<=|>=|!=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Functions whose result is text in FileMaker SQL (String functions of the SQL Reference).
_TEXT_FUNCTIONS = {
    "lower", "upper", "trim", "ltrim", "rtrim", "substr", "substring", "fm_left", "fm_right", "chr",
    "char", "strval", "space", "replace", "lcase", "ucase", "dayname", "monthname", "dateval",
}  # fmt: skip
_CHARACTER_TYPES = {"text", "date", "time", "timestamp"}

ColumnType = Callable[[str], str | None]


def _tokens(sql: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "op", m.group()) for m in _TOKEN.finditer(sql)]


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _operand_is_text(tokens: list[tuple[str, str]], start: int, step: int, column: ColumnType) -> bool:
    """Whether the operand beside a ``+`` (from ``start`` going ``step``: -1 left, +1 right) is
    character data."""
    i = start
    while 0 <= i < len(tokens) and tokens[i][0] == "space":
        i += step
    if not 0 <= i < len(tokens):
        return False
    kind, text = tokens[i]
    if kind == "string":
        return True
    if step < 0 and text == ")":  # a call ending here: find its name before the "("
        depth = 0
        while i >= 0:
            if tokens[i][1] == ")":
                depth += 1
            elif tokens[i][1] == "(":
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        i -= 1
        while i >= 0 and tokens[i][0] == "space":
            i -= 1
        return i >= 0 and tokens[i][0] == "ident" and tokens[i][1].lower() in _TEXT_FUNCTIONS
    if kind != "ident":
        return False
    # A name: a function when "(" follows, else a column (qualified names: the last part).
    j = i + 1
    while j < len(tokens) and tokens[j][0] == "space":
        j += 1
    if j < len(tokens) and tokens[j][1] == "(":
        return text.lower() in _TEXT_FUNCTIONS
    if step > 0:  # ``t.col``: walk to the last part of the dotted name
        while j + 1 < len(tokens) and tokens[j][1] == "." and tokens[j + 1][0] == "ident":
            i, j = j + 1, j + 2
        text = tokens[i][1]
    return column(_unquote(text)) in _CHARACTER_TYPES


_TYPED_LITERAL = {"date", "time", "timestamp"}


def _typed_literals(tokens: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], set[int]]:
    """SQL-92 ``DATE '2024-05-01'`` / ``TIME '…'`` / ``TIMESTAMP '…'`` (the form the ExecuteSQL page
    says it accepts) become the plain ISO text SQLite compares them as; returns the tokens and the
    positions of the date literals among them."""
    out: list[tuple[str, str]] = []
    dates: set[int] = set()
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "ident" and text.lower() in _TYPED_LITERAL:
            j = i + 1
            while j < len(tokens) and tokens[j][0] == "space":
                j += 1
            if j < len(tokens) and tokens[j][0] == "string":
                if text.lower() == "date":
                    dates.add(len(out))
                out.append(tokens[j])
                i = j + 1
                continue
        out.append((kind, text))
        i += 1
    return out, dates


def _neighbour(tokens: list[tuple[str, str]], i: int, step: int) -> int:
    j = i + step
    while 0 <= j < len(tokens) and tokens[j][0] == "space":
        j += step
    return j


def _date_arithmetic(
    tokens: list[tuple[str, str]], dates: set[int], column: ColumnType
) -> list[tuple[str, str]]:
    """``date ± number`` (FileMaker SQL "Date operators": adds or subtracts days) as SQLite's
    ``date(d, '±n days')``, for a date column, a DATE literal or CURRENT_DATE and a number."""
    out = list(tokens)
    for i, (kind, text) in enumerate(tokens):
        if kind != "op" or text not in "+-":
            continue
        left, right = _neighbour(tokens, i, -1), _neighbour(tokens, i, 1)
        if not (left >= 0 and right < len(tokens)) or tokens[right][0] != "number":
            continue
        lkind, ltext = tokens[left]
        is_date = left in dates or (
            lkind == "ident" and (ltext.lower() == "current_date" or column(_unquote(ltext)) == "date")
        )
        if not is_date or out[left][0] == "done":
            continue
        out[left] = ("done", f"date({ltext}, '{text}{tokens[right][1]} days')")
        for j in range(left + 1, right + 1):
            out[j] = ("done", "")
    return out


def _keyword_functions(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``LEFT(`` and ``RIGHT(`` (FileMaker SQL string functions; SQLite keywords) as
    ``fm_left(`` / ``fm_right(`` (``steps/sql_functions.py``); ``LEFT JOIN`` stays."""
    out = list(tokens)
    for i, (kind, text) in enumerate(tokens):
        if kind == "ident" and text.lower() in ("left", "right"):
            j = _neighbour(tokens, i, 1)
            if j < len(tokens) and tokens[j][1] == "(":
                out[i] = ("ident", "fm_" + text.lower())
    return out


def fm_sql_to_sqlite(sql: str, column: ColumnType) -> str:
    """The query with FileMaker SQL's forms SQLite lacks written SQLite's way: typed literals,
    date arithmetic and the text ``+``."""
    tokens, dates = _typed_literals(_tokens(sql))
    tokens = _keyword_functions(tokens)
    if "+" in sql or "-" in sql:
        tokens = _date_arithmetic(tokens, dates, column)
    out = []
    for i, (kind, text) in enumerate(tokens):
        if (
            kind == "op"
            and text == "+"
            and (_operand_is_text(tokens, i - 1, -1, column) or _operand_is_text(tokens, i + 1, 1, column))
        ):
            out.append("||")
        else:
            out.append(text)
    return "".join(out)


__all__ = ["fm_sql_to_sqlite"]
