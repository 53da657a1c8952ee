"""Lazy control functions: If, Case, Choose, Let, While (Evaluate & co.: ``evaluation.py``).

These receive unevaluated argument nodes (``lazy=True``) so only the branch FileMaker would
evaluate runs — ``If ( 1 ; "a" ; 1/0 )`` never divides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fmscript.calc import values as V
from fmscript.calc.context import CalcContext
from fmscript.calc.functions.evaluation import recursion_limit
from fmscript.calc.functions.registry import function
from fmscript.errors import CalcError
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs


@function("If", 2, 3, lazy=True)
def if_(
    ctx: CalcContext, ev: LazyArgs, test: ast.Expr, then: ast.Expr, otherwise: ast.Expr | None = None
) -> Any:
    if ev.truth(test):
        return ev(then)
    return ev(otherwise) if otherwise is not None else ""


@function("Case", 2, None, lazy=True)
def case(ctx: CalcContext, ev: LazyArgs, *args: ast.Expr) -> Any:
    # Pairs of test ; result, then an optional default; no match and no default → empty.
    pairs, default = (args[:-1], args[-1]) if len(args) % 2 else (args, None)
    for i in range(0, len(pairs), 2):
        if ev.truth(pairs[i]):
            return ev(pairs[i + 1])
    return ev(default) if default is not None else ""


@function("Choose", 2, None, lazy=True)
def choose(ctx: CalcContext, ev: LazyArgs, test: ast.Expr, *results: ast.Expr) -> Any:
    # Results are numbered from 0; the test's integer part picks one, out of range → empty.
    # Claris Choose page: "If Rating is empty or 0, the Choose function returns Not Applicable"
    # (result0) — an empty test (or text without a number) is index 0.
    index = V.to_number(ev(test))
    i = 0 if index is None else int(index)
    return ev(results[i]) if 0 <= i < len(results) else ""


def _bindings(node: Any) -> list[Any]:
    items = node.items if isinstance(node, ast.Group) else (node,)
    for item in items:
        if not (
            isinstance(item, ast.BinOp) and item.op == "=" and isinstance(item.left, ast.Name | ast.Variable)
        ):
            raise CalcError("Let needs variable = expression pairs, e.g. Let ( [ a = 1 ; b = 2 ] ; a + b )")
    return list(items)


def _bind(ev: LazyArgs, bindings: list[Any]) -> Any:
    """Apply bindings left to right; each sees the ones before it. ``$var`` bindings set script
    variables (they outlive the Let, as FileMaker documents)."""
    for item in bindings:
        value = ev(item.right)
        target = item.left
        if isinstance(target, ast.Variable):
            rep = V.to_int(ev(target.repetition)) if target.repetition is not None else 1
            ev.ctx.set_variable(target.name, value, rep)
        else:
            ev = ev.bind({target.name: value})
    return ev


@function("Let", 2, lazy=True)
def let(ctx: CalcContext, ev: LazyArgs, bindings: ast.Expr, expr: ast.Expr) -> Any:
    return _bind(ev, _bindings(bindings))(expr)


@function("While", 4, lazy=True)
def while_(
    ctx: CalcContext, ev: LazyArgs, initial: ast.Expr, condition: ast.Expr, logic: ast.Expr, result: ast.Expr
) -> Any:
    scope = _bind(ev, _bindings(initial))
    logic_bindings = _bindings(logic)
    # FileMaker stops a While after 50,000 iterations (SetRecursion changes it) and returns "?".
    for _ in range(recursion_limit()):
        if not scope.truth(condition):
            return scope(result)
        scope = _bind(scope, logic_bindings)
    return V.ERROR_TEXT


# Evaluate, EvaluationError and IsValidExpression live in evaluation.py (syntax-error codes).
