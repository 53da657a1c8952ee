"""Control steps: If / Else If / Else / End If, Loop / Exit Loop If / End Loop, Exit Script,
Halt Script, Perform Script, Set Error Capture, Pause/Resume Script, Allow User Abort."""

from __future__ import annotations

import time
from typing import Any

from fmscript.calc import values as V
from fmscript.errors import ScriptRuntimeError
from fmscript.steps.registry import handles
from fmscript.syntax import ast


def _truth(interp: Any, calc: ast.Calc) -> bool:
    return V.to_bool(interp.rt.evaluator.evaluate(calc))


@handles("If")
def if_(interp: Any, step: ast.Step) -> int | None:
    rt = interp.rt
    if _truth(interp, step.opt("condition")):
        return None
    steps = rt.frame.script.steps
    # Try each later branch in order: Else If conditions, then Else, else past End If.
    for j in interp.blocks(rt.frame.script).chain[rt.frame.pc]:
        marker = steps[j]
        if marker.name == "Else If":
            try:
                taken = _truth(interp, marker.opt("condition"))
            except Exception:
                rt.frame.pc = j  # report the error at the Else If itself
                raise
            if taken:
                return j + 1
        else:  # Else or End If
            return j + 1
    return None  # pragma: no cover - End If always closes the chain


@handles("Else If")
def else_if(interp: Any, step: ast.Step) -> int:
    # Reached by falling through from a branch that ran: skip to after End If.
    rt = interp.rt
    return interp.blocks(rt.frame.script).end_if[rt.frame.pc] + 1


@handles("Else")
def else_(interp: Any, step: ast.Step) -> int:
    return else_if(interp, step)


@handles("End If")
def end_if(interp: Any, step: ast.Step) -> None:
    return None


@handles("Loop")
def loop(interp: Any, step: ast.Step) -> None:
    return None


@handles("End Loop")
def end_loop(interp: Any, step: ast.Step) -> int:
    rt = interp.rt
    return interp.blocks(rt.frame.script).loop_start[rt.frame.pc] + 1


def exit_loop(interp: Any) -> int:
    """Index after the End Loop of the innermost loop around the current step."""
    rt = interp.rt
    blocks = interp.blocks(rt.frame.script)
    start = blocks.enclosing_loop.get(rt.frame.pc)
    if start is None:
        return len(rt.frame.script.steps)  # outside any loop: FileMaker ends the script
    return blocks.loop_end[start] + 1


@handles("Exit Loop If")
def exit_loop_if(interp: Any, step: ast.Step) -> int | None:
    return exit_loop(interp) if _truth(interp, step.opt("condition")) else None


@handles("Exit Script")
def exit_script(interp: Any, step: ast.Step) -> None:
    from fmscript.runtime.interpreter import ExitScript

    calc = step.opt("result")
    raise ExitScript(interp.rt.evaluator.evaluate(calc) if calc is not None else "")


@handles("Halt Script")
def halt_script(interp: Any, step: ast.Step) -> None:
    from fmscript.runtime.interpreter import HaltScript

    raise HaltScript()


@handles("Perform Script")
def perform_script(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    target = step.opt("script")
    name = V.to_text(rt.evaluator.evaluate(target)) if isinstance(target, ast.Calc) else target
    param_calc = step.opt("parameter")
    parameter = rt.evaluator.evaluate(param_calc) if param_calc is not None else ""
    script = interp.find_script(name)
    # Get ( ScriptResult ) keeps the last sub-script's result until another one returns.
    rt.script_result = interp.call(script, V.to_text(parameter) if parameter != "" else "")
    return None


@handles("Set Error Capture")
def set_error_capture(interp: Any, step: ast.Step) -> None:
    interp.rt.error_capture = bool(step.opt("state"))


@handles("Allow User Abort")
def allow_user_abort(interp: Any, step: ast.Step) -> None:
    return None


@handles("Pause/Resume Script")
def pause_resume(interp: Any, step: ast.Step) -> None:
    calc = step.opt("duration")
    if calc is None:
        # Indefinitely: nobody can press Continue in a non-interactive run, so go on at once.
        return None
    seconds = V.to_number(interp.rt.evaluator.evaluate(calc))
    if seconds is None or seconds <= 0:
        return None  # FileMaker: a duration that is not a positive number does not pause
    if seconds > 3600:
        raise ScriptRuntimeError("a pause longer than an hour is refused", code=14)
    time.sleep(float(seconds))
    return None
