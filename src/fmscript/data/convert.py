"""Between SQLite storage and FileMaker values, by field type.

FileMaker values are those of ``fmscript.calc.values``: text = ``str``, number = ``Decimal``,
date = ``datetime.date``, time = ``FMTime``, timestamp = ``datetime.datetime``; containers are
``bytes`` (or ``str`` for a stored reference). An empty field reads as ``""``.

Storage (what lands in SQLite): numbers as SQLite numbers (written as decimal text, which a
NUMERIC column turns into INTEGER/REAL), dates as ISO ``YYYY-MM-DD``, times as
``HH:MM:SS[.fff]``, timestamps as ``YYYY-MM-DD HH:MM:SS[.ffffff]``, empty as NULL. SQLite REAL
keeps about 15 significant digits; FileMaker keeps more, so very long numbers lose digits here.

FileMaker keeps whatever was typed into a field even when it does not fit the field type (text in
a number field, "soon" in a date field): it only fails validation. So a value that does not fit
its field type is stored and read back as the text it was.

Parsing and text forms come from ``calc.values`` so calculations, finds and storage agree on
what a date or a number is.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from fmscript.calc.values import (
    FMTime,
    make_number,
    parse_date_text,
    parse_time_text,
    parse_timestamp_text,
    to_date,
    to_number,
    to_text,
    to_time,
    to_timestamp,
)
from fmscript.data.schema import FieldType

Value = Any  # str | Decimal | date | datetime | FMTime | bytes (see module docstring)

__all__ = ["FMTime", "from_storage", "number_of", "parse_number", "to_storage", "to_text"]


# ---------------------------------------------------------------- parsing for finds and sorts

_STRICT_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


def parse_number(text: str) -> Decimal | None:
    """A number written as a plain decimal literal (``10``, ``-3.5``, ``.5``), else None.

    This decides whether text typed into a number field *is* a number (then it is stored as
    one) or stays text, and what a find criterion in a number field means.
    """
    s = text.strip()
    return make_number(s) if _STRICT_NUMBER.fullmatch(s) else None


def number_of(raw: object) -> Decimal | None:
    """The number a stored value stands for, as GetAsNumber reads it ("$1,200.50" -> 1200.5)."""
    if raw is None or isinstance(raw, bytes):
        return None
    if isinstance(raw, (bool, int, float)):
        return make_number(raw)
    return to_number(raw)  # type: ignore[arg-type]


def parse_date(text: str) -> dt.date | None:
    return parse_date_text(text.strip())


def parse_time(text: str) -> Decimal | None:
    """A time typed as text, in seconds (``H:MM``, ``H:MM:SS``, AM/PM), else None."""
    t = parse_time_text(text.strip())
    return t.seconds if t is not None else None


def parse_timestamp(text: str) -> dt.datetime | None:
    return parse_timestamp_text(text.strip())


# ---------------------------------------------------------------- storage <-> values


def _iso_time(seconds: Decimal) -> str:
    whole = int(seconds)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    frac = seconds - whole
    tail = format(make_number(frac), "f")[1:] if frac else ""
    return f"{h:02d}:{m:02d}:{s:02d}{tail}"


def _iso_timestamp(value: dt.datetime) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ")


def _as_value(value: Any) -> Any:
    """Python numbers (from SQLite or callers) as FileMaker numbers."""
    return make_number(value) if isinstance(value, (bool, int, float)) else value


def to_storage(value: Value, ftype: FieldType) -> Any:
    """The SQLite value to store for ``value`` in a field of type ``ftype``."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bytes):
        return value if ftype is FieldType.CONTAINER else None
    value = _as_value(value)
    if ftype in (FieldType.TEXT, FieldType.CONTAINER):
        return to_text(value)
    if ftype is FieldType.NUMBER:
        # Text typed into a number field stays as typed unless it is a number, as in FileMaker.
        n = parse_number(value) if isinstance(value, str) else to_number(value)
        if n is None or not n.is_finite():  # beyond any number (a million digits): as typed
            return to_text(value)
        if n == n.to_integral_value() and abs(n) < 2**63:
            return int(n)
        return format(n, "f")
    if ftype is FieldType.DATE:
        if isinstance(value, FMTime):
            return to_text(value)
        d = to_date(value)
        return d.isoformat() if d is not None else to_text(value)
    if ftype is FieldType.TIME:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return to_text(value)
        t = to_time(value)
        return _iso_time(t.seconds) if t is not None and t.seconds >= 0 else to_text(value)
    ts = to_timestamp(value)
    return _iso_timestamp(ts) if ts is not None else to_text(value)


def from_storage(raw: Any, ftype: FieldType) -> Value:
    """The FileMaker value for a stored SQLite value in a field of type ``ftype``."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        return raw if ftype is FieldType.CONTAINER else raw.decode("utf-8", errors="replace")
    if ftype in (FieldType.TEXT, FieldType.CONTAINER):
        return to_text(_as_value(raw))
    if ftype is FieldType.NUMBER:
        if isinstance(raw, (int, float)):
            return make_number(raw)
        n = parse_number(raw)
        return n if n is not None else raw
    if isinstance(raw, (int, float)):
        # A bare number in a date/time/timestamp column: FileMaker's day number or seconds.
        convert = {FieldType.DATE: to_date, FieldType.TIME: to_time}.get(ftype, to_timestamp)
        got = convert(make_number(raw))
        return got if got is not None else to_text(make_number(raw))
    text = str(raw)
    if ftype is FieldType.DATE:
        return parse_date(text) or text
    if ftype is FieldType.TIME:
        t = parse_time_text(text.strip())
        return t if t is not None else text
    return parse_timestamp(text) or text
