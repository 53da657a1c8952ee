"""Between SQLite storage and FileMaker values, by field type.

FileMaker values (see ``fmscript.calc.values``): text = ``str``, number = ``Decimal``, date =
``datetime.date``, time = ``FMTime(seconds)``, timestamp = ``datetime.datetime``; containers are
``bytes`` (or ``str`` for a stored reference). An empty field reads as ``""``.

Storage (what lands in SQLite): numbers as SQLite numbers (written as decimal text, which a NUMERIC
column turns into INTEGER/REAL only when that is lossless), dates as ISO ``YYYY-MM-DD``, times as
``HH:MM:SS[.fff]``, timestamps as ``YYYY-MM-DD HH:MM:SS[.ffffff]``, empty as NULL.

FileMaker keeps whatever was typed into a field even when it does not fit the field type (text in
a number field, "soon" in a date field): it only fails validation. So a value that does not parse
for its field type is stored and read back as the text it was.

The parsers here are also used by finds and sorting. Where ``fmscript.calc.values`` provides a
piece (``FMTime``, ``to_text``) it is used, so the two modules never disagree; the fallbacks are
private and small so they can go once that module is in place.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from fmscript.data.schema import FieldType

Value = Any  # str | Decimal | date | datetime | FMTime | bytes (see module docstring)

# FileMaker dates run from 1/1/0001 to 12/31/4000; its day number for 1/1/0001 is 1, which is
# also Python's ordinal for that day, so date <-> number conversions are toordinal/fromordinal.
_MAX_DATE = dt.date(4000, 12, 31)


@functools.cache
def _calc_values() -> ModuleType | None:
    try:
        return importlib.import_module("fmscript.calc.values")
    except ImportError:
        return None


@dataclass(frozen=True)
class _FallbackTime:
    """Stand-in for ``fmscript.calc.values.FMTime`` until that module exists."""

    seconds: Decimal


def make_time(seconds: Decimal) -> Value:
    cls = getattr(_calc_values(), "FMTime", None) or _FallbackTime
    return cls(seconds)


def is_time(value: object) -> bool:
    return not isinstance(value, (str, bytes, Decimal, int, float)) and hasattr(value, "seconds")


# ---------------------------------------------------------------- parsing text as typed values

_STRICT_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


def parse_number(text: str) -> Decimal | None:
    """A number written as a plain decimal literal (``10``, ``-3.5``, ``.5``), else None."""
    s = text.strip()
    if not _STRICT_NUMBER.fullmatch(s):
        return None
    return Decimal(s)


def number_of(raw: object) -> Decimal | None:
    """The number a stored value stands for, FileMaker-style (used by finds and sorting).

    Like GetAsNumber, text that is not a clean number keeps its digits and first decimal point
    ("$1,200.50" -> 1200.50); text without any digit has no number.
    """
    if raw is None or isinstance(raw, bytes):
        return None
    if isinstance(raw, bool):
        return Decimal(int(raw))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    text = str(raw)
    strict = parse_number(text)
    if strict is not None:
        return strict
    first_digit = re.search(r"\d", text)
    if first_digit is None:
        return None
    negative = "-" in text[: first_digit.start()]
    digits, seen_point = [], False
    for ch in text:
        if ch.isdigit() and ch.isascii():
            digits.append(ch)
        elif ch == "." and not seen_point and digits:
            digits.append(ch)
            seen_point = True
    try:
        n = Decimal("".join(digits).rstrip("."))
    except InvalidOperation:
        return None
    return -n if negative else n


_US_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> dt.date | None:
    """``M/D/YYYY`` (FileMaker's US text form) or ISO ``YYYY-MM-DD``, else None."""
    s = text.strip()
    try:
        if m := _ISO_DATE.fullmatch(s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _US_DATE.fullmatch(s):
            return dt.date(int(m[3]), int(m[1]), int(m[2]))
    except ValueError:
        return None
    return None


_TIME = re.compile(r"(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*([AaPp]\.?[Mm]\.?)?")


def parse_time(text: str) -> Decimal | None:
    """``H:MM``, ``H:MM:SS(.fff)``, optional AM/PM, as seconds; else None.

    Hours may exceed 24: a FileMaker time is also a duration.
    """
    m = _TIME.fullmatch(text.strip())
    if not m:
        return None
    hours, minutes = int(m[1]), int(m[2])
    seconds = Decimal(m[3]) if m[3] else Decimal(0)
    if minutes > 59 or seconds >= 60:
        return None
    if m[4]:
        if not 1 <= hours <= 12:
            return None
        pm = m[4][0] in "Pp"
        hours = (hours % 12) + (12 if pm else 0)
    return Decimal(hours * 3600 + minutes * 60) + seconds


def parse_timestamp(text: str) -> dt.datetime | None:
    """A date (either form) followed by a time (space or ``T`` between), else None."""
    s = text.strip()
    m = re.fullmatch(r"(\S+)(?:[ T]+(.+))?", s)
    if not m:
        return None
    day = parse_date(m[1])
    if day is None:
        return None
    secs = parse_time(m[2]) if m[2] else Decimal(0)
    if secs is None or secs >= 86400:
        return None
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=float(secs))


# ---------------------------------------------------------------- rendering values as text


def _number_text(n: Decimal) -> str:
    if n == n.to_integral_value():
        return str(int(n))
    return format(n.normalize(), "f")


def time_text(seconds: Decimal) -> str:
    """``H:MM:SS`` (FileMaker's text form of a time; fractional seconds kept)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole = int(seconds)
    frac = seconds - whole
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    tail = format(frac.normalize(), "f")[1:] if frac else ""
    return f"{sign}{h}:{m:02d}:{s:02d}{tail}"


def to_text(value: Value) -> str:
    """FileMaker's text form of a value (US formats: ``M/D/YYYY``, ``H:MM:SS``)."""
    calc_to_text = getattr(_calc_values(), "to_text", None)
    if calc_to_text is not None:
        return str(calc_to_text(value))
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        return _number_text(number_of(value) or Decimal(0))
    if isinstance(value, dt.datetime):
        secs = Decimal(value.hour * 3600 + value.minute * 60 + value.second)
        secs += Decimal(value.microsecond) / Decimal(1_000_000)
        return f"{value.month}/{value.day}/{value.year:04d} {time_text(secs)}"
    if isinstance(value, dt.date):
        return f"{value.month}/{value.day}/{value.year:04d}"
    if is_time(value):
        return time_text(Decimal(value.seconds))
    if isinstance(value, bytes):
        return ""
    return str(value)


# ---------------------------------------------------------------- storage <-> values


def _iso_time(seconds: Decimal) -> str:
    whole = int(seconds)
    frac = seconds - whole
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    tail = format(frac.normalize(), "f")[1:] if frac else ""
    return f"{h:02d}:{m:02d}:{s:02d}{tail}"


def _iso_timestamp(value: dt.datetime) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ")


def _timestamp_seconds(value: dt.datetime) -> Decimal:
    secs = (value.toordinal() - 1) * 86400 + value.hour * 3600 + value.minute * 60 + value.second
    return Decimal(secs) + Decimal(value.microsecond) / Decimal(1_000_000)


def _timestamp_from_seconds(n: Decimal) -> dt.datetime | None:
    if n < 0:
        return None
    days, secs = divmod(n, 86400)
    if not 1 <= days + 1 <= _MAX_DATE.toordinal():
        return None
    base = dt.datetime.combine(dt.date.fromordinal(int(days) + 1), dt.time())
    return base + dt.timedelta(seconds=float(secs))


def _seconds_of_time(value: dt.time | dt.datetime) -> Decimal:
    secs = Decimal(value.hour * 3600 + value.minute * 60 + value.second)
    return secs + Decimal(value.microsecond) / Decimal(1_000_000)


def to_storage(value: Value, ftype: FieldType) -> Any:
    """The SQLite value to store for ``value`` in a field of type ``ftype``."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if ftype is FieldType.CONTAINER:
        return value if isinstance(value, (bytes, str)) else to_text(value)
    if ftype is FieldType.TEXT:
        return value if isinstance(value, str) else to_text(value)
    if ftype is FieldType.NUMBER:
        return _number_storage(value)
    if ftype is FieldType.DATE:
        return _date_storage(value)
    if ftype is FieldType.TIME:
        return _time_storage(value)
    return _timestamp_storage(value)


def _number_storage(value: Value) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, Decimal)):
        n = number_of(value)
    elif isinstance(value, dt.datetime):
        n = _timestamp_seconds(value)
    elif isinstance(value, dt.date):
        n = Decimal(value.toordinal())
    elif is_time(value):
        n = Decimal(value.seconds)
    else:
        # Typed text stays as typed when it is not a number, as in FileMaker.
        n = parse_number(str(value))
        if n is None:
            return str(value)
    assert n is not None
    if n == n.to_integral_value() and abs(n) < 2**63:
        return int(n)
    return format(n, "f")  # decimal text: SQLite keeps it exact unless REAL is lossless


def _date_storage(value: Value) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        n = number_of(value)
        if n is not None and n == int(n) and 1 <= n <= _MAX_DATE.toordinal():
            return dt.date.fromordinal(int(n)).isoformat()
        return to_text(value)
    text = to_text(value)
    day = parse_date(text)
    return day.isoformat() if day else text


def _time_storage(value: Value) -> Any:
    if is_time(value):
        return _iso_time(Decimal(value.seconds))
    if isinstance(value, dt.datetime):
        return _iso_time(_seconds_of_time(value))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        n = number_of(value)
        return _iso_time(n) if n is not None and n >= 0 else to_text(value)
    text = to_text(value)
    secs = parse_time(text)
    return _iso_time(secs) if secs is not None and secs >= 0 else text


def _timestamp_storage(value: Value) -> Any:
    if isinstance(value, dt.datetime):
        return _iso_timestamp(value)
    if isinstance(value, dt.date):
        return _iso_timestamp(dt.datetime.combine(value, dt.time()))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        n = number_of(value)
        stamp = _timestamp_from_seconds(n) if n is not None else None
        return _iso_timestamp(stamp) if stamp else to_text(value)
    text = to_text(value)
    stamp = parse_timestamp(text)
    return _iso_timestamp(stamp) if stamp else text


def from_storage(raw: Any, ftype: FieldType) -> Value:
    """The FileMaker value for a stored SQLite value in a field of type ``ftype``."""
    if raw is None:
        return ""
    if isinstance(raw, bytes) and ftype is not FieldType.CONTAINER:
        return raw.decode("utf-8", errors="replace")
    if ftype is FieldType.CONTAINER:
        return raw if isinstance(raw, (bytes, str)) else to_text(raw)
    if ftype is FieldType.TEXT:
        return raw if isinstance(raw, str) else to_text(raw)
    if ftype is FieldType.NUMBER:
        if isinstance(raw, (int, float)):
            return number_of(raw)
        n = parse_number(raw)
        return n if n is not None else raw
    if isinstance(raw, (int, float)):
        # A bare number in a date/time/timestamp column: FileMaker's day number or seconds.
        stored = _date_storage(raw) if ftype is FieldType.DATE else None
        if ftype is FieldType.TIME:
            stored = _time_storage(raw)
        elif ftype is FieldType.TIMESTAMP:
            stored = _timestamp_storage(raw)
        raw = stored
    if ftype is FieldType.DATE:
        return parse_date(raw) or raw
    if ftype is FieldType.TIME:
        secs = parse_time(raw)
        return make_time(secs) if secs is not None else raw
    return parse_timestamp(raw) or raw
