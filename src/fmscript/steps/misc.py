"""Steps that need no window to do what they do: the no-op steps (a window, a menu, a keyboard or
a cache that a headless run does not have — each is listed with its reason in docs/steps.md) and
Exit Application, Save a Copy as, Set Error Logging.

Claris "Exit Application": closes every file and quits — here the run ends as Halt Script ends it
(the open record is committed at the end of the run). "Save a Copy as": a copy of the current file
(SQLite backup; *compacted* is the same copy; *clone* copies the tables without their records).
"""

from __future__ import annotations

import sqlite3

from fmscript.calc import values as V
from fmscript.errors import CANNOT_CREATE_FILE, ScriptRuntimeError
from fmscript.steps.paths import path_entries, to_local_path
from fmscript.steps.signals import HaltScript
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def nothing(ctx: StepContext, step: ast.Step) -> None:
    """A step with nothing to do outside a GUI (its reason: docs/steps.md)."""
    return None


def exit_application(ctx: StepContext, step: ast.Step) -> None:
    raise HaltScript()


def save_a_copy_as(ctx: StepContext, step: ast.Step) -> None:
    file = ctx.data.require_file()
    text = step.opt("path")
    if isinstance(text, ast.Calc):
        text = V.to_text(ctx.evaluator.evaluate(text))
    entries = path_entries(text or "", ctx)
    if not entries:
        raise ScriptRuntimeError("Save a Copy as needs an output file", code=CANNOT_CREATE_FILE)
    path = to_local_path(entries[0], ctx)
    ctx.data.commit_records()
    if step.opt("create_folders"):
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()  # FileMaker replaces an existing file of that name
    file.save(path)
    if step.opt("copy_type") == "clone":
        try:
            conn = sqlite3.connect(path)
            try:
                for table in file.tables():
                    conn.execute(f'DELETE FROM "{table.replace(chr(34), chr(34) * 2)}"')
                conn.commit()
            finally:
                conn.close()
        except sqlite3.Error as e:
            raise ScriptRuntimeError(f"cannot make a clone at {path}: {e}", code=CANNOT_CREATE_FILE) from e


def save_a_copy_as_xml(ctx: StepContext, step: ast.Step) -> None:
    """Claris "Save a Copy as XML": the current file's schema as XML (``data/markup.py``)."""
    from fmscript.data import markup

    file = ctx.data.require_file()
    text = step.opt("path")
    if isinstance(text, ast.Calc):
        text = V.to_text(ctx.evaluator.evaluate(text))
    entries = path_entries(text or "", ctx)
    if not entries:
        raise ScriptRuntimeError("Save a Copy as XML needs a destination file", code=CANNOT_CREATE_FILE)
    path = to_local_path(entries[0], ctx)
    tables = [
        (t, [(f.name, f.type.value.capitalize(), f.is_global) for f in file.fields(t)]) for t in file.tables()
    ]
    layouts = [(name, file.table_for_layout(name)) for name in file.layouts()]
    name = file.path.name if file.path else "Untitled"
    markup.write_text(
        path, markup.save_as_xml(name, tables, layouts), create_folders=bool(step.opt("create_folders"))
    )
