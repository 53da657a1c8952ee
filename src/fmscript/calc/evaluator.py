"""The calculation evaluator: AST nodes are compiled once into Python closures, then run.

Calcs re-run inside loops, so each node is compiled on first use and the closure is cached on
the Evaluator. Let bindings live in an ``env`` dict passed down the closures; ``$``/``$$``
variables go through the context, so a ``$var`` assigned inside a Let persists after it, as in
FileMaker.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from decimal import Decimal, DecimalException
from typing import Any, cast

from fmscript.calc import values as V
from fmscript.calc.context import CalcContext, Env, FileView
from fmscript.calc.functions.registry import lookup
from fmscript.calc.values import Value
from fmscript.errors import (
    CALC_GENERIC,
    ArityError,
    CalcError,
    FieldMissingError,
    FMScriptError,
    UnknownFunctionError,
)
from fmscript.syntax import ast

Compiled = Callable[[Env], Value]


class SimpleContext:
    """A context without a file: variables only; any field is missing (error 102)."""

    def __init__(self, info: dict[str, Value] | None = None, fields: dict[str, Value] | None = None) -> None:
        self.variables: dict[tuple[str, int], Value] = {}
        self.info = info or {}
        self.fields = fields or {}

    def get_field(self, table: str | None, field: str, repetition: int = 1) -> Value:
        key = f"{table}::{field}" if table else field
        if key in self.fields:
            return self.fields[key]
        raise FieldMissingError(f"field {key} is missing")

    def get_variable(self, name: str, repetition: int = 1) -> Value:
        return self.variables.get((name, repetition), "")

    def set_variable(self, name: str, value: Value, repetition: int = 1) -> None:
        self.variables[(name, repetition)] = value

    def get_info(self, name: str) -> Value | None:
        return self.info.get(name)

    def variable_reader(self, name: str) -> Callable[[Env], Value] | None:
        return None

    def file_view(self) -> FileView | None:
        return None

    def related_values(self, table: str | None, field: str) -> list[Value] | None:
        return None

    def lookup_next(self, table: str, field: str, higher: bool) -> Value:
        return ""

    def qualify_field(self, table: str | None, field: str) -> str | None:
        return None


_BINOPS: dict[str, Callable[[Value, Value], Value]] = {
    "+": V.op_add,
    "-": V.op_sub,
    "*": V.op_mul,
    "/": V.op_div,
    "^": V.op_pow,
    "&": V.op_concat,
    "=": V.op_eq,
    "<>": V.op_ne,
    "<": V.op_lt,
    "<=": V.op_le,
    ">": V.op_gt,
    ">=": V.op_ge,
    "xor": V.op_xor,
}


_NO_BINDINGS: Env = {}  # never mutated: Let builds new dicts


class LazyArgs:
    """Handed to lazy functions (If, Case, Let, …): evaluates argument nodes on demand."""

    __slots__ = ("evaluator", "env", "ctx")

    def __init__(self, evaluator: Evaluator, env: Env, ctx: CalcContext) -> None:
        self.evaluator = evaluator
        self.env = env
        self.ctx = ctx

    def __call__(self, node: ast.Expr) -> Value:
        return self.evaluator.compile(node)(self.env)

    def bind(self, names: dict[str, Value]) -> LazyArgs:
        """A new scope with extra Let variables (shadowing outer ones)."""
        return LazyArgs(self.evaluator, {**self.env, **names}, self.ctx)

    def truth(self, node: ast.Expr) -> bool:
        return V.to_bool(self(node))


# Python frames a calculation may use: MAX_NESTING levels (calc_build) take a handful of frames
# each, plus the script and Perform Script frames around them. 3.11+ runs Python-to-Python calls
# without C recursion, so this fits the default 8 MB C stack (checked by tests/robustness).
_RECURSION_LIMIT = 10_000
# FileMaker documents no limit for Evaluate inside Evaluate; fmscript returns "?" (as While does
# after 50,000 iterations) when Evaluate texts nest deeper than this, e.g. a $$e that evaluates itself.
MAX_EVALUATE_DEPTH = 100
# The evaluation budget of one calculation: Evaluate calls in all, however they fan out
# (``Evaluate ( $$f ) & Evaluate ( $$f )`` with $$f that text doubles at every level).
MAX_EVALUATE_CALLS = 20_000
_TEXT_CACHE = 256  # Evaluate texts kept compiled per evaluator (the most recent)
_NODE_CACHE = 4096  # expression nodes kept compiled per evaluator


class _EvaluateBudget(Exception):
    """Evaluate nested or fanned out past the budget: the outermost Evaluate answers "?"."""


def _deep_enough() -> None:
    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)


_deep_enough()  # at import too, so the limit does not change in the middle of a caller's work


class Evaluator:
    def __init__(self, ctx: CalcContext) -> None:
        self.ctx = ctx
        self._cache: dict[int, tuple[Any, Compiled]] = {}
        self._evaluate_depth = 0
        self._evaluate_calls = 0  # Evaluate calls in the calculation running now
        self._in_evaluate = 0  # Evaluate function calls open now
        self._texts: dict[str, tuple[Compiled | None, Exception | None]] = {}
        _deep_enough()

    # -------------------------------------------------------------- public
    def evaluate(self, node: Any, env: Env | None = None) -> Value:
        """Evaluate an expression node (or an ``ast.Calc``)."""
        if type(node) is ast.Calc:
            node = node.expr
        # Evaluate re-enters here: "?" past MAX_EVALUATE_DEPTH (a $$e that evaluates itself).
        if self._evaluate_depth > MAX_EVALUATE_DEPTH:
            return V.ERROR_TEXT
        if self._evaluate_depth == 0:
            self._evaluate_calls = 0  # a new calculation: a fresh budget
        self._evaluate_depth += 1
        try:
            hit = self._cache.get(id(node))
            fn = hit[1] if hit is not None and hit[0] is node else self.compile(node)
            return fn(env if env is not None else _NO_BINDINGS)
        except RecursionError:
            # A last resort: nesting is bounded when parsing, but data can still nest (JSON built
            # level by level in a loop). Never a Python traceback.
            raise CalcError(
                "the calculation nests too deeply to be computed", getattr(node, "span", None)
            ) from None
        finally:
            self._evaluate_depth -= 1

    def prepared(self, node: Any) -> Callable[[], Value]:
        """``lambda: self.evaluate(node)`` with the node compiled now (step runners of the
        interpreter's hot loop). Raises what compiling raises (unknown function, arity)."""
        if type(node) is ast.Calc:
            node = node.expr
        fn = self.compile(node)
        span = getattr(node, "span", None)

        def run() -> Value:
            depth = self._evaluate_depth  # the same depth rule and RecursionError net as evaluate
            if depth > MAX_EVALUATE_DEPTH:
                return V.ERROR_TEXT
            if depth == 0:
                self._evaluate_calls = 0
            self._evaluate_depth = depth + 1
            try:
                return fn(_NO_BINDINGS)
            except RecursionError:
                raise CalcError("the calculation nests too deeply to be computed", span) from None
            finally:
                self._evaluate_depth -= 1

        return run

    def compile_text(self, text: str) -> Compiled:
        """Evaluate's text, parsed and compiled (the latest texts are remembered by text, not by
        node, so a text evaluated again and again is neither parsed again nor kept twice).
        Raises what parsing and compiling raise."""
        hit = self._texts.pop(text, None)
        if hit is None:
            from fmscript.syntax.calc_build import parse_calc

            try:
                hit = (self._compile(parse_calc(text)), None)
            except FMScriptError as exc:
                hit = (None, exc)
            if len(self._texts) >= _TEXT_CACHE:
                del self._texts[next(iter(self._texts))]
        self._texts[text] = hit  # most recent last
        if hit[1] is not None:
            raise hit[1]
        assert hit[0] is not None
        return hit[0]

    def run_evaluate(self, fn: Compiled) -> Value:
        """Evaluate's compiled text, within the calculation's budget: past MAX_EVALUATE_DEPTH
        levels or MAX_EVALUATE_CALLS calls the outermost Evaluate answers "?" (an inner "?" would
        be read as 0 by ``1 + Evaluate ( … )`` around it and give a number)."""
        self._evaluate_calls += 1
        if self._evaluate_depth > MAX_EVALUATE_DEPTH or self._evaluate_calls > MAX_EVALUATE_CALLS:
            raise _EvaluateBudget()
        self._evaluate_depth += 1
        self._in_evaluate += 1
        try:
            return fn(_NO_BINDINGS)
        except _EvaluateBudget:
            if self._in_evaluate > 1:
                raise
            from fmscript.calc.functions.evaluation import note_error

            note_error(CALC_GENERIC, "Evaluate nested or repeated past fmscript's evaluation budget")
            return V.ERROR_TEXT
        except RecursionError:
            raise CalcError("the calculation nests too deeply to be computed") from None
        finally:
            self._evaluate_depth -= 1
            self._in_evaluate -= 1

    def evaluate_text(self, text: str) -> Value:
        """Parse and evaluate calc text (the REPL, tests)."""
        from fmscript.syntax.calc_build import parse_calc  # Lark loads only when calc text is parsed

        return self.evaluate(parse_calc(text))

    def compile(self, node: Any) -> Compiled:
        hit = self._cache.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        fn = self._compile(node)
        cache = self._cache
        if len(cache) >= _NODE_CACHE:
            # Bounded, so a script of 200,000 calculations run once does not keep 200,000
            # compiled ones; the older half goes (a loop's calcs are compiled again if they went).
            for key in list(itertools.islice(cache, _NODE_CACHE // 2)):
                del cache[key]
        cache[id(node)] = (node, fn)
        return fn

    def check(self, node: Any) -> None:
        """Static checks (unknown functions, arity) without evaluating anything."""
        if isinstance(node, ast.Calc):
            node = node.expr
        self._compile(node)

    # -------------------------------------------------------------- compiling
    def _compile(self, node: Any) -> Compiled:
        if isinstance(node, ast.Number | ast.Text):
            value = node.value
            return lambda env: value
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.Variable):
            return self._variable(node)
        if isinstance(node, ast.FieldRef):
            return self._field(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Group):
            items = [self.compile(item) for item in node.items]
            # A bracketed group is only ever a function's argument: it arrives as a tuple.
            return lambda env: cast(Value, tuple(item(env) for item in items))
        raise CalcError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover

    def _binop(self, node: ast.BinOp) -> Compiled:
        """A left-associative chain (``a & b & c …``, ``$x = 0 or $x = 1 or …``) is one loop over its
        operators, not one Python call per operand, so its length is unbounded."""
        chain: list[ast.BinOp] = []
        cur: Any = node
        while type(cur) is ast.BinOp:
            chain.append(cur)
            cur = cur.left
        chain.reverse()
        first = self.compile(cur)
        ops = [(n.op, _BINOPS.get(n.op), self.compile(n.right), n.span) for n in chain]
        if len(ops) == 1:
            right = chain[0].right
            if type(right) is ast.Number and ops[0][0] in _DECIMAL_FAST:
                # `$i + 1`, `$i ≥ 100000`: the constant is captured, not called for.
                return _binop_constant(first, *ops[0], right.value)
            return _single_binop(first, *ops[0])

        def run(env: Env) -> Value:
            acc = first(env)
            for op, fn, right, span in ops:
                # and/or short-circuit (FileMaker stops evaluating as soon as the result is known).
                if fn is None:
                    if op == "and":
                        acc = _ONE if V.to_bool(acc) and V.to_bool(right(env)) else _ZERO
                    else:
                        acc = _ONE if V.to_bool(acc) or V.to_bool(right(env)) else _ZERO
                    continue
                try:
                    acc = fn(acc, right(env))
                except FMScriptError as exc:
                    raise exc.with_span(span) from None
                except _OUT_OF_RANGE:
                    acc = V.ERROR_TEXT
            return acc

        return run

    def _unary(self, node: ast.UnaryOp) -> Compiled:
        ops: list[str] = []
        cur: Any = node
        while type(cur) is ast.UnaryOp:
            if cur.op != "+":
                ops.append(cur.op)
            cur = cur.operand
        operand = self.compile(cur)
        if not ops:
            return operand
        funcs = [V.op_neg if op == "-" else V.op_not for op in reversed(ops)]

        def run(env: Env) -> Value:
            value = operand(env)
            try:
                for fn in funcs:
                    value = fn(value)
            except _OUT_OF_RANGE:
                return V.ERROR_TEXT
            return value

        return run

    def _variable(self, node: ast.Variable) -> Compiled:
        ctx, name = self.ctx, node.name
        if node.repetition is None:
            read = ctx.variable_reader(name)
            if read is not None:
                return read
            return lambda env: ctx.get_variable(name, 1)
        rep = self.compile(node.repetition)
        return lambda env: ctx.get_variable(name, V.to_int(rep(env)))

    def _field(self, node: ast.FieldRef) -> Compiled:
        ctx, table, field, span = self.ctx, node.table, node.field, node.span
        rep = self.compile(node.repetition) if node.repetition is not None else None

        def run(env: Env) -> Value:
            try:
                return ctx.get_field(table, field, V.to_int(rep(env)) if rep else 1)
            except FMScriptError as exc:
                raise exc.with_span(span) from None

        return run

    def _related_field(self, node: ast.FieldRef) -> Compiled:
        """An aggregate's ``Table::Field`` argument: every related record's value as a tuple when
        the table occurrence is related to the context (a context's ``related_values``), else
        the field's one value."""
        plain = self.compile(node)
        reader = self.ctx.related_values
        if node.table is None or node.repetition is not None:
            return plain
        table, field, span = node.table, node.field, node.span

        def run(env: Env) -> Value:
            try:
                values = reader(table, field)
            except FMScriptError as exc:
                raise exc.with_span(span) from None
            # An aggregate's argument: the related values arrive as a tuple.
            return cast(Value, tuple(values)) if values is not None else plain(env)

        return run

    def _name(self, node: ast.Name) -> Compiled:
        name, span, ctx = node.name, node.span, self.ctx
        spec = lookup(name)
        bare = spec if spec is not None and (spec.bare or spec.min_args == 0) and not spec.lazy else None

        def run(env: Env) -> Value:
            if name in env:
                return env[name]
            if bare is not None:
                return bare.impl(ctx)
            try:
                return ctx.get_field(None, name, 1)
            except FieldMissingError:
                raise FieldMissingError(
                    f"{name!r} is not a field, a Let variable or a function", span
                ) from None
            except FMScriptError as exc:
                raise exc.with_span(span) from None

        return run

    def _call(self, node: ast.Call) -> Compiled:
        spec = lookup(node.name)
        if spec is None:
            raise UnknownFunctionError(_unknown_function(node.name), node.name_span or node.span)
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise ArityError(
                f"{spec.name} takes {spec.arity_text()} parameter{'s' if spec.arity_text() != '1' else ''}, got {n}",
                node.span,
                code=1201 if n < spec.min_args else 1202,  # too few / too many parameters
            )
        span, ctx, impl = node.span, self.ctx, spec.impl
        if spec.lazy:
            args = node.args
            # Compile eagerly so unknown functions inside If/Case are found by `check`.
            for arg in args:
                self.compile(arg)

            def run_lazy(env: Env) -> Value:
                try:
                    return impl(ctx, LazyArgs(self, env, ctx), *args)
                except FMScriptError as exc:
                    raise exc.with_span(span) from None
                except _OUT_OF_RANGE:
                    return V.ERROR_TEXT

            return run_lazy
        # Claris List: a single field gives "one result … over all matching related records"; with
        # several fields "if any fields are related, only the first related record is used".
        if spec.over_related and n == 1 and isinstance(node.args[0], ast.FieldRef):
            compiled = [self._related_field(node.args[0])]
        else:
            compiled = [self.compile(arg) for arg in node.args]

        def run(env: Env) -> Value:
            try:
                return impl(ctx, *[arg(env) for arg in compiled])
            except FMScriptError as exc:
                raise exc.with_span(span) from None
            except (ArithmeticError, MemoryError):
                return V.ERROR_TEXT  # out of FileMaker's number range: "?"
            except ValueError:
                raise CalcError(f"{spec.name} cannot compute a result from these values", span) from None

        return run


_ONE, _ZERO = Decimal(1), Decimal(0)
# A number beyond what even fmscript's exact context holds: FileMaker's "?" (never a traceback).
_OUT_OF_RANGE = (DecimalException, OverflowError, MemoryError)


def _single_binop(
    left: Compiled, op: str, fn: Callable[[Value, Value], Value] | None, right: Compiled, span: Any
) -> Compiled:
    if op == "and":
        return lambda env: _ONE if V.to_bool(left(env)) and V.to_bool(right(env)) else _ZERO
    if op == "or":
        return lambda env: _ONE if V.to_bool(left(env)) or V.to_bool(right(env)) else _ZERO
    assert fn is not None
    fast = _DECIMAL_FAST.get(op)
    if fast is not None:
        # Two numbers (the loop counter case): Decimal arithmetic / comparison at once; anything
        # else goes through the full operator (dates, times, text conversions).
        def run_fast(env: Env) -> Value:
            try:
                a = left(env)
                b = right(env)
                if type(a) is Decimal and type(b) is Decimal:
                    return fast(a, b)
                return fn(a, b)
            except FMScriptError as exc:
                raise exc.with_span(span) from None
            except _OUT_OF_RANGE:
                return V.ERROR_TEXT

        return run_fast

    def run(env: Env) -> Value:
        try:
            return fn(left(env), right(env))
        except FMScriptError as exc:
            raise exc.with_span(span) from None
        except _OUT_OF_RANGE:
            return V.ERROR_TEXT

    return run


# Two Decimals: the same results as values.op_add / op_sub / op_mul (exact context) and
# compare()-based ordering (1 / 0 as Decimals).
_DECIMAL_FAST: dict[str, Callable[[Decimal, Decimal], Value]] = {
    "+": V.EXACT.add,
    "-": V.EXACT.subtract,
    "*": V.EXACT.multiply,
    "<": lambda a, b: _ONE if a < b else _ZERO,
    "<=": lambda a, b: _ONE if a <= b else _ZERO,
    ">": lambda a, b: _ONE if a > b else _ZERO,
    ">=": lambda a, b: _ONE if a >= b else _ZERO,
}


def _binop_constant(
    left: Compiled,
    op: str,
    fn: Callable[[Value, Value], Value] | None,
    right: Compiled,
    span: Any,
    b: Decimal,
) -> Compiled:
    """``left <op> number``, for the operators of ``_DECIMAL_FAST`` (as ``_single_binop``)."""
    assert fn is not None
    fast = _DECIMAL_FAST[op]

    def run(env: Env) -> Value:
        try:
            a = left(env)
            if type(a) is Decimal:
                return fast(a, b)
            return fn(a, b)
        except FMScriptError as exc:
            raise exc.with_span(span) from None
        except _OUT_OF_RANGE:
            return V.ERROR_TEXT

    return run


def _unknown_function(name: str) -> str:
    import difflib

    from fmscript.calc.functions.registry import FUNCTIONS

    names = [spec.name for spec in FUNCTIONS.values()]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.7) or difflib.get_close_matches(
        name.lower(), [n.lower() for n in names], n=1, cutoff=0.7
    )
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown function {name}{hint}"


def evaluate_text(text: str, ctx: CalcContext | None = None) -> Value:
    """Parse and evaluate a calculation on its own (tests, REPL, ``Evaluate``)."""
    return Evaluator(ctx or SimpleContext()).evaluate_text(text)
