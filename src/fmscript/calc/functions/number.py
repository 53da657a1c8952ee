"""Number, aggregate, trigonometric and financial functions.

FileMaker numbers are decimal. Exact operations (Abs, Int, Round, Mod…) stay exact; inexact ones
(Sqrt, Exp, Ln, division inside Average…) are computed with guard digits and rounded to the current
precision — 16 digits right of the point unless SetPrecision says otherwise. Claris: "All functions
except trigonometric functions support extended precision", so trig results keep 16 digits.
Where FileMaker cannot compute a result (Sqrt ( -1 ), Mod ( 1 ; 0 )) it returns "?".
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import (
    DEFAULT_PRECISION,
    ERROR_TEXT,
    EXACT,
    MAX_MAGNITUDE,
    MAX_PRECISION,
    FMTime,
    Value,
    compare,
    current_precision,
    divide,
    fit,
    is_empty,
    make_number,
    num,
    out_of_range,
    precision_scope,
    round_places,
    to_int,
)
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs

# ----------------------------------------------------------------------------- helpers


def _ctx(extra: int = 0) -> Context:
    return Context(prec=current_precision() + 30 + extra, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)


def _magnitude_guard(x: Decimal) -> int:
    return max(0, x.adjusted()) if x.is_finite() and not x.is_zero() else 0


def _flatten(args: tuple[Any, ...]) -> list[Value]:
    out: list[Value] = []
    for a in args:
        if isinstance(a, tuple):
            out.extend(_flatten(a))
        else:
            out.append(a)
    return out


def _numbers(args: tuple[Any, ...]) -> list[Decimal]:
    """The non-blank arguments as numbers (aggregate functions skip blank values)."""
    return [num(a) for a in _flatten(args) if not is_empty(a)]


_PI_CACHE: dict[int, Decimal] = {}


def pi_digits(prec: int) -> Decimal:
    """π to ``prec`` significant digits (the decimal module's documented series), cached."""
    if prec not in _PI_CACHE:
        ctx = Context(prec=prec + 5)
        lasts, t, s, n, na, d, da = Decimal(0), Decimal(3), Decimal(3), 1, 0, 0, 24
        while s != lasts:
            lasts = s
            n, na = n + na, na + 8
            d, da = d + da, da + 32
            t = ctx.divide(ctx.multiply(t, n), d)
            s = ctx.add(s, t)
        _PI_CACHE[prec] = Context(prec=prec).plus(s)
    return _PI_CACHE[prec]


# ----------------------------------------------------------------------------- basic


@function("Abs", 1)
def abs_(ctx: CalcContext, number: Value) -> Decimal | FMTime:
    """A time stays a time (Claris GetAsTime: ``Abs ( GetAsTime ( "12:15 pm" ) - CheckOut )`` is
    3:00:00)."""
    if isinstance(number, FMTime):
        return FMTime(abs(number.seconds))
    return abs(num(number))


@function("Sign", 1)
def sign(ctx: CalcContext, number: Value) -> Decimal:
    n = num(number)
    return Decimal((n > 0) - (n < 0))


@function("Int", 1)
def int_(ctx: CalcContext, number: Value) -> Decimal:
    """The integer part, truncated toward zero (Int ( -2.5 ) = -2)."""
    return make_number(num(number).to_integral_value(rounding=ROUND_DOWN))


@function("Ceiling", 1)
def ceiling(ctx: CalcContext, number: Value) -> Decimal:
    return make_number(num(number).to_integral_value(rounding=ROUND_CEILING))


@function("Floor", 1)
def floor(ctx: CalcContext, number: Value) -> Decimal:
    return make_number(num(number).to_integral_value(rounding=ROUND_FLOOR))


@function("Round", 2)
def round_(ctx: CalcContext, number: Value, precision: Value) -> Decimal:
    """Claris: always rounds up at .5; a negative precision rounds to tens, hundreds…"""
    return round_places(num(number), to_int(precision), ROUND_HALF_UP)


@function("Truncate", 2)
def truncate(ctx: CalcContext, number: Value, precision: Value) -> Decimal:
    return round_places(num(number), to_int(precision), ROUND_DOWN)


def _floor_div(n: Decimal, d: Decimal) -> tuple[Decimal, Decimal]:
    q = EXACT.divide_int(n, d)
    r = EXACT.subtract(n, EXACT.multiply(q, d))
    if r and (r < 0) != (d < 0):
        q, r = q - 1, r + d
    return q, r


@function("Mod", 2)
def mod(ctx: CalcContext, number: Value, divisor: Value) -> Value:
    """The remainder has the divisor's sign (Claris: Mod ( -7 ; 5 ) = 3, Mod ( 7 ; -5 ) = -3)."""
    d = num(divisor)
    return ERROR_TEXT if d.is_zero() else make_number(_floor_div(num(number), d)[1])


@function("Div", 2)
def div(ctx: CalcContext, number: Value, divisor: Value) -> Value:
    """Floor ( number / divisor ) (Div ( -2.5 ; 2 ) = -2)."""
    d = num(divisor)
    return ERROR_TEXT if d.is_zero() else make_number(_floor_div(num(number), d)[0])


def _extreme(args: tuple[Any, ...], sign: int) -> Value:
    values = [a for a in _flatten(args) if not is_empty(a)]
    if not values:
        return ""
    best = values[0]
    for v in values[1:]:
        if compare(v, best) * sign > 0:
            best = v
    return best if not isinstance(best, str) else num(best)


@function("Min", 1, None, over_related=True)
def min_(ctx: CalcContext, *args: Value) -> Value:
    return _extreme(args, -1)


@function("Max", 1, None, over_related=True)
def max_(ctx: CalcContext, *args: Value) -> Value:
    return _extreme(args, 1)


# ----------------------------------------------------------------------------- powers and logs


@function("Sqrt", 1)
def sqrt(ctx: CalcContext, number: Value) -> Value:
    n = num(number)
    if n < 0 or out_of_range(n):
        return ERROR_TEXT
    return fit(_ctx(_magnitude_guard(n)).sqrt(n))


@function("Exp", 1)
def exp(ctx: CalcContext, number: Value) -> Value:
    n = num(number)
    # e^921.03 is 10^400, the end of FileMaker's range: "?" past it without computing anything;
    # far below it the result rounds to 0 at any precision.
    if n > _EXP_LIMIT or not n.is_finite():
        return ERROR_TEXT
    if n < -_EXP_LIMIT - MAX_PRECISION * 3:
        return Decimal(0)
    try:
        guard = int(abs(n) / Decimal("2.30258509")) + 1 if n > 0 else 0
        return fit(_ctx(guard).exp(n))
    except (InvalidOperation, OverflowError):
        return ERROR_TEXT


_EXP_LIMIT = Decimal("921.04")  # ln ( 10^400 )


def _log(number: Value, base10: bool) -> Value:
    n = num(number)
    if n <= 0 or not n.is_finite():
        return ERROR_TEXT
    c = _ctx(len(str(abs(n.adjusted()))))
    return fit(c.log10(n) if base10 else c.ln(n))


@function("Ln", 1)
def ln(ctx: CalcContext, number: Value) -> Value:
    return _log(number, False)


@function("Log", 1)
def log(ctx: CalcContext, number: Value) -> Value:
    """Base-10 logarithm."""
    return _log(number, True)


@function("Lg", 1)
def lg(ctx: CalcContext, number: Value) -> Value:
    """Base-2 logarithm (FileMaker 17+)."""
    n = num(number)
    if n <= 0:
        return ERROR_TEXT
    c = _ctx(8)
    return fit(c.divide(c.ln(n), c.ln(Decimal(2))))


@function("Pi", 0, bare=True)
def pi(ctx: CalcContext) -> Decimal:
    """π with the current number of decimals: 3.1415926535897932 by default."""
    p = current_precision()
    return round_places(pi_digits(p + 10), p)


@function("Random", 0, bare=True)
def random_(ctx: CalcContext) -> Decimal:
    """A number from 0 up to (not including) 1."""
    return round_places(make_number(random.random()), DEFAULT_PRECISION)


@function("SetPrecision", 2, lazy=True)
def set_precision(ctx: CalcContext, ev: LazyArgs, expression: ast.Expr, digits: ast.Expr) -> Value:
    """Lazy: the precision must be in force while ``expression`` is computed — re-rounding an
    already-computed 16-digit result could never add digits. Claris: 16 to 400 digits; smaller
    requests give 16; the result is rounded to that many decimals (constants included)."""
    places = to_int(ev(digits))
    with precision_scope(places):
        value = ev(expression)
        if isinstance(value, Decimal):
            value = round_places(value, current_precision())
    return value


# ----------------------------------------------------------------------------- aggregates


@function("Sum", 1, None, over_related=True)
def sum_(ctx: CalcContext, *args: Value) -> Decimal:
    total = Decimal(0)
    for n in _numbers(args):
        total = EXACT.add(total, n)
    return make_number(total)


@function("Count", 1, None, over_related=True)
def count(ctx: CalcContext, *args: Value) -> Decimal:
    """The number of non-blank arguments."""
    return Decimal(sum(1 for a in _flatten(args) if not is_empty(a)))


@function("Average", 1, None, over_related=True)
def average(ctx: CalcContext, *args: Value) -> Value:
    nums = _numbers(args)
    if not nums:
        return ""
    total = Decimal(0)
    for n in nums:
        total = EXACT.add(total, n)
    return divide(total, Decimal(len(nums))) or Decimal(0)


def _variance(args: tuple[Any, ...], sample: bool) -> Decimal | None:
    nums = _numbers(args)
    count = len(nums) - (1 if sample else 0)
    if count <= 0:
        return None
    c = _ctx(10)
    mean = c.divide(sum(nums, Decimal(0)), len(nums))
    squares = sum((c.multiply(n - mean, n - mean) for n in nums), Decimal(0))
    return c.divide(squares, count)


@function("Variance", 1, None, over_related=True)
def variance(ctx: CalcContext, *args: Value) -> Value:
    v = _variance(args, True)
    return ERROR_TEXT if v is None else fit(v)


@function("VarianceP", 1, None, over_related=True)
def variance_p(ctx: CalcContext, *args: Value) -> Value:
    v = _variance(args, False)
    return ERROR_TEXT if v is None else fit(v)


@function("StDev", 1, None, over_related=True)
def stdev(ctx: CalcContext, *args: Value) -> Value:
    v = _variance(args, True)
    return ERROR_TEXT if v is None else fit(_ctx(10).sqrt(v))


@function("StDevP", 1, None, over_related=True)
def stdev_p(ctx: CalcContext, *args: Value) -> Value:
    v = _variance(args, False)
    return ERROR_TEXT if v is None else fit(_ctx(10).sqrt(v))


# ----------------------------------------------------------------------------- combinatorics


@function("Factorial", 1, 2)
def factorial(ctx: CalcContext, number: Value, factors: Value = "") -> Value:
    """n × (n−1) × … stopping at 1 or after ``numberOfFactors`` factors (Factorial ( 10 ; 3 ) = 720)."""
    n = num(number)
    if n < 0 or out_of_range(n) or n != n.to_integral_value():
        return ERROR_TEXT
    top = int(n)
    k = top if is_empty(factors) else max(0, min(to_int(factors), top))
    result = 1
    # Each factor but the last is at least 2, so a result past 10^400 ("?") shows within ~1,330
    # factors: Factorial ( 1e20 ) and Factorial ( 1000000 ) stop at once.
    for i in range(top, top - k, -1):
        result *= i
        if result > _NUMBER_LIMIT:
            return ERROR_TEXT
    return make_number(result)


_NUMBER_LIMIT = 10**MAX_MAGNITUDE


@function("Combination", 2)
def combination(ctx: CalcContext, set_size: Value, choices: Value) -> Value:
    n, k = num(set_size), num(choices)
    if (
        n < 0
        or k < 0
        or out_of_range(n)
        or out_of_range(k)
        or n != n.to_integral_value()
        or k != k.to_integral_value()
    ):
        return ERROR_TEXT
    ni, ki = int(n), int(k)
    if ki > ni:
        return Decimal(0)
    ki = min(ki, ni - ki)
    # log10 C(n, k) from lgamma first: a result past 10^400 is "?" without building it.
    if (
        ki > 0
        and (math.lgamma(ni + 1) - math.lgamma(ki + 1) - math.lgamma(ni - ki + 1)) / math.log(10)
        > MAX_MAGNITUDE + 1
    ):
        return ERROR_TEXT
    return make_number(math.comb(ni, ki))


# ----------------------------------------------------------------------------- trigonometry


def _trig(x: Decimal, which: str) -> Decimal:
    """sin / cos by Taylor series at 16 + guard digits after reducing x modulo 2π."""
    c = Context(prec=DEFAULT_PRECISION + 20 + _magnitude_guard(x))
    two_pi = c.multiply(2, pi_digits(c.prec + 5))
    x = c.subtract(x, c.multiply(c.divide_int(x, two_pi), two_pi))
    term = Decimal(1) if which == "cos" else x
    total, i = term, 1 if which == "cos" else 2
    x2 = c.multiply(x, x)
    while True:
        term = c.divide(
            c.multiply(-term, x2), (2 * i - 1) * (2 * i) if which == "cos" else (2 * i - 2) * (2 * i - 1)
        )
        new = c.add(total, term)
        if new == total:
            return new
        total, i = new, i + 1


def _trig_result(d: Decimal) -> Decimal:
    return round_places(d, DEFAULT_PRECISION)


@function("Sin", 1)
def sin(ctx: CalcContext, angle: Value) -> Value:
    x = num(angle)
    return ERROR_TEXT if out_of_range(x) else _trig_result(_trig(x, "sin"))


@function("Cos", 1)
def cos(ctx: CalcContext, angle: Value) -> Value:
    x = num(angle)
    return ERROR_TEXT if out_of_range(x) else _trig_result(_trig(x, "cos"))


@function("Tan", 1)
def tan(ctx: CalcContext, angle: Value) -> Value:
    x = num(angle)
    if out_of_range(x):
        return ERROR_TEXT
    cosine = _trig(x, "cos")
    if abs(cosine) < Decimal("1e-30"):
        return ERROR_TEXT
    return _trig_result(Context(prec=40).divide(_trig(x, "sin"), cosine))


def _atan(x: Decimal) -> Decimal:
    """arctan by argument halving (atan x = 2 atan (x / (1 + √(1 + x²)))) and then its series."""
    c = Context(prec=DEFAULT_PRECISION + 25)
    if abs(x) > 1:
        half_pi = c.divide(pi_digits(c.prec + 5), 2)
        return c.subtract(half_pi if x > 0 else -half_pi, _atan(c.divide(1, x)))
    halvings = 0
    while abs(x) > Decimal("0.1"):
        x = c.divide(x, 1 + c.sqrt(1 + c.multiply(x, x)))
        halvings += 1
    x2, term, total, k = c.multiply(x, x), x, x, 1
    while True:
        term = c.multiply(-term, x2)
        new = c.add(total, c.divide(term, 2 * k + 1))
        if new == total:
            return c.multiply(new, 2**halvings)
        total, k = new, k + 1


@function("Atan", 1)
def atan(ctx: CalcContext, number: Value) -> Decimal:
    return _trig_result(_atan(num(number)))


def _asin(x: Decimal) -> Decimal | None:
    if abs(x) > 1:
        return None
    c = Context(prec=DEFAULT_PRECISION + 25)
    if abs(x) == 1:
        half_pi = c.divide(pi_digits(c.prec + 5), 2)
        return half_pi if x > 0 else -half_pi
    return _atan(c.divide(x, c.sqrt(1 - c.multiply(x, x))))


@function("Asin", 1)
def asin(ctx: CalcContext, number: Value) -> Value:
    r = _asin(num(number))
    return ERROR_TEXT if r is None else _trig_result(r)


@function("Acos", 1)
def acos(ctx: CalcContext, number: Value) -> Value:
    r = _asin(num(number))
    if r is None:
        return ERROR_TEXT
    c = Context(prec=DEFAULT_PRECISION + 25)
    return _trig_result(c.subtract(c.divide(pi_digits(c.prec + 5), 2), r))


@function("Radians", 1)
def radians(ctx: CalcContext, degrees: Value) -> Value:
    if out_of_range(num(degrees)):
        return ERROR_TEXT
    c = _ctx(_magnitude_guard(num(degrees)))
    return fit(c.divide(c.multiply(num(degrees), pi_digits(c.prec)), 180))


@function("Degrees", 1)
def degrees(ctx: CalcContext, radians_: Value) -> Value:
    if out_of_range(num(radians_)):
        return ERROR_TEXT
    c = _ctx(_magnitude_guard(num(radians_)))
    return fit(c.divide(c.multiply(num(radians_), 180), pi_digits(c.prec)))


# ----------------------------------------------------------------------------- financial


def _growth(rate: Decimal, periods: Decimal) -> Decimal:
    value = 1 + rate
    c = _ctx(10)
    if periods == periods.to_integral_value():
        return c.power(value, int(periods))
    return c.power(value, periods)


@function("FV", 3)
def fv(ctx: CalcContext, payment: Value, interest_rate: Value, periods: Value) -> Value:
    """Future value of equal payments: payment × ((1 + r)^n − 1) / r."""
    p, r, n = num(payment), num(interest_rate), num(periods)
    if r.is_zero():
        return make_number(p * n)
    c = _ctx(10)
    return fit(c.divide(c.multiply(p, _growth(r, n) - 1), r))


@function("PV", 3)
def pv(ctx: CalcContext, payment: Value, interest_rate: Value, periods: Value) -> Value:
    """Present value of equal payments: payment × (1 − (1 + r)^−n) / r."""
    p, r, n = num(payment), num(interest_rate), num(periods)
    if r.is_zero():
        return make_number(p * n)
    c = _ctx(10)
    return fit(c.divide(c.multiply(p, 1 - c.divide(1, _growth(r, n))), r))


@function("PMT", 3)
def pmt(ctx: CalcContext, principal: Value, interest_rate: Value, term: Value) -> Value:
    """Loan payment: principal × r / (1 − (1 + r)^−term)."""
    p, r, n = num(principal), num(interest_rate), num(term)
    if n.is_zero():
        return ERROR_TEXT
    if r.is_zero():
        return fit(_ctx().divide(p, n))
    c = _ctx(10)
    return fit(c.divide(c.multiply(p, r), 1 - c.divide(1, _growth(r, n))))
