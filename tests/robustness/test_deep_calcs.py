"""Generated long flat chains and deep nestings of operators and functions: every one ends in a
result or an fmscript error (the nesting limit, a calculation error) — never RecursionError,
MemoryError or another Python exception."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fmscript.calc.evaluator import evaluate_text
from fmscript.errors import CalcSyntaxError, FMScriptError
from fmscript.syntax.calc_build import MAX_NESTING

OPERATORS = ["+", "-", "*", "/", "^", "&", "=", "<>", "<", "<=", ">", ">=", "and", "or", "xor"]
OPERANDS = ["1", "0", "2.5", '"a"', '""', "$x", "-1", "not 0", "( 3 )", "Abs ( -2 )", "1e500"]
# (opening, closing) of one nesting level; each wraps the expression inside.
WRAPPERS = [
    ("Abs ( ", " )"),
    ("( 1 + ", " )"),
    ("If ( 1 ; ", " ; 0 )"),
    ("Case ( 0 ; 1 ; ", " )"),
    ("Let ( a = 2 ; ", " )"),
    ("Evaluate ( ", " )"),
    ("Length ( ", " )"),
    ("- ( ", " )"),
    ("not ( ", " )"),
    ("JSONGetElement ( ", ' ; "" )'),
    ("GetAsText ( ", " )"),
    ("$x[ ", " ]"),
    ("Factorial ( ", " )"),
    ("2 ^ ( ", " )"),
]
SAFE = (CalcSyntaxError, FMScriptError)


def _run(text: str) -> object:
    try:
        return evaluate_text(text)
    except SAFE as exc:
        return exc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(OPERANDS), min_size=2, max_size=4000),
    st.lists(st.sampled_from(OPERATORS), min_size=1, max_size=40),
)
@example(["1"] * 6000, ["&"])
@example(["$x"] * 3000, ["=", "or"])
@example(["2"] * 3000, ["^"])
def test_long_flat_chains_evaluate(operands: list[str], operators: list[str]) -> None:
    text = operands[0] + "".join(
        f" {operators[i % len(operators)]} {operand}" for i, operand in enumerate(operands[1:])
    )
    result = _run(text)
    # A flat chain is never too deep, however long.
    assert not (isinstance(result, CalcSyntaxError) and "nested" in result.message), result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(WRAPPERS), min_size=1, max_size=2 * MAX_NESTING + 200),
    st.sampled_from(OPERANDS),
    st.integers(min_value=0, max_value=3),
)
@example([WRAPPERS[0]] * MAX_NESTING, "1", 0)
@example([WRAPPERS[4]] * 5000, "a", 3)
@example(WRAPPERS * 150, "1", 1)
def test_deep_nestings_end_in_a_result_or_a_positioned_error(
    wrappers: list[tuple[str, str]], inner: str, signs: int
) -> None:
    text = "".join(w[0] for w in wrappers) + "-" * signs + inner + "".join(w[1] for w in reversed(wrappers))
    result = _run(text)
    if isinstance(result, CalcSyntaxError):
        assert result.span is not None and result.span.line == 1
    if len(wrappers) <= MAX_NESTING:  # every wrapper costs at most one level
        assert not (isinstance(result, CalcSyntaxError) and "nested" in result.message), result


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["[", '{"a":']))
def test_deep_json_is_a_json_error_not_a_crash(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    doc = opener * depth + "1" + closer * depth
    result = _run(f'JSONFormatElements ( "{doc.replace(chr(34), chr(92) + chr(34))}" )')
    assert isinstance(result, str)
    if depth > 1000:
        assert result.startswith("? ")
