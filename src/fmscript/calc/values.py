"""FileMaker calculation values, their text forms, coercions and operators.

Value model (what every calculation function takes and returns):

* text      -> ``str`` (FileMaker's return, ``¶``, is ``"\\r"``)
* number    -> ``decimal.Decimal`` (FileMaker numbers are decimal: ``0.1 + 0.2 = 0.3`` exactly)
* date      -> ``datetime.date``
* time      -> :class:`FMTime` (seconds as a Decimal; may be negative or exceed 24 hours)
* timestamp -> ``datetime.datetime`` (naive)
* container -> ``bytes`` (a container field's data, as SQLite stores it; the embedding functions'
  binary vectors); fmscript keeps no file name with it.

``datetime.datetime`` is a subclass of ``datetime.date``: every type test here checks timestamps first.

Choices where FileMaker's documentation is silent or inconsistent are marked *Choice* below.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, Overflow

import attrs

EMPTY = ""
ERROR_TEXT = "?"  # FileMaker's result for an expression it cannot compute (e.g. division by zero)

# Exact arithmetic context: big enough that + - * never round in practice.
EXACT = Context(prec=2000, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)

# FileMaker numbers range over about 10^-400 … 10^400 (Claris "Number fields": "values from 10^-400 up
# to 10^400"). fmscript computes beyond that only in its exact context; a result whose magnitude is
# past 10^400 shows as "?", and functions that would spend time on such numbers return "?" at once.
MAX_MAGNITUDE = 400

DEFAULT_PRECISION = 16  # digits right of the point for / and math functions (Claris SetPrecision page)
MAX_PRECISION = 400
_precision: contextvars.ContextVar[int] = contextvars.ContextVar("fm_precision", default=DEFAULT_PRECISION)

SECONDS_PER_DAY = 86400
_EPOCH_ORDINAL = 1  # FileMaker day numbers: 1/1/0001 = 1, which is Python's date.toordinal()


def _seconds(value: Decimal | int | float | str) -> Decimal:
    return make_number(value)  # defined below; looked up when a time is made


@attrs.frozen(order=True)
class FMTime:
    """A FileMaker time: a signed duration in seconds (FileMaker allows > 24h and negatives)."""

    seconds: Decimal = attrs.field(converter=_seconds)

    def __str__(self) -> str:
        return to_text(self)


Value = str | Decimal | _dt.date | FMTime | _dt.datetime | bytes


# ----------------------------------------------------------------------------- precision


def current_precision() -> int:
    """Digits kept right of the decimal point by division and math functions (16 unless SetPrecision)."""
    return _precision.get()


@contextlib.contextmanager
def precision_scope(digits: int) -> Iterator[None]:
    """Run a block with SetPrecision's precision. FileMaker clamps it to 16..400 (values below 16 give
    the default 16, as Claris' ``SetPrecision ( 1.3213… ; 0 )`` example shows)."""
    token = _precision.set(max(DEFAULT_PRECISION, min(MAX_PRECISION, int(digits))))
    try:
        yield
    finally:
        _precision.reset(token)


