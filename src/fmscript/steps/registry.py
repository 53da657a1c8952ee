"""Step handlers, attached to the catalogue entries (``fmscript.syntax.catalogue``) by name.

A handler is ``handler(rt, step) -> int | None``: it returns the index of the next step to run
when it jumps (control steps), else None. It raises ``ScriptRuntimeError(code=N)`` for FileMaker
errors; the interpreter turns that into Get ( LastError ) and, if not captured, a report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fmscript.syntax.catalogue import spec_for

Handler = Callable[[Any, Any], "int | None"]
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    spec = spec_for(name)  # a typo here fails at import time, not at run time

    def register(fn: Handler) -> Handler:
        if spec.name in HANDLERS:
            raise RuntimeError(f"step {spec.name} has two handlers")
        HANDLERS[spec.name] = fn
        return fn

    return register


def handler_for(name: str) -> Handler | None:
    """The handler of a step (canonical name); None: no handler."""
    return load_handlers().get(name)


_loaded = False


def load_handlers() -> dict[str, Handler]:
    global _loaded
    if not _loaded:
        _loaded = True
        import fmscript.steps.generate  # noqa: F401  (Generate Response from Model)
        from fmscript.steps import ai, control, dialogs, found_sets, records, url, variables  # noqa: F401

        records.commit_first(HANDLERS)  # steps that leave the open record commit it first
    return HANDLERS
