"""ExecuteSQL and ExecuteSQLe: read-only SELECT queries over the file's tables.

Claris ExecuteSQL ( sqlQuery ; fieldSeparator ; rowSeparator { ; arguments… } ):
  - ``?`` in the query are dynamic parameters, replaced by the arguments in order (bound, never
    pasted into the text, so a value cannot inject SQL);
  - an empty fieldSeparator is a comma, an empty rowSeparator a carriage return; neither follows
    the last field / row;
  - statements that modify data or the schema cannot be used; "If an error occurs during query
    parsing or execution, ExecuteSQL returns ?" — and EvaluationError of it gives 8310 [U: the
    number FileMaker reports for an ExecuteSQL error; not printed on the function's page];
  - dates, times and numbers come back in SQL form (``2024-05-01``, ``13:05:00``, ``1234.5``), not
    in the file's locale.
ExecuteSQLe (21.1.1) answers ``? ERROR: FQLxxxx/(line:offset): message`` instead of a bare "?":
FQL0007 "The column named "Title" does not exist in any table in the column reference's scope."
(the documented example); *Choice* for what the page does not show: FQL0002 for a missing table,
FQL0001 for any other error, with SQLite's message.

The SQL dialect is SQLite's (FileMaker's own SQL is close for SELECT: quoted names with spaces,
JOIN, GROUP BY, UNION, subqueries).
"""

from __future__ import annotations

import re

from fmscript.calc import values as V
from fmscript.calc.context import CalcContext
from fmscript.calc.functions.design import file_view
from fmscript.calc.functions.evaluation import note_error
from fmscript.calc.functions.registry import function
from fmscript.calc.values import Value

SQL_ERROR = 8310


class SQLQueryError(Exception):
    """Raised by a FileView's ``query``: SQLite's message for a query that failed."""


def _cell(value: Value) -> str:
    if isinstance(value, float):
        return V.to_text(V.make_number(repr(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None or isinstance(value, bytes):
        return ""
    return str(value)


def _run(
    ctx: CalcContext, query: Value, field_sep: Value, row_sep: Value, arguments: tuple[Value, ...]
) -> str | tuple[str, str]:
    """The result text, or ``(error message, SQLite message)``."""
    view = file_view(ctx)
    sql = V.to_text(query)
    if view is None:
        return ("no FileMaker file is open", "no file")
    try:
        rows = view.query(sql, list(arguments))
    except SQLQueryError as exc:
        return (str(exc), str(exc))
    return rows_text(rows, V.to_text(field_sep), V.to_text(row_sep))


def rows_text(rows: list[tuple[Value, ...]], field_sep: str = "", row_sep: str = "") -> str:
    """Rows as ExecuteSQL answers them (an empty separator: a comma, a carriage return)."""
    fs = field_sep or ","
    rs = row_sep or "\r"
    return rs.join(fs.join(_cell(v) for v in row) for row in rows)


@function("ExecuteSQL", 3, None)
def execute_sql(ctx: CalcContext, query: Value, field_sep: Value, row_sep: Value, *arguments: Value) -> str:
    result = _run(ctx, query, field_sep, row_sep, arguments)
    if isinstance(result, tuple):
        note_error(SQL_ERROR, result[0])
        return V.ERROR_TEXT
    return result


@function("ExecuteSQLe", 3, None)
def execute_sql_e(ctx: CalcContext, query: Value, field_sep: Value, row_sep: Value, *arguments: Value) -> str:
    result = _run(ctx, query, field_sep, row_sep, arguments)
    if isinstance(result, tuple):
        note_error(SQL_ERROR, result[0])
        return "? ERROR: " + fql_message(V.to_text(query), result[1])
    return result


def _position(sql: str, word: str) -> str:
    """``line:offset`` of the first whole-word occurrence of ``word`` (offset counted from 0, as in
    the documented ``FQL0007/(1:7)`` for ``SELECT Title …``)."""
    match = re.search(r'(?<![\w"])"?' + re.escape(word) + r'"?(?!\w)', sql)
    if match is None:
        return "1:0"
    before = sql[: match.start()]
    line = before.count("\n") + 1
    return f"{line}:{match.start() - (before.rfind(chr(10)) + 1)}"


def fql_message(sql: str, message: str) -> str:
    column = re.match(r"no such column: (.+)", message)
    if column:
        name = column.group(1).split(".")[-1]
        return (
            f'FQL0007/({_position(sql, name)}): The column named "{name}" does not exist in any '
            "table in the column reference's scope."
        )
    table = re.match(r"no such table: (.+)", message)
    if table:
        name = table.group(1)
        return f'FQL0002/({_position(sql, name)}): The table named "{name}" does not exist.'
    return f"FQL0001/(1:0): {message}"