def round_places(d: Decimal, places: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``d`` to ``places`` digits right of the point (negative: tens, hundreds…), normalised."""
    if not d.is_finite():
        return d
    try:
        return make_number(d.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=EXACT))
    except InvalidOperation:  # more digits than EXACT holds: leave it as it is
        return make_number(d)


def fit(d: Decimal) -> Decimal:
    """Round a computed (inexact) result to the current precision, as FileMaker does for / and math."""
    return round_places(d, current_precision())


# ----------------------------------------------------------------------------- numbers


def make_number(x: int | float | str | Decimal) -> Decimal:
    """A normalised Decimal: no trailing zeros, no exponent form for integers, no ``-0``."""
    if isinstance(x, bool):
        x = int(x)
    if isinstance(x, float):
        x = repr(x)  # shortest round-trip form: 0.1 stays 0.1, not 0.1000000000000000055…
    d = x if isinstance(x, Decimal) else Decimal(x.strip() if isinstance(x, str) else x)
    if not d.is_finite():
        return d
    if d.is_zero():
        return Decimal(0)
    try:
        d = d.normalize(EXACT)
    except Overflow:  # a million digits, past EXACT's exponent: beyond any number (as 1/0's "?")
        return Decimal("-Infinity") if d.is_signed() else Decimal("Infinity")
    if d.as_tuple().exponent > 0:  # type: ignore[operator]  # 1E+2 -> 100
        with contextlib.suppress(InvalidOperation):  # beyond EXACT's digits: to_text still writes it out
            d = d.quantize(Decimal(1), context=EXACT)
    return d


def _number_text(d: Decimal) -> str:
    """Choice: FileMaker drops the leading zero of a fraction in calculation results —
    Claris documents ``Cos ( Radians ( 60 ) )`` returns ``.5`` and ``GetAsNumber ( ".(22)" )`` returns
    ``.22`` (help.claris.com cos.html, getasnumber.html). SetPrecision's page prints ``0.555…``; we
    follow the majority. No exponent, no trailing zeros, no trailing point."""
    if not d.is_finite() or d.adjusted() > MAX_MAGNITUDE:
        return ERROR_TEXT
    if d.adjusted() < -MAX_MAGNITUDE - DEFAULT_PRECISION:
        return "0"
    text = format(make_number(d), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return text


_NUMBER_CHARS = re.compile(r"[0-9.]")


def _text_to_number(text: str) -> Decimal | None:
    """GetAsNumber on text (Claris getasnumber.html): keep the digits and the first decimal point,
    drop everything else ("$1,254.50" -> 1254.5, "2 - 2" -> 22). The result is negative when the first
    digits are preceded by "-" or "(" — unless a period or a digit comes before that sign
    ("(22)" -> -22, ".(22)" -> .22). No digits -> None (FileMaker's empty result)."""
    digits: list[str] = []
    point = False
    negative = False
    seen_digit = seen_point = False
    for ch in text:
        if "0" <= ch <= "9":
            digits.append(ch)
            seen_digit = True
        elif ch == ".":
            if not point:
                digits.append(".")
                point = True
            seen_point = True
        elif ch in "-(" and not seen_digit and not seen_point:
            negative = True
    body = "".join(digits)
    if not any(c.isdigit() for c in body):
        return None
    if body.startswith("."):
        body = "0" + body
    if body.endswith("."):
        body = body[:-1]
    d = make_number(body)
    return -d if negative and d else d


def to_number(v: Value) -> Decimal | None:
    """GetAsNumber semantics. Dates -> day number (1/1/0001 = 1), times -> seconds,
    timestamps -> seconds since 1/1/0001 00:00:00; text per :func:`_text_to_number`."""
    if isinstance(v, Decimal):
        return v
    if isinstance(v, FMTime):
        return v.seconds
    if isinstance(v, _dt.datetime):
        secs = Decimal(v.hour * 3600 + v.minute * 60 + v.second) + Decimal(v.microsecond).scaleb(-6)
        return make_number((v.toordinal() - _EPOCH_ORDINAL) * SECONDS_PER_DAY + secs)
    if isinstance(v, _dt.date):
        return Decimal(v.toordinal())
    if isinstance(v, str):
        return _text_to_number(v) if v else None
    return None


def num(v: Value) -> Decimal:
    """A number for arithmetic: like :func:`to_number`, with empty / non-numeric text counting as 0."""
    n = to_number(v)
    return Decimal(0) if n is None else n


def out_of_range(n: Decimal) -> bool:
    """Beyond FileMaker's number range (magnitude past 10^400, or not a number at all)."""
    return not n.is_finite() or n.adjusted() > MAX_MAGNITUDE


_HUGE_INT = 10**18  # counts and positions past this behave alike (no text or list is that long)


def to_int(v: Value) -> int:
    """An integer argument (counts, positions): the number truncated toward zero. Magnitudes past
    10^18 are clamped, so Left ( t ; 1e400000 ) never builds a 400,000-digit integer."""
    n = num(v)
    if not n.is_finite():
        return 0
    if n.adjusted() >= 18:
        return _HUGE_INT if n > 0 else -_HUGE_INT
    return int(n.to_integral_value(rounding=ROUND_DOWN))


def to_bool(v: Value) -> bool:
    """FileMaker truth: a non-zero number is true; text is converted to a number first and text with
    no number is false; empty is false. Claris' GetAsBoolean page notes that the error result "?" is
    evaluated as true."""
    if isinstance(v, str):
        if v == ERROR_TEXT:
            return True
        n = to_number(v)
        return n is not None and not n.is_zero()
    n = to_number(v)
    return n is not None and not n.is_zero()


def is_empty(v: Value) -> bool:
    return isinstance(v, str) and v == ""


def _bool(b: bool) -> Decimal:
    return Decimal(1) if b else Decimal(0)


# ----------------------------------------------------------------------------- text forms


def _seconds_text(total: Decimal) -> str:
    sign = "-" if total < 0 else ""
    total = abs(total)
    whole = int(total.to_integral_value(rounding=ROUND_DOWN))
    frac = total - whole
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    text = f"{sign}{h}:{m:02d}:{s:02d}"
    if frac:
        text += _number_text(make_number(frac))  # ".5" — the fraction keeps its own digits
    return text


def to_text(v: Value) -> str:
    """FileMaker's text form of a value. Choice: dates and timestamps use the US order FileMaker uses
    in files created with English settings (``M/D/YYYY``, Claris Date page: "In the United States,
    dates are generally in the format MM/DD/YYYY"); times are 24-hour ``H:MM:SS`` with any fraction
    kept; timestamps ``M/D/YYYY H:MM:SS`` (no AM/PM: that is a layout display format)."""
    if isinstance(v, str):
        return v
    if isinstance(v, Decimal):
        return _number_text(v)
    if isinstance(v, FMTime):
        return _seconds_text(v.seconds)
    if isinstance(v, _dt.datetime):
        secs = make_number(
            Decimal(v.hour * 3600 + v.minute * 60 + v.second) + Decimal(v.microsecond).scaleb(-6)
        )
        return f"{v.month}/{v.day}/{v.year:04d} {_seconds_text(secs)}"
    if isinstance(v, _dt.date):
        return f"{v.month}/{v.day}/{v.year:04d}"
    if v is None:
        return ""
    return str(v)


# ----------------------------------------------------------------------------- dates and times

_US_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{1,4})\s*$")
_YMD_DATE = re.compile(r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\s*$")
_TIME = re.compile(r"^\s*(-?)(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*(?:([AaPp])\.?[Mm]?\.?)?\s*$")


def _safe_date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def parse_date_text(text: str) -> _dt.date | None:
    """``M/D/YYYY`` (US order, FileMaker's English default) or ``YYYY-MM-DD`` / ``YYYY/M/D``."""
    m = _YMD_DATE.match(text)
    if m:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    m = _US_DATE.match(text)
    if m:
        year = int(m[3]) if len(m[3]) > 2 else _two_digit_year(int(m[3]))
        return _safe_date(year, int(m[1]), int(m[2]))
    return None


def _two_digit_year(yy: int) -> int:
    """Claris "Conversion of dates with two-digit years": the year lands in the next 30 years or the
    preceding 70 (entered in 1999: 29 -> 2029, 30 -> 1930), for every form of date entry."""
    this_year = _dt.date.today().year
    year = this_year - this_year % 100 + yy
    if year > this_year + 30:
        return year - 100
    return year + 100 if year < this_year - 69 else year


def parse_time_text(text: str) -> FMTime | None:
    """``H:MM``, ``H:MM:SS`` or ``H:MM:SS.fff``, optional AM/PM; hours may exceed 24."""
    m = _TIME.match(_CJK_AM_PM.sub("", text) + _cjk_marker(text))
    if not m:
        return None
    hours, minutes = int(m[2]), int(m[3])
    seconds = Decimal(m[4]) if m[4] else Decimal(0)
    if m[5]:  # 12 AM = 0 h, 12 PM = 12 h
        if hours > 12:
            return None
        hours = hours % 12 + (12 if m[5] in "Pp" else 0)
    total = hours * 3600 + minutes * 60 + seconds
    return FMTime(-total if m[1] else total)


# ja help writes "12:15 午後", zh help "下午 12:15" (Claris GetAsTime example 3).
_CJK_AM_PM = re.compile(r"^\s*(午前|午後|上午|下午)|(午前|午後|上午|下午)\s*$")


def _cjk_marker(text: str) -> str:
    m = _CJK_AM_PM.search(text)
    if not m:
        return ""
    return " PM" if (m[1] or m[2]) in ("午後", "下午") else " AM"


def parse_timestamp_text(text: str) -> _dt.datetime | None:
    """A date then a time (``M/D/YYYY H:MM:SS``, ISO ``YYYY-MM-DD HH:MM:SS`` or ``…T…``); a date alone
    is midnight."""
    text = text.strip()
    parts = re.split(r"[ T]+", text, maxsplit=1)
    d = parse_date_text(parts[0])
    if d is None:
        return None
    if len(parts) == 1:
        return _dt.datetime(d.year, d.month, d.day)
    t = parse_time_text(parts[1])
    if t is None:
        return None
    return _combine(d, t.seconds)


def _combine(d: _dt.date, seconds: Decimal) -> _dt.datetime | None:
    try:
        base = _dt.datetime(d.year, d.month, d.day)
        micros = int((seconds * 1_000_000).to_integral_value(rounding=ROUND_HALF_UP))
        return base + _dt.timedelta(microseconds=micros)
    except (OverflowError, ValueError):
        return None


def date_from_number(n: Decimal) -> _dt.date | None:
    """Day number (1/1/0001 = 1) -> date; out of FileMaker/Python's range -> None."""
    try:
        return _dt.date.fromordinal(int(n.to_integral_value(rounding=ROUND_DOWN)))
    except (ValueError, OverflowError):
        return None


def timestamp_from_number(n: Decimal) -> _dt.datetime | None:
    """Seconds since 1/1/0001 00:00:00 -> timestamp (Claris: ``GetAsTimestamp ( 50000 )`` is
    1/1/0001 1:53:20 PM)."""
    days, secs = divmod(n, SECONDS_PER_DAY)
    d = date_from_number(days + _EPOCH_ORDINAL)
    return None if d is None else _combine(d, secs)


def to_date(v: Value) -> _dt.date | None:
    """A value as a date (timestamp -> its date, number -> day number, text parsed)."""
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, Decimal):
        return date_from_number(v)
    if isinstance(v, str) and v:
        ts = parse_timestamp_text(v)
        return ts.date() if ts else None
    return None


def to_time(v: Value) -> FMTime | None:
    """A value as a time (timestamp -> its time of day, number -> seconds, text parsed)."""
    if isinstance(v, FMTime):
        return v
    if isinstance(v, _dt.datetime):
        return FMTime(to_number(v) % SECONDS_PER_DAY)  # type: ignore[operator]
    if isinstance(v, _dt.date):
        return None
    if isinstance(v, Decimal):
        return FMTime(v)
    if isinstance(v, str) and v:
        t = parse_time_text(v)
        if t is None:
            ts = parse_timestamp_text(v)
            return to_time(ts) if ts and " " in v.strip() else None
        return t
    return None


def to_timestamp(v: Value) -> _dt.datetime | None:
    """A value as a timestamp (date -> midnight, time -> on 1/1/0001, number -> seconds since 0001)."""
    if isinstance(v, _dt.datetime):
        return v
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day)
    if isinstance(v, FMTime):
        return timestamp_from_number(v.seconds)
    if isinstance(v, Decimal):
        return timestamp_from_number(v)
    if isinstance(v, str) and v:
        return parse_timestamp_text(v)
    return None


