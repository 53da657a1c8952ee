"""AI steps: Configure AI Account, Save Records as JSONL, Fine-Tune Model.

Error codes used here (Get ( LastError )): 100 file missing (no JSONL in the path list), 800 file
cannot be created, 106 table missing, 102 field missing, 10 account missing, 3 provider cannot do
this, 11 bad parameter/training data (the fine-tuning service's own codes pass through).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fmscript.ai.accounts import Account
from fmscript.calc import values as V
from fmscript.errors import (
    CANNOT_CREATE_FILE,
    DATA_MISSING,
    FIELD_MISSING,
    NAME_INVALID,
    NO_OPEN_FILE,
    TABLE_MISSING,
    FMScriptError,
    ScriptRuntimeError,
)
from fmscript.steps.paths import resolve_paths
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.ai.providers import Run

# Used when Save Records as JSONL has "Format for fine-tuning" Off (FileMaker does not publish its
# own predefined system prompt; this is fmscript's, documented in README).
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant. Answer the user's request using the record data provided."
)


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def configure_ai_account(ctx: StepContext, step: ast.Step) -> None:
    name = _text(ctx, step.opt("account_name")).strip()
    if not name:
        raise ScriptRuntimeError("Configure AI Account needs an Account Name", code=NAME_INVALID)
    from fmscript.ai import providers

    acct = providers.configure(
        step.opt("provider") or "OpenAI",
        name,
        _text(ctx, step.opt("endpoint")).strip(),
        bool(step.opt("verify_ssl")),
        _text(ctx, step.opt("api_key")),
        ctx.settings,
    )
    # A later Configure AI Account with the same name replaces the account.
    ctx.ai.accounts[name.casefold()] = acct
    return None


def provider_run(ctx: StepContext) -> Run:
    """What this run hands a provider: settings, its job lists, the progress callbacks."""
    from fmscript.ai.providers import Run

    return Run(ctx.settings, ctx.ai, ctx.options.reporter)


def account(ctx: StepContext, step: ast.Step) -> Account:
    name = _text(ctx, step.opt("account_name")).strip()
    acct = ctx.ai.accounts.get(name.casefold())
    if acct is None:
        raise ScriptRuntimeError(
            f"AI account {name!r} is not configured (use Configure AI Account first)", code=DATA_MISSING
        )
    return acct


# ----------------------------------------------------------------------------- records → JSONL


def _table_records(ctx: StepContext, table_name: str) -> tuple[str, list[int] | None]:
    """The table's current found set (the layout showing it), as FileMaker uses; None: every record."""
    file = ctx.data.require_file()
    table = file.resolve_table(table_name)
    if table is None:
        raise ScriptRuntimeError(f"table {table_name!r} is missing", code=TABLE_MISSING)
    if ctx.data.layout is not None and ctx.data.current_table() == table:
        return table, ctx.data.found_set().ids
    for fs in ctx.data.found_sets.values():
        if fs.table == table:
            return table, fs.ids
    return table, None


def _user_fields(ctx: StepContext, table: str, completion: str) -> list[str]:
    # Every other field of the table, in schema order; global and container fields are not
    # record data, so they are left out.
    return [
        f.name
        for f in ctx.data.require_file().fields(table)
        if f.name != completion and not f.is_global and str(f.type) != "container"
    ]


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _line(messages: list[tuple[str, str]]) -> str:
    # FileMaker writes compact JSON with keys sorted (content before role), one object per line.
    return _DUMPS({"messages": [{"content": c, "role": r} for r, c in messages]})


def table_examples(
    ctx: StepContext, table_name: str, completion: ast.Target, system: str | None = None
) -> Iterator[str]:
    """One JSONL line per record of the table's found set, streamed from the file (constant memory).

    The table and Completion Field are checked before the first line is produced."""
    table, ids = _table_records(ctx, table_name)
    t, completion_field = ctx.data.resolve_field(completion.table or table, completion.field or "")
    if t != table:
        raise ScriptRuntimeError(
            f"the Completion Field {t}::{completion_field} is not in table {table}", code=FIELD_MISSING
        )
    names = _user_fields(ctx, table, completion_field)
    rows = ctx.data.require_file().iter_records(table, [*names, completion_field], ids)
    return _table_lines(rows, [f"{n}=" for n in names], system)


