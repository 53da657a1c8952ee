"""NPV — the one financial function number.py does not have.

Claris NPV ( payment ; interestRate ): "the net present value of a series of unequal payments made
at regular intervals, assuming a fixed interest rate per interval"; payment i (from 1) is
discounted by (1 + rate)^i: NPV of -2000, 600, 300, 500, 700, 400 at .05 is 156.91277445…
*Choice*: FileMaker takes a repeating field; fmscript has none, so ``payment`` is a list of values
(``List ( … )`` or ``¶``-separated text).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import ERROR_TEXT, Value, current_precision, fit, to_number, to_text


@function("NPV", 2)
def npv(ctx: CalcContext, payment: Value, interest_rate: Value) -> Value:
    rate = to_number(interest_rate)
    values = [to_number(v) for v in to_text(payment).replace("\n", "\r").split("\r") if v.strip()]
    if rate is None or rate == -1 or any(v is None for v in values):
        return ERROR_TEXT
    c = Context(prec=current_precision() + 40, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)
    total = Decimal(0)
    factor = Decimal(1)
    for value in values:
        factor = c.multiply(factor, 1 + rate)
        total = c.add(total, c.divide(value, factor))  # type: ignore[arg-type]
    return fit(total)