def _or_error(v: Value | None) -> Value:
    return ERROR_TEXT if v is None else v


# ----------------------------------------------------------------------------- operators


def _is_temporal(v: Value) -> bool:
    return isinstance(v, (_dt.date, FMTime))


def op_add(a: Value, b: Value) -> Value:
    """``+``. date + n = date (n days); time + n = time; timestamp + n = timestamp (n seconds);
    time + time = time; *Choice*: date + time = timestamp. Anything else adds numbers."""
    if type(a) is Decimal and type(b) is Decimal:  # fast path: to_text normalises when shown
        return EXACT.add(a, b)
    if _is_temporal(b) and not _is_temporal(a):
        a, b = b, a
    if isinstance(a, _dt.datetime):
        return _or_error(timestamp_from_number(num(a) + num(b)))
    if isinstance(a, _dt.date):
        if isinstance(b, FMTime):
            return _or_error(_combine(a, b.seconds))
        return _or_error(date_from_number(num(a) + _trunc(num(b))))
    if isinstance(a, FMTime):
        if isinstance(b, _dt.date):  # time + date (date already moved left unless both temporal)
            return op_add(b, a)
        return FMTime(a.seconds + num(b))
    return make_number(EXACT.add(num(a), num(b)))


def op_sub(a: Value, b: Value) -> Value:
    """``-``. date − date = days; timestamp − timestamp = seconds; time − time = a time (Claris
    GetAsTime: ``Abs ( GetAsTime ( "12:15 pm" ) - CheckOut )`` returns 3:00:00); date/time/timestamp −
    n keeps the type."""
    if type(a) is Decimal and type(b) is Decimal:
        return EXACT.subtract(a, b)
    if isinstance(a, _dt.datetime):
        if isinstance(b, _dt.datetime):
            return make_number(num(a) - num(b))
        return _or_error(timestamp_from_number(num(a) - num(b)))
    if isinstance(a, _dt.date):
        if isinstance(b, _dt.date) and not isinstance(b, _dt.datetime):
            return Decimal(a.toordinal() - b.toordinal())
        return _or_error(date_from_number(num(a) - _trunc(num(b))))
    if isinstance(a, FMTime):
        return FMTime(a.seconds - num(b))
    return make_number(EXACT.subtract(num(a), num(b)))


