"""Serial numbers: a field's "next value" (FileMaker's auto-enter serial number option).

A column whose declared type contains the word ``SERIAL`` (``"Invoice ID" INTEGER SERIAL``, the
way ``GLOBAL`` marks a global field) gets the next serial number when a record is created, and
the next value then goes up by one. Set Next Serial Value sets it (Claris "Set Next Serial
Value"), Replace Field Contents [ Serial numbers ] can update it. Values are kept in the side table
``fmscript_serials``; a field without an entry starts after the largest number in the column.

Text serials keep their text and count up their last run of digits, zero-padded as written
(``INV0009`` → ``INV0010``), as FileMaker does.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from fmscript.data.schema import quote_ident

_TABLE = "fmscript_serials"


def is_serial(declared: str) -> bool:
    return "SERIAL" in re.findall(r"[A-Z]+", (declared or "").upper())


def _ensure(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {_TABLE} "
        "(table_name TEXT NOT NULL, field_name TEXT NOT NULL, next_value, PRIMARY KEY (table_name, field_name))"
    )


def next_value(conn: sqlite3.Connection, table: str, field: str) -> Any:
    """The serial number the next new record gets (without using it up)."""
    _ensure(conn)
    row = conn.execute(
        f"SELECT next_value FROM {_TABLE} WHERE table_name = ? AND field_name = ?", (table, field)
    ).fetchone()
    if row is not None:
        return row[0]
    top = conn.execute(
        f"SELECT max(CAST({quote_ident(field)} AS INTEGER)) FROM {quote_ident(table)}"
    ).fetchone()[0]
    return int(top or 0) + 1


def set_next(conn: sqlite3.Connection, table: str, field: str, value: Any) -> None:
    _ensure(conn)
    conn.execute(
        f"INSERT OR REPLACE INTO {_TABLE} (table_name, field_name, next_value) VALUES (?, ?, ?)",
        (table, field, value),
    )


def take(conn: sqlite3.Connection, table: str, field: str) -> Any:
    """Use up the next serial number of a field (a new record)."""
    value = next_value(conn, table, field)
    set_next(conn, table, field, increment(value, 1))
    return value


def increment(value: Any, by: int | float) -> Any:
    """``value + by``; text counts up its last run of digits, keeping the zero padding."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        result = value + by
        return int(result) if float(result).is_integer() else result
    text = str(value)
    m = re.search(r"(\d+)(?!.*\d)", text)
    if m is None:
        return text
    digits = m.group(1)
    number = int(digits) + int(by)
    return text[: m.start()] + str(number).zfill(len(digits)) + text[m.end() :]


def snapshot(conn: sqlite3.Connection) -> list[tuple[str, str, Any]]:
    """Every field's next serial value (to keep across a rolled-back transaction)."""
    try:
        rows = conn.execute(f"SELECT table_name, field_name, next_value FROM {_TABLE}").fetchall()
        return [(str(t), str(f), v) for t, f, v in rows]
    except sqlite3.OperationalError:  # no serials yet
        return []


def restore(conn: sqlite3.Connection, values: list[tuple[str, str, Any]]) -> None:
    for table, field, value in values:
        set_next(conn, table, field, value)
