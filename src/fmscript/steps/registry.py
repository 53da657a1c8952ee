"""Step handlers and runners, found through the catalogue (``fmscript.syntax.catalogue``).

A step's spec names its handler as an import path (``"fmscript.steps.records:go_to_layout"``);
the handler's module is imported when a script first uses one of its steps (start-up time). A
handler is ``handler(ctx, step) -> int | None``: it returns the index of the next step to run when
it jumps (control steps), else None. It raises ``ScriptRuntimeError(code=N)`` for FileMaker errors;
the interpreter turns that into Get ( LastError ) and, if not captured, a report.
"""

from __future__ import annotations

from typing import cast

from fmscript.steps.state import Handler, Specializer
from fmscript.syntax.catalogue import StepSpec, resolve

__all__ = ["Handler", "Specializer", "handler_for", "specializer_for"]


def handler_for(spec: StepSpec) -> Handler | None:
    """The handler of a step, importing its module on first use; None: parsed but not run."""
    return cast(Handler, resolve(spec.handler)) if spec.handler else None


def specializer_for(spec: StepSpec) -> Specializer | None:
    """The step's specialised runner for the interpreter's hot loop, if it has one."""
    return cast(Specializer, resolve(spec.runner)) if spec.runner else None