def _trunc(d: Decimal) -> Decimal:
    return d.to_integral_value(rounding=ROUND_DOWN)


def op_mul(a: Value, b: Value) -> Value:
    if type(a) is Decimal and type(b) is Decimal:
        return EXACT.multiply(a, b)
    return make_number(EXACT.multiply(num(a), num(b)))


def divide(n: Decimal, d: Decimal) -> Decimal | None:
    """``n / d`` rounded to the current precision; None when dividing by zero."""
    if d.is_zero() or n.adjusted() - d.adjusted() > MAX_MAGNITUDE:
        return None
    digits = current_precision() + max(0, n.adjusted() - d.adjusted()) + 10
    q = Context(prec=digits, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999).divide(n, d)
    return fit(q)


def op_div(a: Value, b: Value) -> Value:
    """``/``: up to 16 digits right of the point (SetPrecision changes it); ÷ 0 gives "?"."""
    return _or_error(divide(num(a), num(b)))


def op_pow(a: Value, b: Value) -> Value:
    """``^``. Integer powers are exact (negative ones round like division); fractional powers go through
    ln/exp at the current precision; a negative base with a fractional power, or 0 to a negative power,
    gives "?"."""
    base, exp = num(a), num(b)
    if out_of_range(base) or out_of_range(exp):
        return ERROR_TEXT
    if not base.is_zero() and not exp.is_zero():
        # log10 |result| ≈ exp × log10 |base|: past the range → "?" before any work, below it → 0.
        size = float(exp) * _log10(abs(base))
        if size > MAX_MAGNITUDE + 1:
            return ERROR_TEXT
        if size < -(MAX_MAGNITUDE + current_precision() + 1):
            return ERROR_TEXT if base < 0 and exp != _trunc(exp) else Decimal(0)
    if exp == _trunc(exp) and abs(exp) <= 10_000:
        k = int(exp)
        if k >= 0:
            return make_number(EXACT.power(base, k))
        return _or_error(divide(Decimal(1), EXACT.power(base, -k)))
    if base < 0:
        return ERROR_TEXT
    if base.is_zero():
        return Decimal(0) if exp > 0 else ERROR_TEXT
    ctx = Context(prec=current_precision() + 40, Emax=999_999, Emin=-999_999)
    try:
        return fit(ctx.exp(ctx.multiply(ctx.ln(base), exp)))
    except (InvalidOperation, OverflowError):
        return ERROR_TEXT


