"""The evaluator's shortcuts for two numbers (``+ - * < <= > >=``, with a variable or a constant
on the right) give exactly what the general operators of ``fmscript.calc.values`` give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fmscript.calc import values as V
from fmscript.calc.evaluator import Evaluator, SimpleContext
from fmscript.syntax.calc_build import parse_calc

OPS = {"+": V.op_add, "-": V.op_sub, "*": V.op_mul, "<": V.op_lt, "<=": V.op_le, ">": V.op_gt, ">=": V.op_ge}

numbers = st.decimals(
    allow_nan=False, allow_infinity=False, places=None, min_value=-(10**30), max_value=10**30
)
others = st.one_of(st.just(""), st.just("12"), st.just("abc"), st.just(dt.date(2024, 1, 30)), numbers)


def run(text: str, **variables: object) -> object:
    ctx = SimpleContext()
    for name, value in variables.items():
        ctx.set_variable(f"${name}", value)
    return Evaluator(ctx).evaluate(parse_calc(text))


@pytest.mark.parametrize("op", sorted(OPS))
@given(a=others, b=others)
def test_two_variables(op: str, a: object, b: object) -> None:
    assert run(f"$a {op} $b", a=a, b=b) == OPS[op](a, b)


@pytest.mark.parametrize("op", sorted(OPS))
@given(a=others, b=st.integers(min_value=0, max_value=10**12))
def test_constant_right(op: str, a: object, b: int) -> None:
    assert run(f"$a {op} {b}", a=a) == OPS[op](a, Decimal(b))


def test_out_of_range_is_question_mark() -> None:
    big = Decimal("9e999990")
    assert run("$a * $b", a=big, b=big) == V.ERROR_TEXT
    assert run("$a * 1000000", a=Decimal("9e999998")) == V.ERROR_TEXT
