"""Set Variable, Set Field, Set Field By Name, Go to Field."""

from __future__ import annotations

import re
from typing import Any

from fmscript.calc import values as V
from fmscript.errors import COMMAND_INVALID, FIELD_MISSING, REPETITION_INVALID, ScriptRuntimeError
from fmscript.steps.state import Frame, Runner, StepContext, fold_name
from fmscript.syntax import ast
from fmscript.syntax.blocks import Blocks


def repetition(ctx: StepContext, target: ast.Target | None, step: ast.Step, key: str = "repetition") -> int:
    calc = step.options.get(key) if target is None or target.repetition is None else target.repetition
    if calc is None:
        return 1
    n = V.to_number(ctx.evaluator.evaluate(calc))
    if n is None or n < 1:
        raise ScriptRuntimeError(
            f"repetition {V.to_text(n) if n is not None else '(empty)'} is not valid", code=REPETITION_INVALID
        )
    return int(n)


def write_target(ctx: StepContext, target: ast.Target, value: Any, rep: int = 1) -> None:
    """Write to a field or a variable target (Response Target, Set Field, …)."""
    if target.kind == "variable":
        ctx.vars.set(target.name, value, rep)
    else:
        ctx.data.set_field(target.table, target.field or "", value, rep)


def set_variable(ctx: StepContext, step: ast.Step) -> None:
    options = step.options
    target: ast.Target = options["name"]
    calc = options.get("value")
    value = ctx.evaluator.evaluate(calc) if calc is not None else ""
    rep = 1 if target.repetition is None and "repetition" not in options else repetition(ctx, target, step)
    ctx.vars.set(target.name, value, rep)


def fast_set_variable(ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int) -> Runner | None:
    """Set Variable without a repetition: the value's calc compiled, the name folded, once."""
    options = step.options
    target: ast.Target = options["name"]
    if target.repetition is not None or "repetition" in options:
        return None
    calc = options.get("value")
    value_of = ctx.evaluator.prepared(calc) if calc is not None else (lambda: "")
    name = target.name
    key = (fold_name(name), 1)
    if name.startswith("$$"):
        globals_ = ctx.vars.globals

        def set_global(frame: Frame) -> None:
            globals_[key] = value_of()

        return set_global

    # In the walk the running frame is the innermost one (Variables.set's $local scope).
    def set_local(frame: Frame) -> None:
        frame.locals[key] = value_of()

    return set_local


def set_field(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("target")
    calc = step.opt("value")
    if calc is None:
        raise ScriptRuntimeError("Set Field needs a calculation", code=COMMAND_INVALID)
    if target is None:
        target = ctx.data.active_field
        if target is None:
            raise ScriptRuntimeError(
                "Set Field without a field needs an active field (Go to Field)", code=FIELD_MISSING
            )
    value = ctx.evaluator.evaluate(calc)
    if ctx.data.find_mode is not None:
        ctx.data.find_mode.set_criterion(target.table, target.field or "", V.to_text(value))
        return
    write_target(ctx, target, value, repetition(ctx, target, step))


def set_field_by_name(ctx: StepContext, step: ast.Step) -> None:
    """Claris "Set Field By Name": the target is a calculation giving a field name — quoted
    ("Table::Field"), or a field whose contents name the target; without one, the active field
    (Go to Field). A ``[n]`` after the name is the repetition. In Find mode it sets a criterion."""
    calc = step.opt("target")
    value = ctx.evaluator.evaluate(step.opt("value"))
    rep = 1
    if calc is None:
        active = ctx.data.active_field
        if active is None:
            raise ScriptRuntimeError("Set Field By Name needs a target field", code=FIELD_MISSING)
        table, field = active.table or "", active.field or ""
    else:
        name = V.to_text(ctx.evaluator.evaluate(calc)).strip()
        m = _REPETITION.fullmatch(name)
        if m is not None:
            name, rep = m.group(1).strip(), int(m.group(2))
        table, _, field = name.rpartition("::")
    if ctx.data.find_mode is not None:
        ctx.data.find_mode.set_criterion(table or None, field, V.to_text(value))
        return
    ctx.data.set_field(table or None, field, value, rep)


_REPETITION = re.compile(r"(.+?)\s*\[\s*(\d+)\s*\]")


def go_to_field(ctx: StepContext, step: ast.Step) -> None:
    calc = step.opt("field")
    if calc is None or not isinstance(calc.expr, ast.FieldRef):
        raise ScriptRuntimeError("Go to Field needs a field", code=FIELD_MISSING)
    ref = calc.expr
    ctx.data.resolve_field(ref.table, ref.field)  # error 102 when missing
    ctx.data.active_field = ast.Target("field", ref.full_name, ref.table, ref.field)
