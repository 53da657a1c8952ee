"""FileMaker SQL functions SQLite lacks, installed on the file's connection for ExecuteSQL
(FileMaker SQL Reference, "Functions": string, date and time, conversion functions).

SQLite already has LOWER, UPPER, TRIM, LTRIM, RTRIM, LENGTH, SUBSTR/SUBSTRING, ABS, ROUND,
COALESCE, NULLIF, CURRENT_DATE, CURRENT_TIME, CURRENT_TIMESTAMP and the math functions; LEFT and
RIGHT are SQLite keywords, so ``LEFT(`` / ``RIGHT(`` reach these as ``fm_left`` / ``fm_right``
(``calc/sql_dialect.py``). Dates are stored as ISO text (``data/convert.py``), which is what these
read and return. A value a function cannot read gives NULL, as SQL does.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _date(value: Any) -> dt.date | None:
    text = _text(value)
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _time_part(value: Any, index: int) -> int | None:
    text = _text(value)
    if not text:
        return None
    clock = text[11:] if len(text) > 10 and text[10] in " T" else text
    parts = clock.split(":")
    try:
        return int(float(parts[index])) if len(parts) > index else None
    except ValueError:
        return None


def _date_part(attribute: str) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        d = _date(value)
        return getattr(d, attribute) if d is not None else None

    return read


def _number(value: Any) -> int | float | None:
    text = _text(value)
    try:
        n = float(text) if text is not None else None
    except ValueError:
        return None
    return int(n) if n is not None and n.is_integer() else n


def _left(s: Any, n: Any) -> str | None:
    text = _text(s)
    return None if text is None or n is None else text[: max(int(n), 0)]


def _right(s: Any, n: Any) -> str | None:
    text = _text(s)
    if text is None or n is None:
        return None
    return text[-int(n) :] if int(n) > 0 else ""


def _case(upper: bool) -> Callable[[Any], str | None]:
    def convert(s: Any) -> str | None:
        text = _text(s)
        return None if text is None else text.upper() if upper else text.lower()

    return convert


FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "STRVAL": (1, lambda v: _text(v) if v is not None else ""),
    "FM_LEFT": (2, _left),
    "FM_RIGHT": (2, _right),
    "SPACE": (1, lambda n: " " * max(int(n), 0) if n is not None else None),
    "CHR": (1, lambda n: chr(int(n)) if n is not None else None),
    "LCASE": (1, _case(False)),
    "UCASE": (1, _case(True)),
    "YEAR": (1, _date_part("year")),
    "MONTH": (1, _date_part("month")),
    "DAY": (1, _date_part("day")),
    "HOUR": (1, lambda v: _time_part(v, 0)),
    "MINUTE": (1, lambda v: _time_part(v, 1)),
    "SECOND": (1, lambda v: _time_part(v, 2)),
    "DAYNAME": (1, lambda v: _DAYS[d.weekday()] if (d := _date(v)) else None),
    "MONTHNAME": (1, lambda v: _MONTHS[d.month - 1] if (d := _date(v)) else None),
    "DAYOFWEEK": (1, lambda v: (d.isoweekday() % 7) + 1 if (d := _date(v)) else None),  # Sunday = 1
    "CURDATE": (0, lambda: dt.date.today().isoformat()),
    "CURTIME": (0, lambda: dt.datetime.now().strftime("%H:%M:%S")),
    "INT": (1, lambda v: int(n) if (n := _number(v)) is not None else None),
    "NUMVAL": (1, _number),
    "DATEVAL": (1, lambda v: d.isoformat() if (d := _date(v)) else None),
}


def install(conn: sqlite3.Connection) -> None:
    """Register the functions on ``conn`` (idempotent)."""
    for name, (arity, fn) in FUNCTIONS.items():
        conn.create_function(name, arity, fn, deterministic=name not in ("CURDATE", "CURTIME"))
