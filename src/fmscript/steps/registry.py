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


# The module that registers each step's handler: a run imports only the step families its script
# uses (start-up time). Only a hint: a step missing here, or moved, loads every family instead;
# tests/test_fast_run.py keeps it in step with the registrations.
_FAMILIES: dict[str, tuple[str, ...]] = {
    "ai": ("Configure AI Account", "Fine-Tune Model", "Save Records as JSONL"),
    "control": (
        "Allow User Abort", "Else", "Else If", "End If", "End Loop", "Exit Loop If", "Exit Script",
        "Halt Script", "If", "Loop", "Pause/Resume Script", "Perform Script", "Set Error Capture",
    ),
    "dialogs": ("Beep", "Freeze Window", "Refresh Window", "Show Custom Dialog"),
    "found_sets": (
        "Constrain Found Set", "Enter Find Mode", "Extend Found Set", "Omit Record", "Perform Find",
        "Show All Records", "Show Omitted Only", "Sort Records", "Unsort Records",
    ),
    "generate": ("Generate Response from Model",),
    "records": (
        "Commit Records/Requests", "Delete All Records", "Delete Record/Request",
        "Duplicate Record/Request", "Go to Layout", "Go to Record/Request/Page", "New Record/Request",
        "Revert Record/Request",
    ),
    "url": ("Insert from URL",),
    "variables": ("Go to Field", "Set Field", "Set Field By Name", "Set Variable"),
}  # fmt: skip
MODULE_OF: dict[str, str] = {name: module for module, names in _FAMILIES.items() for name in names}


def handler_for(name: str) -> Handler | None:
    """The handler of a step (canonical name), importing its family on first use; None: none."""
    handler = HANDLERS.get(name)
    if handler is None and not _loaded:
        module = MODULE_OF.get(name)
        if module is not None:
            import importlib

            importlib.import_module(f"fmscript.steps.{module}")
        if HANDLERS.get(name) is None:
            return load_handlers().get(name)
        from fmscript.steps import records

        records.commit_first(HANDLERS)  # as load_handlers does (idempotent)
        handler = HANDLERS.get(name)
    return handler


_loaded = False


def load_handlers() -> dict[str, Handler]:
    global _loaded
    if not _loaded:
        _loaded = True
        import fmscript.steps.generate  # noqa: F401  (Generate Response from Model)
        from fmscript.steps import ai, control, dialogs, found_sets, records, url, variables  # noqa: F401

        records.commit_first(HANDLERS)  # steps that leave the open record commit it first
    return HANDLERS
