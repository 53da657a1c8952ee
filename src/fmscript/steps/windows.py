"""New Window, Select Window, Close Window: windows as a headless run needs them — each with its
own layout, found sets and mode, as FileMaker Server keeps them for a server-side script.

Claris "New Window": the new window shows the current layout and found set (a copy: finds and
sorts in it leave the other window's alone), or the layout given by *Using layout*; it becomes the
current window, named *Name* (else the file's name and a number, "Inventory - 2").
"Select Window": makes the named window current (error 112, "window is missing", when there is
none). "Close Window": closes the current (or named) window; the window that was current before it
is current again — with its own layout and found set. Closing the last window is a no-op here
(FileMaker would close the file). Changing windows commits the open record (and ends an open
transaction, Claris "Open Transaction"). Get ( WindowName ) is the current window's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from fmscript.calc import values as V
from fmscript.errors import NO_LAYOUT, WINDOW_MISSING, ScriptRuntimeError
from fmscript.steps.state import StepContext
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.data.find import FindMode, FindRequest
    from fmscript.data.found_set import FoundSet


@attrs.define
class Window:
    """A window that is not the current one, as it was left."""

    name: str
    layout: str | None
    found_sets: dict[str, FoundSet] = attrs.field(factory=dict)  # layout -> found set
    last_finds: dict[str, list[FindRequest]] = attrs.field(factory=dict)
    find_mode: FindMode | None = None
    active_field: ast.Target | None = None


def _current_name(ctx: StepContext) -> str:
    """The current window's name: FileMaker names a file's first window after the file."""
    file = ctx.data.file
    return ctx.data.window_name or (file.path.stem if file is not None and file.path else "Untitled")


def _leave(ctx: StepContext) -> None:
    data = ctx.data
    data.commit_records()
    file = data.file
    if file is not None and file.transaction is not None:
        file.transaction.commit(file)


def _snapshot(ctx: StepContext, name: str, *, copy: bool) -> Window:
    data = ctx.data
    sets = {k: (fs.copy() if copy else fs) for k, fs in data.found_sets.items()}
    finds = {k: list(v) for k, v in data.last_finds.items()}
    return Window(name, data.layout, sets, finds, data.find_mode, data.active_field)


def _restore(ctx: StepContext, window: Window) -> None:
    data = ctx.data
    data.found_sets.clear()  # the dicts stay (other parts hold them); their contents swap
    data.found_sets.update(window.found_sets)
    data.last_finds.clear()
    data.last_finds.update(window.last_finds)
    data.layout, data.find_mode, data.active_field = window.layout, window.find_mode, window.active_field
    data.window_name = window.name


def _text(ctx: StepContext, step: ast.Step, key: str) -> str:
    value = step.opt(key)
    if isinstance(value, ast.Calc):
        return V.to_text(ctx.evaluator.evaluate(value))
    return str(value or "")


def new_window(ctx: StepContext, step: ast.Step) -> None:
    _leave(ctx)
    data = ctx.data
    data.windows.append(_snapshot(ctx, _current_name(ctx), copy=False))
    copy = _snapshot(ctx, "", copy=True)
    file = data.require_file()
    name = (
        _text(ctx, step, "name") or f"{file.path.stem if file.path else 'Untitled'} - {len(data.windows) + 1}"
    )
    copy.name = name
    _restore(ctx, copy)
    layout = _text(ctx, step, "layout")
    if layout and layout.casefold() != "<current layout>":
        try:
            file.table_for_layout(layout)
        except KeyError:
            raise ScriptRuntimeError(f"layout {layout!r} is missing", code=NO_LAYOUT) from None
        data.previous_layout, data.layout = (
            data.layout,
            next((n for n in file.layouts() if n.casefold() == layout.casefold()), layout),
        )
        data.find_mode = None


def _find(ctx: StepContext, name: str) -> int:
    for i, window in enumerate(ctx.data.windows):
        if window.name.casefold() == name.casefold():
            return i
    raise ScriptRuntimeError(f"there is no window named {name!r}", code=WINDOW_MISSING)


def select_window(ctx: StepContext, step: ast.Step) -> None:
    name = _text(ctx, step, "name")
    data = ctx.data
    if not name or name.casefold() == _current_name(ctx).casefold():
        return  # Current Window
    i = _find(ctx, name)
    _leave(ctx)
    target = data.windows.pop(i)
    data.windows.append(_snapshot(ctx, _current_name(ctx), copy=False))
    _restore(ctx, target)


def close_window(ctx: StepContext, step: ast.Step) -> None:
    name = _text(ctx, step, "name")
    data = ctx.data
    if name and name.casefold() != _current_name(ctx).casefold():
        del data.windows[_find(ctx, name)]  # another window: the current one stays
        return
    if not data.windows:
        return  # the last window: FileMaker would close the file
    _leave(ctx)
    _restore(ctx, data.windows.pop())
