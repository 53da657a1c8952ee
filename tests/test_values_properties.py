"""Python-level checks of ``fmscript.calc.values`` that a calculation cannot express.

Behaviour reachable from a calculation lives in tests/conformance/calc/*.json (the ``values_*``
files hold the cases that used to be here); this file keeps inputs only Python code produces
(floats, bools, raw Decimals with an exponent, SQLite values), the helpers' ``None`` results,
precision-scope nesting, and hypothesis properties.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fmscript.calc import values as V
from fmscript.calc.functions.registry import FUNCTIONS, load_all, lookup
from fmscript.calc.values import FMTime, to_text

load_all()


def call(name: str, *args: object) -> object:
    spec = lookup(name)
    assert spec is not None, name
    return spec.impl(None, *args)


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("1E+5"), "100000"), (D("1E-7"), ".0000001"), (D("-0"), "0"), (D("-0.0"), "0")],
)
def test_exponent_decimals_print_plainly(value: D, text: str) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, "1"), (0.1, ".1"), ("2.50", "2.5"), (D("-0.0"), "0"), ("1e3", "1000"), (True, "1")],
)
def test_make_number(raw: int | float | str | D | bool, expected: str) -> None:
    n = V.make_number(raw)
    assert isinstance(n, D)
    assert to_text(n) == expected
    assert "E" not in str(n) or n == n.to_integral_value()


def test_precision_scope_nests_and_restores() -> None:
    assert V.current_precision() == 16
    with V.precision_scope(30):
        assert V.current_precision() == 30
    with V.precision_scope(5):
        assert V.current_precision() == 16  # below 16 means the default
    with V.precision_scope(10_000):
        assert V.current_precision() == 400
    assert V.current_precision() == 16


def test_set_precision_takes_its_arguments_lazily() -> None:
    spec = lookup("SetPrecision")
    assert spec is not None and spec.lazy


@pytest.mark.parametrize("text", ["abc", ""])
def test_to_number_of_text_without_digits_is_none(text: str) -> None:
    assert V.to_number(text) is None


def test_num_and_to_int() -> None:
    assert V.num("") == 0 and V.num("x") == 0
    assert V.to_int(D("2.9")) == 2 and V.to_int(D("-2.9")) == -2 and V.to_int("") == 0


def test_fmtime_is_hashable_and_ordered() -> None:
    assert FMTime(D(1)) < FMTime(D(2))
    assert {FMTime(D("1.0")), FMTime(D(1))} == {FMTime(D(1))}


@pytest.mark.parametrize("text", ["2/30/2019", "nonsense"])
def test_parse_date_text_rejects(text: str) -> None:
    assert V.parse_date_text(text) is None


def test_parse_time_text_rejects() -> None:
    assert V.parse_time_text("x") is None


def test_sqlite_round_trip() -> None:
    assert V.from_sqlite(None) == "" and V.from_sqlite(b"\x00") == ""
    assert V.from_sqlite(3) == D(3) and V.from_sqlite(0.1) == D("0.1")
    assert V.to_sqlite(D(3)) == 3 and V.to_sqlite(D("2.50")) == "2.5"
    assert V.to_sqlite(dt.date(2024, 1, 2)) == "2024-01-02"
    assert V.to_sqlite(FMTime(D(3723))) == "1:02:03"
    assert V.to_sqlite(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert V.to_sqlite("x") == "x"


def test_registered_function_count() -> None:
    mine = {"text", "number", "datetime", "lists", "conversion", "logical"}
    assert sum(1 for spec in FUNCTIONS.values() if spec.category in mine) >= 95


# ----------------------------------------------------------------------------- properties

_decimals = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20, places=10
)


@given(_decimals, _decimals)
def test_add_then_subtract_is_identity(a: D, b: D) -> None:
    a, b = V.make_number(a), V.make_number(b)
    assert V.op_sub(V.op_add(a, b), b) == a


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_number_text_never_has_an_exponent(d: D) -> None:
    text = to_text(V.make_number(d))
    assert "E" not in text and "e" not in text
    assert not (text.endswith("0") and "." in text)
    assert not text.endswith(".")


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_mod_and_div_agree(n: int, d: int) -> None:
    q, r = call("Div", D(n), D(d)), call("Mod", D(n), D(d))
    assert isinstance(q, D) and isinstance(r, D)
    assert q * d + r == n and 0 <= r < d
