"""Values, coercions, operators and the non-JSON function library.

The conformance files (tests/conformance/calc/<family>.json) are also run here, through the
evaluator when it is importable.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fmscript.calc import values as V
from fmscript.calc.functions.registry import FUNCTIONS, load_all, lookup
from fmscript.calc.values import FMTime, to_text

load_all()

CONFORMANCE = Path(__file__).parent / "conformance" / "calc"
MY_FAMILIES = ("text", "number", "datetime", "lists", "conversion", "logical", "operators")


def call(name: str, *args: object) -> object:
    spec = lookup(name)
    assert spec is not None, name
    return spec.impl(None, *args)


class FakeContext:
    def __init__(self) -> None:
        self.fields = {("Contacts", "Name"): "Ada", (None, "Name"): "Bob"}
        self.variables = {("$x", 1): "42", ("$x", 2): "second"}

    def get_field(self, table: str | None, field: str, repetition: int = 1) -> object:
        from fmscript.errors import FieldMissingError

        if (table, field) not in self.fields:
            raise FieldMissingError(f"{field} missing")
        return self.fields[(table, field)]

    def get_variable(self, name: str, repetition: int = 1) -> object:
        return self.variables.get((name, repetition), "")

    def get_info(self, name: str) -> object:
        return None


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("0.5"), ".5"),
        (D("-0.5"), "-.5"),
        (D("1.500"), "1.5"),
        (D("100"), "100"),
        (D("1E+5"), "100000"),
        (D("1E-7"), ".0000001"),
        (D("-0"), "0"),
        (D("12.0"), "12"),
        (D("123456789012345678901234567890"), "123456789012345678901234567890"),
    ],
)
def test_number_text(value: D, text: str) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, "1"), (0.1, ".1"), ("2.50", "2.5"), (D("-0.0"), "0"), ("1e3", "1000"), (True, "1")],
)
def test_make_number(raw: object, expected: str) -> None:
    n = V.make_number(raw)  # type: ignore[arg-type]
    assert isinstance(n, D)
    assert to_text(n) == expected
    assert "E" not in str(n) or n == n.to_integral_value()


def test_decimal_identities() -> None:
    assert V.op_add(D("0.1"), D("0.2")) == D("0.3")
    assert V.op_mul(D("1.1"), D("1.1")) == D("1.21")
    assert to_text(V.op_div(D(2), D(3))) == ".6666666666666667"
    assert to_text(V.op_div(D(1), D(8))) == ".125"
    assert V.op_div(D(1), D(0)) == "?"
    assert V.op_pow(D(2), D(10)) == D(1024)
    assert to_text(V.op_pow(D(2), D(-1))) == ".5"
    assert V.op_pow(D(-8), D("0.5")) == "?"


def test_precision_scope() -> None:
    assert V.current_precision() == 16
    with V.precision_scope(30):
        assert V.current_precision() == 30
        assert to_text(V.op_div(D(1), D(3))) == "." + "3" * 30
    with V.precision_scope(5):
        assert V.current_precision() == 16  # below 16 means the default
    with V.precision_scope(10_000):
        assert V.current_precision() == 400
    assert V.current_precision() == 16


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FY20", D(20)),
        ("$1,254.50", D("1254.5")),
        ("2 - 2", D(22)),
        ("-22", D(-22)),
        ("(22)", D(-22)),
        (".(22)", D("0.22")),
        ("abc", None),
        ("", None),
        ("1.2.3", D("1.23")),
        ("-.5", D("-0.5")),
    ],
)
def test_to_number_text(text: str, expected: D | None) -> None:
    assert V.to_number(text) == expected


def test_to_number_temporal() -> None:
    assert V.to_number(dt.date(1, 1, 1)) == 1
    assert V.to_number(dt.date(2019, 10, 10)) == 737342  # Claris GetAsNumber example
    assert V.to_number(FMTime(D(90))) == 90
    assert V.to_number(dt.datetime(1, 1, 1, 13, 53, 20)) == 50000
    assert V.num("") == 0 and V.num("x") == 0


@pytest.mark.parametrize(
    ("value", "truth"),
    [(D(0), False), (D("0.1"), True), ("", False), ("abc", False), ("0", False), ("2x", True), ("?", True)],
)
def test_to_bool(value: V.Value, truth: bool) -> None:
    assert V.to_bool(value) is truth


def test_to_int_truncates() -> None:
    assert V.to_int(D("2.9")) == 2 and V.to_int(D("-2.9")) == -2 and V.to_int("") == 0


# ----------------------------------------------------------------------------- dates and times


def test_text_forms_of_temporal_values() -> None:
    assert to_text(dt.date(2024, 3, 5)) == "3/5/2024"
    assert to_text(FMTime(D(3661))) == "1:01:01"
    assert to_text(FMTime(D("-3661.25"))) == "-1:01:01.25"
    assert to_text(FMTime(D(90000))) == "25:00:00"
    assert to_text(dt.datetime(2024, 3, 5, 7, 8, 9)) == "3/5/2024 7:08:09"
    assert to_text(dt.datetime(2024, 3, 5, 7, 8, 9, 500000)) == "3/5/2024 7:08:09.5"


def test_fmtime_is_hashable_and_ordered() -> None:
    assert FMTime(D(1)) < FMTime(D(2))
    assert {FMTime(D("1.0")), FMTime(D(1))} == {FMTime(D(1))}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/10/2019", dt.date(2019, 10, 10)),
        ("2019-10-10", dt.date(2019, 10, 10)),
        ("2019/4/5", dt.date(2019, 4, 5)),
        ("2/30/2019", None),
        ("nonsense", None),
    ],
)
def test_parse_date_text(text: str, expected: dt.date | None) -> None:
    assert V.parse_date_text(text) == expected


def test_parse_time_and_timestamp_text() -> None:
    assert V.parse_time_text("13:45") == FMTime(D(49500))
    assert V.parse_time_text("1:45 PM") == FMTime(D(49500))
    assert V.parse_time_text("12:00 AM") == FMTime(D(0))
    assert V.parse_time_text("26:00:00.5") == FMTime(D("93600.5"))
    assert V.parse_time_text("x") is None
    assert V.parse_timestamp_text("4/5/2019 4:05:06") == dt.datetime(2019, 4, 5, 4, 5, 6)
    assert V.parse_timestamp_text("2019-04-05T16:05:06") == dt.datetime(2019, 4, 5, 16, 5, 6)
    assert V.parse_timestamp_text("2019-04-05") == dt.datetime(2019, 4, 5)


def test_date_arithmetic() -> None:
    d = dt.date(2019, 12, 31)
    assert V.op_add(d, D(1)) == dt.date(2020, 1, 1)
    assert V.op_add(D(1), d) == dt.date(2020, 1, 1)
    assert V.op_sub(d, D(365)) == dt.date(2018, 12, 31)
    assert V.op_sub(dt.date(2019, 7, 12), dt.date(2019, 7, 2)) == 10
    assert V.op_add(FMTime(D(3600)), D(60)) == FMTime(D(3660))
    assert V.op_sub(FMTime(D(3600)), FMTime(D(60))) == 3540
    ts = dt.datetime(2024, 1, 1)
    assert V.op_add(ts, D(90)) == dt.datetime(2024, 1, 1, 0, 1, 30)
    assert V.op_sub(ts, dt.datetime(2023, 12, 31, 23)) == 3600
    assert V.op_add(dt.date(2024, 1, 1), FMTime(D(3600))) == dt.datetime(2024, 1, 1, 1)
    assert V.op_sub(dt.date(1, 1, 1), D(1)) == "?"  # before 1/1/0001


# ----------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("op_eq", "abc", "ABC", 1),
        ("op_ne", "abc", "abd", 1),
        ("op_lt", "apple", "Banana", 1),
        ("op_eq", D(1), D("1.0"), 1),
        ("op_eq", "10", D(10), 1),
        ("op_eq", D(10), "10", 1),
        ("op_eq", "", D(0), 0),
        ("op_lt", "", D(-5), 1),
        ("op_gt", "b", D(5), 1),
        ("op_le", dt.date(2020, 1, 1), "1/1/2020", 1),
        ("op_ge", FMTime(D(10)), FMTime(D(10)), 1),
        ("op_gt", dt.datetime(2020, 1, 1, 1), dt.datetime(2020, 1, 1), 1),
        ("op_and", D(1), "x", 0),
        ("op_or", "", "3", 1),
        ("op_xor", D(1), D(2), 0),
    ],
)
def test_comparison_and_logic(op: str, a: V.Value, b: V.Value, expected: int) -> None:
    assert getattr(V, op)(a, b) == D(expected)


def test_unary_and_concat() -> None:
    assert V.op_not("") == 1 and V.op_not(D(3)) == 0
    assert V.op_neg(D(2)) == -2 and V.op_neg(FMTime(D(5))) == FMTime(D(-5))
    assert V.op_concat(D("0.5"), dt.date(2020, 1, 2)) == ".51/2/2020"
    assert V.op_concat("a", "") == "a"


def test_sqlite_round_trip() -> None:
    assert V.from_sqlite(None) == "" and V.from_sqlite(b"\x00") == ""
    assert V.from_sqlite(3) == D(3) and V.from_sqlite(0.1) == D("0.1")
    assert V.to_sqlite(D(3)) == 3 and V.to_sqlite(D("2.50")) == "2.5"
    assert V.to_sqlite(dt.date(2024, 1, 2)) == "2024-01-02"
    assert V.to_sqlite(FMTime(D(3723))) == "1:02:03"
    assert V.to_sqlite(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert V.to_sqlite("x") == "x"


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
    assert q * d + r == n and 0 <= r < d


# ----------------------------------------------------------------------------- functions directly


def test_registered_function_count() -> None:
    mine = {"text", "number", "datetime", "lists", "conversion", "logical"}
    assert sum(1 for spec in FUNCTIONS.values() if spec.category in mine) >= 95


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("Left", ("abc", D(2)), "ab"),
        ("Right", ("abc", D(5)), "abc"),
        ("Position", ("aXbxc", "x", D(1), D(2)), D(4)),
        ("Position", ("abc", "", D(1), D(1)), D(0)),
        ("Substitute", ("a.b.c", (".", "-"), ("-", "+")), "a+b+c"),
        ("Substitute", ("aAa", "a", "b"), "bAb"),
        ("WordCount", ("don't stop—now",), D(3)),
        ("TrimAll", ("  a   b  ", D(0), D(0)), "a b"),
        ("Code", ("😀",), D(5683255357)),
        ("Char", (D(5683255357),), "😀"),
        ("Katakana", ("ゝ",), "ヽ"),
        ("ValueCount", ("a\r\nb\nc",), D(3)),
        ("GetValue", ("a\r\nb", D(2)), "b"),
        ("List", (("a", ""), "b"), "a\rb"),
        ("Min", (dt.date(2020, 1, 2), dt.date(2020, 1, 1)), dt.date(2020, 1, 1)),
        ("Average", ("",), ""),
        ("Factorial", (D(-1),), "?"),
        ("Timestamp", (dt.date(2024, 1, 1), FMTime(D(60))), dt.datetime(2024, 1, 1, 0, 1)),
        ("GetAsTime", (dt.datetime(2024, 1, 1, 5, 6, 7),), FMTime(D(18367))),
        ("GetAsTimestamp", (dt.date(2024, 1, 1),), dt.datetime(2024, 1, 1)),
        ("Year", ("",), ""),
        ("Year", ("garbage",), "?"),
        ("Base64EncodeRFC", (D(2045), "x" * 60), "eHh4" * 19 + "\r\n" + "eHh4"),
    ],
)
def test_function_impls(name: str, args: tuple[object, ...], expected: object) -> None:
    assert call(name, *args) == expected


def test_get_field_uses_context() -> None:
    ctx = FakeContext()
    get_field = lookup("GetField")
    assert get_field is not None
    assert get_field.impl(ctx, "Contacts::Name") == "Ada"
    assert get_field.impl(ctx, "Name") == "Bob"
    assert get_field.impl(ctx, "$x") == "42"
    assert get_field.impl(ctx, "$x[2]") == "second"
    from fmscript.errors import FieldMissingError

    with pytest.raises(FieldMissingError):
        get_field.impl(ctx, "Nope::Nothing")


def test_set_precision_is_lazy() -> None:
    spec = lookup("SetPrecision")
    assert spec is not None and spec.lazy
    nodes = {"expr": lambda: V.op_div(D(1), D(7)), "digits": lambda: D(20)}
    result = spec.impl(None, lambda node: nodes[node](), "expr", "digits")
    assert to_text(result) == ".14285714285714285714"
    assert V.current_precision() == 16


# ----------------------------------------------------------------------------- conformance files


def _cases() -> list[object]:
    out = []
    for family in MY_FAMILIES:
        path = CONFORMANCE / f"{family}.json"
        for i, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            out.append(pytest.param(case, id=f"{family}-{i}"))
    return out


def test_conformance_files_are_well_formed() -> None:
    documented = total = 0
    for family in MY_FAMILIES:
        for case in json.loads((CONFORMANCE / f"{family}.json").read_text(encoding="utf-8")):
            total += 1
            assert set(case) <= {"calc", "result", "type", "error", "source", "note"}
            assert ("result" in case) != ("error" in case)
            assert case["source"]
            documented += case["source"].startswith("https://help.claris.com")
    assert total >= 110 and documented >= 30


@pytest.mark.parametrize("case", _cases())
def test_conformance(case: dict[str, str]) -> None:
    evaluator = pytest.importorskip("fmscript.calc.evaluator")
    if "error" in case:
        with pytest.raises(Exception) as info:
            evaluator.evaluate_text(case["calc"])
        assert type(info.value).__name__ == case["error"]
        return
    assert to_text(evaluator.evaluate_text(case["calc"])) == case["result"]
