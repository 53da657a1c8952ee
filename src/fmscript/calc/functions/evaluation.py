"""Evaluate, EvaluationError, IsValidExpression, SetRecursion — and FileMaker's error numbers for
calculations that do not parse.

Claris (EvaluationError page): "There are two types of errors: syntax and runtime … The
EvaluationError function must enclose the Evaluate function to return any syntax errors", e.g.
``EvaluationError ( Evaluate ( "abs(-1" ) )`` is 1207 (unbalanced parenthesis). Evaluate itself
returns "?" for text that does not parse, so the code travels beside the value: functions that
answer "?" for a reason (Evaluate, ExecuteSQL, GetTableDDL …) call :func:`note_error`, and
EvaluationError reads what was noted while its expression ran.

Syntax error numbers (Claris "FileMaker error codes", 1200 range):
1201 too few parameters · 1202 too many parameters · 1204 number, text constant, field name or "("
expected · 1205 comment is not terminated with "*/" · 1206 text constant must end with a quotation
mark · 1207 unbalanced parenthesis · 1208 operator missing, function not found or "(" not expected.
"""

from __future__ import annotations

import contextvars
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fmscript.calc import values as V
from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.errors import CALC_GENERIC, ArityError, CalcSyntaxError, FMScriptError, UnknownFunctionError
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs

# (code, detail) of the last "?" answered inside the innermost EvaluationError, if any is listening.
_noted: contextvars.ContextVar[list[tuple[int, str]] | None] = contextvars.ContextVar(
    "fm_noted_errors", default=None
)

DEFAULT_RECURSION = 50_000  # Claris SetRecursion: "the default limit is 50,000"
_recursion: contextvars.ContextVar[int] = contextvars.ContextVar("fm_recursion", default=DEFAULT_RECURSION)


def note_error(code: int, detail: str = "") -> None:
    """Record why a function answered "?" (read by an enclosing EvaluationError)."""
    noted = _noted.get()
    if noted is not None:
        noted.append((code, detail))


def recursion_limit() -> int:
    """Iterations a While (or recursion) may run before giving "?" (SetRecursion changes it)."""
    return _recursion.get()


def syntax_code(text: str, error: FMScriptError | None = None) -> int:
    """The FileMaker error number for calculation text that does not parse."""
    if isinstance(error, ArityError) and error.code is not None:
        return error.code  # 1201 / 1202
    if isinstance(error, UnknownFunctionError):
        return 1208  # "… function not found …"
    depth = 0
    unbalanced = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in '"“':
            close = "”" if ch == "“" else '"'
            i += 1
            while i < n and text[i] != close:
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                return 1206
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return 1205
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            unbalanced = unbalanced or depth < 0
        i += 1
    if depth != 0 or unbalanced:
        return 1207
    message = error.message if error is not None else ""
    if "ends where a value is expected" in message or not text.strip():
        return 1204
    return 1208


def _compile(ev: LazyArgs, text: str) -> tuple[Any, int]:
    """Parse and compile calc text: ``(node, 0)`` or ``(None, error number)``."""
    from fmscript.syntax.calc_build import parse_calc  # Lark loads only when calc text is parsed

    try:
        node = parse_calc(text)
        ev.evaluator.check(node)
    except (CalcSyntaxError, ArityError, UnknownFunctionError) as exc:
        return None, syntax_code(text, exc)
    return node, 0


@function("Evaluate", 1, 2, lazy=True)
def evaluate(ctx: CalcContext, ev: LazyArgs, expression: ast.Expr, trigger: ast.Expr | None = None) -> Any:
    """Claris: text that is not a valid calculation gives "?" (EvaluationError tells why)."""
    text = V.to_text(ev(expression))
    if trigger is not None:
        ev(trigger)  # evaluated for its dependency only
    try:
        fn = ev.evaluator.compile_text(text)
    except (CalcSyntaxError, ArityError, UnknownFunctionError) as exc:
        note_error(syntax_code(text, exc), f"Evaluate: {text}")
        return V.ERROR_TEXT
    return ev.evaluator.run_evaluate(fn)


@function("EvaluationError", 1, lazy=True)
def evaluation_error(ctx: CalcContext, ev: LazyArgs, expression: ast.Expr) -> Any:
    noted: list[tuple[int, str]] = []
    token = _noted.set(noted)
    try:
        ev(expression)
    except FMScriptError as exc:
        return Decimal(exc.code if exc.code is not None else CALC_GENERIC)
    finally:
        _noted.reset(token)
    return Decimal(noted[-1][0]) if noted else Decimal(0)


@function("IsValidExpression", 1, lazy=True)
def is_valid_expression(ctx: CalcContext, ev: LazyArgs, expression: ast.Expr) -> Any:
    """1 when the text parses with known functions and right parameter counts — exactly when
    ``EvaluationError ( Evaluate ( text ) )`` reports no syntax error."""
    node, _code = _compile(ev, V.to_text(ev(expression)))
    return Decimal(1 if node is not None else 0)


@function("SetRecursion", 2, lazy=True)
def set_recursion(ctx: CalcContext, ev: LazyArgs, expression: ast.Expr, max_iterations: ast.Expr) -> Any:
    """Claris: sets the maximum number of iterations for recursion and loops (While) inside the
    expression; past it the expression gives "?"."""
    limit = V.to_number(ev(max_iterations))
    if limit is None or limit < 1:
        return V.ERROR_TEXT
    token = _recursion.set(int(limit))
    try:
        return ev(expression)
    finally:
        _recursion.reset(token)
