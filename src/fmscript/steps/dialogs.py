"""Show Custom Dialog (prints when not interactive), Beep, Freeze Window, Refresh Window."""

from __future__ import annotations

from fmscript.calc import values as V
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def show_custom_dialog(ctx: StepContext, step: ast.Step) -> None:
    title = step.opt("title")
    message = step.opt("message")
    text = V.to_text(ctx.evaluator.evaluate(message)) if message is not None else ""
    if not text and title is not None:
        text = V.to_text(ctx.evaluator.evaluate(title))
    # FileMaker's return (CR) prints as a line break; non-interactive: the first (default)
    # button is chosen, so Get ( LastMessageChoice ) = 1 and input fields keep their values.
    print(text.replace("\r\n", "\n").replace("\r", "\n"), file=ctx.out)
    ctx.last_message_choice = 1
    return None


def beep(ctx: StepContext, step: ast.Step) -> None:
    return None


def freeze_window(ctx: StepContext, step: ast.Step) -> None:
    return None


def refresh_window(ctx: StepContext, step: ast.Step) -> None:
    return None
