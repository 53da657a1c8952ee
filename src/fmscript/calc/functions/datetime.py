"""Date, time and timestamp functions (Claris "Date functions", "Time functions", "Timestamp").

Arguments are coerced like FileMaker: a date argument may be a date, a timestamp (its date), a day
number or date text (``M/D/YYYY`` or ``YYYY-MM-DD``). An empty argument gives an empty result; one
that cannot be read as a date or time gives "?". Get ( CurrentDate ) and friends live with Get.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import (
    ERROR_TEXT,
    SECONDS_PER_DAY,
    FMTime,
    Value,
    date_from_number,
    is_empty,
    make_number,
    num,
    timestamp_from_number,
    to_date,
    to_int,
    to_time,
)

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DAY_NAMES_J = ("日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _date_arg(v: Value) -> _dt.date | str:
    """The date in ``v``, "" when empty, "?" when it is not a date."""
    if is_empty(v):
        return ""
    d = to_date(v)
    return ERROR_TEXT if d is None else d


def _time_seconds(v: Value) -> Decimal | str:
    """Seconds of the time (or a timestamp's time of day) in ``v``; "" when empty, "?" when invalid."""
    if is_empty(v):
        return ""
    t = to_time(v)
    return ERROR_TEXT if t is None else t.seconds


def _day_of_week(d: _dt.date) -> int:
    return (d.weekday() + 1) % 7 + 1  # FileMaker: 1 = Sunday … 7 = Saturday


# ----------------------------------------------------------------------------- constructors


@function("Date", 3)
def date(ctx: CalcContext, month: Value, day: Value, year: Value) -> Value:
    """Claris Date page: months past 12 and days past the month's end roll over, zero and negative
    values count backwards (Date ( 6 ; 0 ; 2019 ) = 5/31/2019), decimals are truncated."""
    m, d, y = to_int(month), to_int(day), to_int(year)
    years, month0 = divmod(y * 12 + (m - 1), 12)
    try:
        first = _dt.date(years, month0 + 1, 1)
    except ValueError:
        return ERROR_TEXT
    result = date_from_number(Decimal(first.toordinal() + d - 1))
    return ERROR_TEXT if result is None else result


@function("Time", 3)
def time(ctx: CalcContext, hours: Value, minutes: Value, seconds: Value) -> FMTime:
    """Fractional hours and minutes carry down (Time ( 4.5 ; 10 ; 30 ) = 4:40:30)."""
    return FMTime(num(hours) * 3600 + num(minutes) * 60 + num(seconds))


@function("Timestamp", 2)
def timestamp(ctx: CalcContext, date_: Value, time_: Value) -> Value:
    """A date plus a time; a time past 24 hours moves into the following days."""
    d = _date_arg(date_)
    if isinstance(d, str):
        return d
    secs = Decimal(0) if is_empty(time_) else _time_seconds(time_)
    if isinstance(secs, str):
        return secs
    ts = timestamp_from_number((d.toordinal() - 1) * SECONDS_PER_DAY + secs)
    return ERROR_TEXT if ts is None else ts


# ----------------------------------------------------------------------------- date parts


def _date_part(v: Value, part: Any) -> Value:
    d = _date_arg(v)
    return d if isinstance(d, str) else part(d)


@function("Year", 1)
def year(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: Decimal(d.year))


@function("Month", 1)
def month(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: Decimal(d.month))


@function("Day", 1)
def day(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: Decimal(d.day))


@function("DayOfWeek", 1)
def day_of_week(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: Decimal(_day_of_week(d)))


@function("DayOfYear", 1)
def day_of_year(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: Decimal(d.timetuple().tm_yday))


def _week_of_year(d: _dt.date) -> int:
    # Claris: weeks counted from January 1, partial first and last weeks counting as whole weeks
    # (weeks start on Sunday), so the result is 1 to 54.
    jan1 = _dt.date(d.year, 1, 1)
    return (d.timetuple().tm_yday + _day_of_week(jan1) - 2) // 7 + 1


@function("WeekOfYear", 1)
def week_of_year(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: Decimal(_week_of_year(d)))


def _week_start(d: _dt.date, first_day: int) -> _dt.date:
    return d - _dt.timedelta(days=(_day_of_week(d) - first_day) % 7)


@function("WeekOfYearFiscal", 2)
def week_of_year_fiscal(ctx: CalcContext, date_: Value, starting_day: Value) -> Value:
    """Weeks begin on ``startingDay`` (1 = Sunday … 7 = Saturday); week 1 is the first week with at
    least four days in the new year (ISO 8601's rule when weeks start on Monday)."""
    first_day = to_int(starting_day)
    if not 1 <= first_day <= 7:
        return ERROR_TEXT

    def fiscal(d: _dt.date) -> Decimal:
        start = _week_start(d, first_day)
        week_year = (start + _dt.timedelta(days=3)).year
        first_week = _week_start(_dt.date(week_year, 1, 4), first_day)
        return Decimal((start - first_week).days // 7 + 1)

    return _date_part(date_, fiscal)


@function("DayName", 1)
def day_name(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: DAY_NAMES[_day_of_week(d) - 1])


@function("DayNameJ", 1)
def day_name_j(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: DAY_NAMES_J[_day_of_week(d) - 1])


@function("MonthName", 1)
def month_name(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: MONTH_NAMES[d.month - 1])


@function("MonthNameJ", 1)
def month_name_j(ctx: CalcContext, date_: Value) -> Value:
    return _date_part(date_, lambda d: f"{d.month}月")


# ----------------------------------------------------------------------------- time parts


def _time_part(v: Value, part: Any) -> Value:
    secs = _time_seconds(v)
    return secs if isinstance(secs, str) else part(secs)


def _whole(d: Decimal) -> int:
    return int(d.to_integral_value(rounding=ROUND_DOWN))


@function("Hour", 1)
def hour(ctx: CalcContext, time_: Value) -> Value:
    """Whole hours; a time can exceed 24 hours (Hour of 25:00:00 is 25)."""
    return _time_part(time_, lambda s: make_number(_whole(s / 3600)))


@function("Minute", 1)
def minute(ctx: CalcContext, time_: Value) -> Value:
    return _time_part(time_, lambda s: make_number(_whole(s / 60) - _whole(s / 3600) * 60))


@function("Seconds", 1)
def seconds(ctx: CalcContext, time_: Value) -> Value:
    """Seconds within the minute, fraction kept."""
    return _time_part(time_, lambda s: make_number(s - _whole(s / 60) * 60))