def _table_lines(rows: Iterator[tuple[Any, ...]], labels: list[str], system: str | None) -> Iterator[str]:
    to_text = V.to_text
    head = [{"content": system, "role": "system"}] if system else []
    for *values, answer in rows:
        user = ", ".join([label + to_text(v) for label, v in zip(labels, values)])
        yield _DUMPS(
            {
                "messages": [
                    *head,
                    {"content": user, "role": "user"},
                    {"content": to_text(answer), "role": "assistant"},
                ]
            }
        )


def prompt_examples(ctx: StepContext, step: ast.Step, table_name: str) -> Iterator[str]:
    """Format for fine-tuning On: the three prompt calcs, evaluated with each record current."""
    table, ids = _table_records(ctx, table_name)
    count = len(ids) if ids is not None else ctx.data.require_file().total_count(table)
    fs = ctx.data.found_set() if ctx.data.layout is not None and ctx.data.current_table() == table else None
    prompts = [
        (role, step.opt(key))
        for role, key in (
            ("system", "system_prompt"),
            ("user", "user_prompt"),
            ("assistant", "assistant_prompt"),
        )
        if step.opt(key) is not None
    ]
    return _prompt_lines(ctx, fs, count, prompts)


def _prompt_lines(
    ctx: StepContext, fs: Any, count: int, prompts: list[tuple[str, ast.Calc]]
) -> Iterator[str]:
    saved = fs.current if fs is not None else None
    try:
        for n in range(1, count + 1):
            if fs is not None:
                fs.goto(n)
            yield _line([(role, _text(ctx, calc)) for role, calc in prompts])
    finally:
        if fs is not None and saved:
            fs.goto(saved)


def write_jsonl(lines: Iterator[str], paths: list[Path], create_folders: bool = False) -> Path:
    """Stream ``lines`` into the first of ``paths`` that can be created (error 800 when none can).

    The lines go to a hidden file beside the target, renamed over it at the end: a failure half
    way leaves no partial file (and an existing file as it was)."""
    problems = []
    for path in paths:  # the first path it can save to wins
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            if create_folders:
                path.parent.mkdir(parents=True, exist_ok=True)
            handle = part.open("w", encoding="utf-8", newline="\n")
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror or exc}")
            continue
        try:
            with handle:
                write = handle.write
                for line in lines:
                    write(line + "\n")
            os.replace(part, path)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return path
    raise ScriptRuntimeError("unable to create the file: " + "; ".join(problems), code=CANNOT_CREATE_FILE)


def save_records_as_jsonl(ctx: StepContext, step: ast.Step) -> None:
    table = step.opt("table") or ctx.data.current_table()
    if isinstance(table, ast.Calc):
        table = _text(ctx, table)
    if not table:
        raise ScriptRuntimeError("Save Records as JSONL needs a Table", code=TABLE_MISSING)
    if step.opt("fine_tuning_format"):
        lines = prompt_examples(ctx, step, table)
    else:
        completion = step.opt("completion_field")
        if completion is None:
            raise ScriptRuntimeError(
                "with Format for fine-tuning Off, a Completion Field is needed", code=FIELD_MISSING
            )
        lines = table_examples(ctx, table, completion, DEFAULT_SYSTEM_PROMPT)
    paths = resolve_paths(step.opt("files") or "", ctx)
    if not paths:
        raise ScriptRuntimeError("Save Records as JSONL needs an output file", code=CANNOT_CREATE_FILE)
    write_jsonl(lines, paths, bool(step.opt("create_folders")))
    return None


# ----------------------------------------------------------------------------- Fine-Tune Model


@contextlib.contextmanager
def _training_file(ctx: StepContext, step: ast.Step) -> Iterator[tuple[Path, str]]:
    """The training JSONL and its name. A Table source is streamed into a temporary folder that is
    removed when the step ends, whether the job was queued or not (the job keeps its own copy)."""
    if step.opt("training_data") == "File":
        for path in resolve_paths(step.opt("files") or "", ctx):
            try:
                found = path.is_file()
            except OSError:  # a name too long for the file system names no file either
                continue
            if found:
                yield path, path.name
                return
        raise ScriptRuntimeError("no JSONL file of the Training Data path list exists", code=NO_OPEN_FILE)
    table = step.opt("table")
    if isinstance(table, ast.Calc):
        table = _text(ctx, table)
    completion = step.opt("completion_field")
    if not table or completion is None:
        raise ScriptRuntimeError(
            "Training Data: Table needs a table and a Completion Field", code=FIELD_MISSING
        )
    lines = table_examples(ctx, table, completion)
    temp = ctx.settings.temp
    temp.mkdir(parents=True, exist_ok=True)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fmscript-train-", dir=temp) as folder:
        path = Path(folder) / f"{str(table).replace(' ', '_')}-{int(time.time() * 1000)}.jsonl"
        write_jsonl(lines, [path])
        yield path, path.name


