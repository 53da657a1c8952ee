"""The data file steps (Claris "Files script steps", FileMaker 18+): Create / Open / Write to /
Read from / Close Data File, Get / Set Data File Position, Delete File, Rename File, Get File
Exists, Get File Size. The file handles and their error codes live in ``fmscript.data.data_files``.

Paths are FileMaker paths (Claris "Creating file paths": ``file:``/``filemac:``/``filewin:``/
``filelinux:`` prefixes, a ``$variable`` entry, one path per line — the first one is used),
relative ones resolved like every other fmscript path (``steps/paths.py``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fmscript.calc import values as V
from fmscript.data.data_files import DataFiles, decode, encode
from fmscript.errors import COMMAND_INVALID, DATA_MISSING, NO_OPEN_FILE, ScriptRuntimeError
from fmscript.steps.paths import path_entries, to_local_path
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast


def files(ctx: StepContext) -> DataFiles:
    return ctx.data.data_files


def _path(ctx: StepContext, step: ast.Step, key: str = "path") -> Path:
    text = step.opt(key)
    if isinstance(text, ast.Calc):
        text = V.to_text(ctx.evaluator.evaluate(text))
    entries = path_entries(text or "", ctx)
    if not entries:
        raise ScriptRuntimeError(f"{step.name} needs a file path", code=NO_OPEN_FILE)
    return to_local_path(entries[0], ctx)


def _number(ctx: StepContext, step: ast.Step, key: str, what: str) -> int | None:
    calc = step.opt(key)
    if calc is None:
        return None
    n = V.to_number(ctx.evaluator.evaluate(calc))
    if n is None:
        return None
    return int(n)


def _file_id(ctx: StepContext, step: ast.Step) -> int:
    fid = _number(ctx, step, "file_id", "a file ID")
    if fid is None:
        raise ScriptRuntimeError(f"{step.name} needs a file ID (File ID: $fileID)", code=COMMAND_INVALID)
    return fid


def _target(step: ast.Step) -> ast.Target:
    target = step.opt("target")
    if target is None:
        raise ScriptRuntimeError(f"{step.name} needs a Target (a field or a variable)", code=COMMAND_INVALID)
    return target  # type: ignore[no-any-return]


def create_data_file(ctx: StepContext, step: ast.Step) -> None:
    files(ctx).create(_path(ctx, step), create_folders=bool(step.opt("create_folders")))


def open_data_file(ctx: StepContext, step: ast.Step) -> None:
    target = _target(step)
    fid = files(ctx).open(_path(ctx, step))
    write_target(ctx, target, Decimal(fid))


def write_to_data_file(ctx: StepContext, step: ast.Step) -> None:
    fid = _file_id(ctx, step)
    calc = step.opt("data")
    text = V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""
    data = encode(text, step.opt("write_as") or "UTF-16", append_line_feed=bool(step.opt("append_line_feed")))
    files(ctx).write(fid, data)


def read_from_data_file(ctx: StepContext, step: ast.Step) -> None:
    fid = _file_id(ctx, step)
    target = _target(step)
    read_as = step.opt("read_as") or "UTF-16"
    amount = _number(ctx, step, "amount", "an amount")
    store = files(ctx)
    at_start = store.position(fid) == 0
    try:
        data = store.read(fid, amount, 2 if read_as == "UTF-16" else 1)
    except ScriptRuntimeError as e:
        if e.code == DATA_MISSING:  # at the end of the file: nothing read, the target is emptied
            write_target(ctx, target, "")
        raise
    # Bytes: FileMaker stores container data; fmscript has no containers, so the bytes arrive as
    # text (UTF-8, undecodable bytes replaced).
    write_target(ctx, target, decode(data, "UTF-8" if read_as == "Bytes" else read_as, at_start=at_start))


def get_data_file_position(ctx: StepContext, step: ast.Step) -> None:
    fid = _file_id(ctx, step)
    write_target(ctx, _target(step), Decimal(files(ctx).position(fid)))


def set_data_file_position(ctx: StepContext, step: ast.Step) -> None:
    fid = _file_id(ctx, step)
    position = _number(ctx, step, "position", "a position")
    files(ctx).set_position(fid, position or 0)


def close_data_file(ctx: StepContext, step: ast.Step) -> None:
    files(ctx).close(_file_id(ctx, step))


def delete_file(ctx: StepContext, step: ast.Step) -> None:
    files(ctx).delete(_path(ctx, step))


def rename_file(ctx: StepContext, step: ast.Step) -> None:
    calc = step.opt("new_name")
    name = V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""
    files(ctx).rename(_path(ctx, step), name.strip())


def get_file_exists(ctx: StepContext, step: ast.Step) -> None:
    write_target(ctx, _target(step), Decimal(1 if files(ctx).exists(_path(ctx, step)) else 0))


def get_file_size(ctx: StepContext, step: ast.Step) -> None:
    write_target(ctx, _target(step), Decimal(files(ctx).size(_path(ctx, step))))
