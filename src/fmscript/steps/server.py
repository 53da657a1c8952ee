"""Perform Script on Server (with Callback) and Execute FileMaker Data API — run locally.

Claris "Perform Script on Server": the script runs in its own session on the host, which sees
only committed data, has its own global variables, found sets and current layout (the file's
first), and does not change the client's. *Wait for completion* On: the client waits and
Get ( ScriptResult ) is the server script's result; Off: the client goes on and gets no result.
fmscript has no host: the script runs at once in this process, in a session of its own made the
same way (the caller's globals, layout and found
sets are put back afterwards, and its open record stays open and unseen; what the server script
commits stays). A missing script is 104.

Claris "Perform Script on Server with Callback": the same, then the callback script runs on the
client with its Callback parameter, and Get ( ScriptResult ) there is the server script's result.

Claris "Execute FileMaker Data API": a Data API request as JSON, answered as JSON text in the
target, without a network: ``"action": "read"`` (``layouts``, optional ``query`` — find requests
with FileMaker find criteria and ``"omit": "true"`` —, ``sort``, ``offset``, ``limit``) and
``"action": "metaData"`` (``"layouts"`` or ``"tables"``). Errors come back as Data API messages
(``{"messages":[{"code":"105","message":"Layout is missing"}],"response":{}}``); the step itself
does not fail.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from fmscript.calc import values as V
from fmscript.data.find import find
from fmscript.data.found_set import sort_ids
from fmscript.errors import FMScriptError, ScriptRuntimeError, error_meaning
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast


def _script_name(ctx: StepContext, step: ast.Step, key: str = "script") -> str:
    target = step.opt(key)
    return V.to_text(ctx.evaluator.evaluate(target)) if isinstance(target, ast.Calc) else str(target or "")


def _parameter(ctx: StepContext, step: ast.Step, key: str = "parameter") -> Any:
    calc = step.opt(key)
    value = ctx.evaluator.evaluate(calc) if calc is not None else ""
    return V.to_text(value) if value != "" else ""


def run_on_server(ctx: StepContext, name: str, parameter: Any) -> Any:
    """Run a script in a session of its own (the host's), then restore the caller's."""
    from fmscript.data.open_records import RecordBuffer

    data, variables = ctx.data, ctx.vars
    file = data.require_file()
    client_buffer, file.buffer = file.buffer, RecordBuffer()  # the client's open record stays open
    saved_globals = dict(variables.globals)
    saved = (data.layout, data.previous_layout, data.find_mode, data.active_field)
    saved_sets, saved_finds = dict(data.found_sets), dict(data.last_finds)
    capture = ctx.errors.capture
    variables.globals.clear()  # the dicts are kept (compiled calcs hold them), their contents swap
    data.found_sets.clear()
    data.last_finds.clear()
    data.layout, data.find_mode, data.active_field = data.original_layout, None, None
    try:
        result = ctx.perform_script(name, parameter)
        data.commit_records()  # the server session ends: its open record is committed
    finally:
        file.buffer.revert()  # what the server script could not commit is gone with its session
        file.buffer = client_buffer
        variables.globals.clear()
        variables.globals.update(saved_globals)
        data.found_sets.clear()
        data.found_sets.update(saved_sets)
        data.last_finds.clear()
        data.last_finds.update(saved_finds)
        data.layout, data.previous_layout, data.find_mode, data.active_field = saved
        ctx.errors.capture = capture
    return result


def perform_script_on_server(ctx: StepContext, step: ast.Step) -> None:
    result = run_on_server(ctx, _script_name(ctx, step), _parameter(ctx, step))
    # Without Wait for completion the client goes on at once and gets no result.
    ctx.script_result = result if step.opt("wait", True) else ""


def perform_script_on_server_with_callback(ctx: StepContext, step: ast.Step) -> None:
    result = run_on_server(ctx, _script_name(ctx, step), _parameter(ctx, step))
    ctx.script_result = result
    callback = _script_name(ctx, step, "callback")
    if callback:
        ctx.script_result = (
            ctx.perform_script(callback, _parameter(ctx, step, "callback_parameter")) or result
        )


# --------------------------------------------------------------------------- Data API


def execute_data_api(ctx: StepContext, step: ast.Step) -> None:
    target: ast.Target | None = step.opt("target")
    calc = step.opt("request")
    text = V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""
    answer = data_api(ctx, text)
    if target is not None:
        write_target(ctx, target, answer)


def _message(code: int, message: str | None = None) -> dict[str, Any]:
    return {
        "code": str(code),
        "message": message or ("OK" if code == 0 else error_meaning(code).capitalize()),
    }


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def data_api(ctx: StepContext, text: str) -> str:
    try:
        request = json.loads(text)
        if not isinstance(request, dict):
            raise ValueError("not an object")
    except ValueError:
        return _dump({"messages": [_message(1708, "Parameter value is invalid")], "response": {}})
    action = str(request.get("action", "read")).lower()
    try:
        if action == "metadata":
            response = _metadata(ctx, request)
        elif action == "read":
            response = _read(ctx, request)
        else:
            return _dump({"messages": [_message(3, "Command is unavailable")], "response": {}})
    except FMScriptError as e:
        code = getattr(e, "code", None) or -1
        return _dump({"messages": [_message(code)], "response": {}})
    return _dump({"messages": [_message(0)], "response": response})


def _metadata(ctx: StepContext, request: dict[str, Any]) -> dict[str, Any]:
    file = ctx.data.require_file()
    if "tables" in request:
        return {"tables": [{"name": t} for t in file.tables()]}
    return {"layouts": [{"name": name} for name in file.layouts()]}


def _read(ctx: StepContext, request: dict[str, Any]) -> dict[str, Any]:
    from fmscript.syntax.ast import FindRequest

    file = ctx.data.require_file()
    layout = str(request.get("layouts") or request.get("layout") or "")
    try:
        table = file.table_for_layout(layout)
    except KeyError:
        raise ScriptRuntimeError(f"layout {layout!r} is missing", code=105) from None
    names = [f.name for f in file.fields(table)]
    ids = file.record_ids(table)
    query = request.get("query")
    if isinstance(query, list) and query:
        requests = []
        for q in query:
            if isinstance(q, dict):
                omit = str(q.get("omit", "false")).lower() == "true"
                criteria = tuple((k, V.to_text(v)) for k, v in q.items() if k != "omit")
                requests.append(FindRequest(criteria, omit))
        ids = find(file, table, requests)
    sort = request.get("sort")
    if isinstance(sort, list) and sort:
        order = []
        for s in sort:
            field = file.resolve_field(table, str(s.get("fieldName", "")))
            if field is None:
                raise ScriptRuntimeError(f"field {s.get('fieldName')!r} is missing", code=102)
            order.append((field, str(s.get("sortOrder", "ascend")).lower() not in ("descend", "descending")))
        ids = sort_ids(file, table, ids, order)
    if not ids:
        raise ScriptRuntimeError("no records match the request", code=401)
    offset = max(int(V.to_number(str(request.get("offset", 1))) or 1), 1)
    limit = int(V.to_number(str(request.get("limit", 100))) or 100)
    page = ids[offset - 1 : offset - 1 + max(limit, 0)]
    data = []
    for rid, values in zip(page, file.iter_records(table, names, page)):
        fields = {name: _json_value(v) for name, v in zip(names, values)}
        data.append({"fieldData": fields, "modId": "0", "portalData": {}, "recordId": str(rid)})
    info = {
        "database": (file.path.stem if file.path else "fmscript"),
        "layout": layout,
        "table": table,
        "totalRecordCount": file.total_count(table),
        "foundCount": len(ids),
        "returnedCount": len(data),
    }
    return {"data": data, "dataInfo": info}


def _json_value(v: Any) -> Any:
    """Data API field data: numbers as JSON numbers, dates MM/DD/YYYY, timestamps with the time."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and abs(v) < 2**53 else float(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%m/%d/%Y")
    return V.to_text(v)