def terminal_printer(ctx: StepContext) -> Callable[[str], None] | None:
    """Stream On at a terminal: each piece of a model's answer printed as it arrives (FileMaker
    shows it as it comes); None when the output is not a terminal."""
    isatty = getattr(ctx.out, "isatty", None)
    if not (ctx.options.interactive or (isatty is not None and isatty())):
        return None

    def show(chunk: str) -> None:
        ctx.out.write(chunk)
        ctx.out.flush()

    return show


def json_option(ctx: StepContext, step: ast.Step, key: str, label: str, kind: type = dict) -> Any:
    """The JSON object (or array, ``kind=list``) an AI step's option holds; None when it is empty.
    Not JSON, nested past Python's reader, or the other kind: error 11 naming ``label``."""
    text = _text(ctx, step.opt(key)).strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScriptRuntimeError(
            f"{label} is not valid JSON: {exc.msg} at column {exc.colno}", code=NAME_INVALID
        ) from None
    except RecursionError:  # [[[[… deeper than Python's JSON reader goes
        raise ScriptRuntimeError(f"{label} is nested too deeply", code=NAME_INVALID) from None
    if not isinstance(value, kind):
        want = "array" if kind is list else "object"
        raise ScriptRuntimeError(f"{label} must be a JSON {want}", code=NAME_INVALID)
    return value


def _parameters(ctx: StepContext, step: ast.Step) -> dict[str, Any]:
    params: dict[str, Any] = json_option(ctx, step, "parameters", "Fine-Tune Parameters") or {}
    return params


def fine_tune_model(ctx: StepContext, step: ast.Step) -> None:
    acct = account(ctx, step)
    base_model = _text(ctx, step.opt("base_model")).strip()
    if not base_model:
        raise ScriptRuntimeError("Fine-Tune Model needs a Base Model", code=NAME_INVALID)
    params = _parameters(ctx, step)
    from fmscript.ai import providers

    log = ctx.ai.call_log
    entry = {"call": "fine-tune", "provider": acct.provider, "account": acct.name, "model": base_model}
    try:
        with _training_file(ctx, step) as (path, name):
            job = providers.fine_tuning(acct.provider).submit(
                acct, providers.FineTuneRequest(base_model, path, name, params), provider_run(ctx)
            )
    except FMScriptError as exc:
        exc.message = acct.redact(exc.message)
        if log is not None:
            log.write({**entry, "parameters": params, "error": exc.code, "message": exc.message}, acct.redact)
        raise
    if log is not None:
        log.write({**entry, "parameters": params, "job": job if log.verbose else job.get("id")}, acct.redact)
    target = step.opt("response_target")
    if target is not None:
        write_target(ctx, target, json.dumps({"result": job}, ensure_ascii=False, separators=(",", ":")))
    return None


def set_ai_call_logging(ctx: StepContext, step: ast.Step) -> None:
    """Set AI Call Logging [ On ; Filename ; Verbose ; Truncate Messages ] / [ Off ]: the log
    file is in the Documents folder (Claris: "the AI call log is saved in the current user's
    Documents folder"); a path names another place."""
    if not step.opt("state"):
        ctx.ai.call_log = None
        return None
    from fmscript.ai.call_log import DEFAULT_NAME, CallLog

    name = _text(ctx, step.opt("filename")).strip() or DEFAULT_NAME
    path = Path(name) if "/" in name or "\\" in name else ctx.documents_path() / name
    if not path.is_absolute():
        path = ctx.documents_path() / path
    ctx.ai.call_log = CallLog(path, bool(step.opt("verbose")), bool(step.opt("truncate")))
    return None
