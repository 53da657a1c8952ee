"""Control steps: If / Else If / Else / End If, Loop / Exit Loop If / End Loop, Exit Script,
Halt Script, Perform Script, Set Error Capture, Pause/Resume Script, Allow User Abort."""

from __future__ import annotations

import time
from decimal import Decimal

from fmscript.calc import values as V
from fmscript.errors import OUT_OF_RANGE, ScriptRuntimeError
from fmscript.steps.signals import ExitScript, HaltScript
from fmscript.steps.state import Frame, Runner, StepContext
from fmscript.syntax import ast
from fmscript.syntax.blocks import Blocks


def _truth(ctx: StepContext, calc: ast.Calc) -> bool:
    return V.to_bool(ctx.evaluator.evaluate(calc))


def if_(ctx: StepContext, step: ast.Step) -> int | None:
    if _truth(ctx, step.opt("condition")):
        return None
    return _later_branch(ctx)


def _later_branch(ctx: StepContext) -> int | None:
    """After an If whose condition is false (the frame's pc is at the If)."""
    steps = ctx.vars.frame.script.steps
    # Try each later branch in order: Else If conditions, then Else, else past End If.
    for j in ctx.vars.frame.blocks.chain[ctx.vars.frame.pc]:
        marker = steps[j]
        condition = marker.opt("condition")  # an Else If (Else and End If have none)
        if condition is not None:
            try:
                taken = _truth(ctx, condition)
            except Exception:
                ctx.vars.frame.pc = j  # report the error at the Else If itself
                raise
            if taken:
                return j + 1
        else:  # Else or End If
            return j + 1
    return None  # pragma: no cover - End If always closes the chain


def else_if(ctx: StepContext, step: ast.Step) -> int:
    # Reached by falling through from a branch that ran: skip to after End If.
    return ctx.vars.frame.blocks.end_if[ctx.vars.frame.pc] + 1


def else_(ctx: StepContext, step: ast.Step) -> int | None:
    return else_if(ctx, step)


def end_if(ctx: StepContext, step: ast.Step) -> None:
    return None


def loop(ctx: StepContext, step: ast.Step) -> None:
    return None


def end_loop(ctx: StepContext, step: ast.Step) -> int:
    return ctx.vars.frame.blocks.loop_start[ctx.vars.frame.pc] + 1


def exit_loop(ctx: StepContext) -> int:
    """Index after the End Loop of the innermost loop around the current step."""
    blocks = ctx.vars.frame.blocks
    start = blocks.enclosing_loop.get(ctx.vars.frame.pc)
    if start is None:
        return len(ctx.vars.frame.script.steps)  # outside any loop: FileMaker ends the script
    return blocks.loop_end[start] + 1


def exit_loop_if(ctx: StepContext, step: ast.Step) -> int | None:
    return exit_loop(ctx) if _truth(ctx, step.opt("condition")) else None


def exit_script(ctx: StepContext, step: ast.Step) -> None:
    calc = step.opt("result")
    raise ExitScript(ctx.evaluator.evaluate(calc) if calc is not None else "")


def halt_script(ctx: StepContext, step: ast.Step) -> None:
    file = ctx.data.file
    if file is not None and file.transaction is not None:
        # Claris "Open Transaction": Halt Script inside a transaction reverts it.
        file.transaction.revert(file)
    raise HaltScript()


def perform_script(ctx: StepContext, step: ast.Step) -> None:
    target = step.opt("script")
    name = V.to_text(ctx.evaluator.evaluate(target)) if isinstance(target, ast.Calc) else target
    param_calc = step.opt("parameter")
    parameter = ctx.evaluator.evaluate(param_calc) if param_calc is not None else ""
    # Get ( ScriptResult ) keeps the last sub-script's result until another one returns.
    ctx.script_result = ctx.perform_script(name, V.to_text(parameter) if parameter != "" else "")
    return None


def set_error_capture(ctx: StepContext, step: ast.Step) -> None:
    ctx.errors.capture = bool(step.opt("state"))


def allow_user_abort(ctx: StepContext, step: ast.Step) -> None:
    return None


def pause_resume(ctx: StepContext, step: ast.Step) -> None:
    calc = step.opt("duration")
    if calc is None:
        # Indefinitely: nobody can press Continue in a non-interactive run, so go on at once.
        return None
    seconds = V.to_number(ctx.evaluator.evaluate(calc))
    if seconds is None or seconds <= 0:
        return None  # FileMaker: a duration that is not a positive number does not pause
    if seconds > 3600:
        raise ScriptRuntimeError("a pause longer than an hour is refused", code=OUT_OF_RANGE)
    time.sleep(float(seconds))
    return None


# ---------------------------------------------------------------------- step runners (hot loop)
# Jump targets are fixed by the block tables, so they are looked up once per step. A lookup that
# fails (never for a script that compiled without errors) leaves the step to its handler.


def _nothing(frame: Frame) -> None:
    return None


def _jump_to(target: int) -> Runner:
    def jump(frame: Frame) -> int:
        return target

    return jump


def fast_nothing(ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int) -> Runner | None:
    return _nothing


def fast_else(ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int) -> Runner | None:
    target = blocks.end_if.get(index)
    return None if target is None else _jump_to(target + 1)


def fast_end_loop(ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int) -> Runner | None:
    start = blocks.loop_start.get(index)
    return None if start is None else _jump_to(start + 1)


def fast_exit_loop_if(ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int) -> Runner | None:
    start = blocks.enclosing_loop.get(index)
    if start is None:
        after = n  # outside any loop: FileMaker ends the script
    else:
        end = blocks.loop_end.get(start)
        if end is None:
            return None
        after = end + 1
    condition = ctx.evaluator.prepared(step.opt("condition"))
    to_bool = V.to_bool

    def exit_loop_if_(frame: Frame) -> int | None:
        value = condition()
        if type(value) is Decimal:  # a comparison's 1 / 0: FileMaker truth is "not zero"
            return None if value.is_zero() else after
        return after if to_bool(value) else None

    return exit_loop_if_


def fast_if(ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int) -> Runner | None:
    condition = ctx.evaluator.prepared(step.opt("condition"))
    to_bool = V.to_bool

    def if_fast(frame: Frame) -> int | None:
        return None if to_bool(condition()) else _later_branch(ctx)

    return if_fast