def _log10(d: Decimal) -> float:
    """log10 of a positive Decimal as a float, for any exponent (float(d) would overflow)."""
    import math

    digits = d.as_tuple().digits[:17]
    mantissa = int("".join(map(str, digits))) / 10 ** (len(digits) - 1)
    return d.adjusted() + math.log10(mantissa)


def op_neg(a: Value) -> Value:
    if isinstance(a, FMTime):
        return FMTime(-a.seconds)
    return make_number(-num(a))


def op_concat(a: Value, b: Value) -> str:
    return to_text(a) + to_text(b)


def _text_key(s: str) -> str:
    # FileMaker compares text by its (case-insensitive) sort order: "abc" = "ABC" is true.
    return s.casefold()


def compare(a: Value, b: Value) -> int:
    """-1 / 0 / 1. Numbers, dates, times and timestamps compare by value (their numbers); two texts
    compare case-insensitively. *Choice* for text against a non-text: empty text compares as text
    (so ``"" = 0`` is false and ``""`` sorts first); otherwise the text is converted to the other side's
    type (GetAsNumber / GetAsDate / …) and, if that fails, both sides compare as text."""
    if type(a) is Decimal and type(b) is Decimal:  # fast path
        return (a > b) - (a < b)
    if not isinstance(a, str) and not isinstance(b, str):
        x, y = num(a), num(b)
        return (x > y) - (x < y)
    if isinstance(a, str) and isinstance(b, str):
        ka, kb = _text_key(a), _text_key(b)
        return (ka > kb) - (ka < kb)
    flipped = isinstance(b, str)
    text, other = (b, a) if flipped else (a, b)
    assert isinstance(text, str)
    converted = _convert_like(text, other) if text else None
    if converted is None:
        ka, kb = _text_key(text), _text_key(to_text(other))
        r = (ka > kb) - (ka < kb)
    else:
        x, y = num(converted), num(other)
        r = (x > y) - (x < y)
    return -r if flipped else r


