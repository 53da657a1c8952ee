"""Set Variable, Set Field, Set Field By Name, Go to Field."""

from __future__ import annotations

from typing import Any

from fmscript.calc import values as V
from fmscript.errors import ScriptRuntimeError
from fmscript.steps.registry import handles
from fmscript.syntax import ast


def repetition(interp: Any, target: ast.Target | None, step: ast.Step, key: str = "repetition") -> int:
    calc = step.options.get(key) if target is None or target.repetition is None else target.repetition
    if calc is None:
        return 1
    n = V.to_number(interp.rt.evaluator.evaluate(calc))
    if n is None or n < 1:
        raise ScriptRuntimeError(
            f"repetition {V.to_text(n) if n is not None else '(empty)'} is not valid", code=111
        )
    return int(n)


def write_target(interp: Any, target: ast.Target, value: Any, rep: int = 1) -> None:
    """Write to a field or a variable target (Response Target, Set Field, …)."""
    rt = interp.rt
    if target.kind == "variable":
        rt.set_variable(target.name, value, rep)
    else:
        rt.set_field(target.table, target.field, value, rep)


@handles("Set Variable")
def set_variable(interp: Any, step: ast.Step) -> None:
    options = step.options
    target: ast.Target = options["name"]
    calc = options.get("value")
    rt = interp.rt
    value = rt.evaluator.evaluate(calc) if calc is not None else ""
    rep = 1 if target.repetition is None and "repetition" not in options else repetition(interp, target, step)
    rt.set_variable(target.name, value, rep)


@handles("Set Field")
def set_field(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    target: ast.Target | None = step.opt("target")
    calc = step.opt("value")
    if calc is None:
        raise ScriptRuntimeError("Set Field needs a calculation", code=5)
    if target is None:
        target = rt.active_field
        if target is None:
            raise ScriptRuntimeError(
                "Set Field without a field needs an active field (Go to Field)", code=102
            )
    value = rt.evaluator.evaluate(calc)
    if rt.find_mode is not None:
        rt.find_mode.set_criterion(target.table, target.field, V.to_text(value))
        return
    write_target(interp, target, value, repetition(interp, target, step))


@handles("Set Field By Name")
def set_field_by_name(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    name = V.to_text(rt.evaluator.evaluate(step.opt("target")))
    table, _, field = name.rpartition("::")
    value = rt.evaluator.evaluate(step.opt("value"))
    rt.set_field(table or None, field, value)


@handles("Go to Field")
def go_to_field(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    calc = step.opt("field")
    if calc is None or not isinstance(calc.expr, ast.FieldRef):
        raise ScriptRuntimeError("Go to Field needs a field", code=102)
    ref = calc.expr
    rt.resolve_field(ref.table, ref.field)  # error 102 when missing
    rt.active_field = ast.Target("field", ref.full_name, ref.table, ref.field)