def _convert_like(text: str, other: Value) -> Value | None:
    if isinstance(other, _dt.datetime):
        return to_timestamp(text)
    if isinstance(other, _dt.date):
        return to_date(text)
    if isinstance(other, FMTime):
        return to_time(text)
    return to_number(text)


def op_eq(a: Value, b: Value) -> Decimal:
    return _bool(compare(a, b) == 0)


def op_ne(a: Value, b: Value) -> Decimal:
    return _bool(compare(a, b) != 0)


def op_lt(a: Value, b: Value) -> Decimal:
    return _bool(compare(a, b) < 0)


def op_le(a: Value, b: Value) -> Decimal:
    return _bool(compare(a, b) <= 0)


def op_gt(a: Value, b: Value) -> Decimal:
    return _bool(compare(a, b) > 0)


def op_ge(a: Value, b: Value) -> Decimal:
    return _bool(compare(a, b) >= 0)


def op_xor(a: Value, b: Value) -> Decimal:
    return _bool(to_bool(a) != to_bool(b))


def op_not(a: Value) -> Decimal:
    return _bool(not to_bool(a))


# ----------------------------------------------------------------------------- SQLite


def from_sqlite(x: object) -> Value:
    """A SQLite cell as a Value: NULL -> "", int/float -> Decimal (via str), bytes -> "" (containers
    are not modelled), text stays text."""
    if x is None or isinstance(x, (bytes, bytearray, memoryview)):
        return EMPTY
    if isinstance(x, (bool, int)):
        return make_number(int(x))
    if isinstance(x, float):
        return make_number(str(x))
    if isinstance(x, Decimal):
        return make_number(x)
    if isinstance(x, (str, FMTime, _dt.date)):
        return x
    return str(x)


def to_sqlite(v: Value) -> str | int | None:
    """A Value for SQLite: integral Decimal -> int, other Decimal -> its text; date -> ISO
    ``YYYY-MM-DD``; time -> ``H:MM:SS``; timestamp -> ``YYYY-MM-DD HH:MM:SS``; text as is."""
    if isinstance(v, Decimal):
        if v.is_finite() and v == v.to_integral_value():
            return int(v)
        return format(make_number(v), "f")
    if isinstance(v, FMTime):
        return _seconds_text(v.seconds)
    if isinstance(v, _dt.datetime):
        text = v.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{v.microsecond:06d}".rstrip("0") if v.microsecond else "")
    if isinstance(v, _dt.date):
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
    if v is None:
        return None
    return str(v)
