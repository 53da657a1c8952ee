"""Perform Find by Natural Language: the model turns a question into a FileMaker find request,
which fmscript checks before it runs it through the find machinery Perform Find uses.

Claris (22.0, perform-find-by-natural-language.html): the step sends the prompt with the fields of
the current layout that a find can use (as GetFieldsOnLayout describes them) to the model, which
answers with a find request and, where it applies, a sort order — in the FileMaker Data API's
form (``{"query": [{"Field": "criterion", "omit": "true"}, …], "sort": [{"fieldName": …,
"sortOrder": "ascend"}]}``, the Find Request Prompt's "JSON format … the same as used by the
FileMaker Data API"). Get decides what happens next:

* Found Set — the request is performed on the current layout and becomes the window's found set,
  sorted when the model gave a sort order (Response Target is not used); no match is error 401,
  as for Perform Find;
* Found Set as JSON — the request is performed and Response Target gets the found records as the
  Data API answers a find (``data``, ``dataInfo``, ``messages``; Execute FileMaker Data API's
  code here); the window's found set does not change;
* Find Request as JSON — nothing is performed; Response Target gets the request (compact JSON,
  keys sorted, as FileMaker's JSON functions write it).

What is checked (fmscript's validation; a failed check goes back to the model, see
:func:`fmscript.ai.nl.steer`): the answer holds one JSON object whose ``query`` is a non-empty array
of requests; every key of a request is a field of the layout's table (or ``omit``, "true" or
"false"); every request has a criterion; criteria are text or numbers, and a comparison (``<``
``<=`` ``>`` ``>=`` ``≤`` ``≥``) or a range (``a...b``) on a number, date, time or timestamp field has
operands of that type; SQL's ``!=``, ``<>`` and ``LIKE`` are refused (FileMaker finds have an omit
request for "not"); ``sort`` items name fields and ``ascend``/``descend``. Top-level ``limit`` and
``offset`` are kept for Found Set as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import attrs

from fmscript.ai import nl
from fmscript.ai.providers.base import JSON_ANSWER
from fmscript.calc import values as V
from fmscript.data.convert import parse_date, parse_number, parse_time, parse_timestamp
from fmscript.data.find import find
from fmscript.data.schema import Field, FieldType
from fmscript.errors import NO_RECORDS_MATCH, ScriptRuntimeError
from fmscript.steps.ai_nl import asker, prepare, prompt_text
from fmscript.steps.server import data_api
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast
from fmscript.syntax.ast import FindRequest

STEP = "Perform Find by Natural Language"
WANT = "a JSON find request object"
DATE_FORMAT = "written M/D/YYYY (12/31/2025); times HH:MM:SS"

_COMPARISON = re.compile(r"^(<=|>=|≤|≥|<|>)\s*(.*)$", re.DOTALL)
_RANGE = re.compile(r"^(.*?)(?:\.\.\.|…|\.\.)(.*)$", re.DOTALL)
_SQL_OPERATOR = re.compile(r"^\s*(!=|<>|NOT\s|LIKE\s)", re.IGNORECASE)


def _timestamp(text: str) -> object:
    return parse_timestamp(text) or parse_date(text)


_PARSERS: dict[FieldType, Callable[[str], object]] = {
    FieldType.NUMBER: parse_number,
    FieldType.DATE: parse_date,
    FieldType.TIME: parse_time,
    FieldType.TIMESTAMP: _timestamp,
}


@attrs.frozen
class CheckedFind:
    """A model's find request after the checks: what Perform Find runs, and the JSON it came as."""

    requests: tuple[FindRequest, ...]
    sort: tuple[tuple[str, bool], ...]
    as_json: dict[str, Any]


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def _fields(ctx: StepContext, table: str) -> list[Field]:
    return [f for f in ctx.data.require_file().fields(table) if f.type is not FieldType.CONTAINER]


def _operand_problem(field: Field, text: str) -> str | None:
    parse = _PARSERS.get(field.type)
    text = text.strip()
    if parse is None or text in ("", "//") or any(c in text for c in "*@#?"):
        return None
    return None if parse(text) is not None else f"{text!r} is not a {field.type} for field {field.name!r}"


def _criterion_problem(field: Field, text: str) -> str | None:
    if _SQL_OPERATOR.match(text):
        return f"{text!r} for field {field.name!r} is SQL, not a FileMaker find operator (use an omit request for 'not')"
    comparison = _COMPARISON.match(text.strip())
    if comparison:
        if not comparison.group(2).strip():
            return f"the comparison {text!r} for field {field.name!r} has no value"
        return _operand_problem(field, comparison.group(2))
    span = _RANGE.match(text.strip())
    if span and not text.strip().startswith("=="):
        low, high = span.group(1), span.group(2)
        return _operand_problem(field, low) or _operand_problem(field, high)
    return None


def _request(fields: dict[str, Field], item: object, n: int) -> tuple[FindRequest, dict[str, Any]]:
    if not isinstance(item, dict):
        raise nl.InvalidAnswer(f"query item {n} is not a JSON object")
    omit = False
    criteria = []
    kept: dict[str, Any] = {}
    for key, value in item.items():
        if key == "omit":
            if str(value).lower() not in ("true", "false"):
                raise nl.InvalidAnswer(f'query item {n}: "omit" must be "true" or "false"')
            omit = str(value).lower() == "true"
            kept["omit"] = "true" if omit else "false"
            continue
        field = fields.get(key.casefold())
        if field is None:
            raise nl.InvalidAnswer(
                f"query item {n}: {key!r} is not a field of the layout (fields: {', '.join(f.name for f in fields.values())})"
            )
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise nl.InvalidAnswer(f"query item {n}: the criterion for {key!r} must be text or a number")
        text = value if isinstance(value, str) else json.dumps(value)
        problem = _criterion_problem(field, text)
        if problem is not None:
            raise nl.InvalidAnswer(f"query item {n}: {problem}")
        if text.strip():
            criteria.append((field.name, text))
            kept[field.name] = text
    if not criteria:
        raise nl.InvalidAnswer(f"query item {n} has no criterion")
    return FindRequest(tuple(criteria), omit), kept


def _sort(fields: dict[str, Field], sort: object) -> tuple[list[tuple[str, bool]], list[dict[str, str]]]:
    if sort is None:
        return [], []
    if not isinstance(sort, list):
        raise nl.InvalidAnswer('"sort" must be an array')
    order, kept = [], []
    for n, item in enumerate(sort, start=1):
        name = str(item.get("fieldName", "")) if isinstance(item, dict) else ""
        field = fields.get(name.casefold())
        if field is None:
            raise nl.InvalidAnswer(f"sort item {n}: {name!r} is not a field of the layout")
        way = str(item.get("sortOrder", "ascend")).lower()
        if way not in ("ascend", "descend", "ascending", "descending"):
            raise nl.InvalidAnswer(f'sort item {n}: "sortOrder" must be "ascend" or "descend"')
        order.append((field.name, way.startswith("ascend")))
        kept.append(
            {"fieldName": field.name, "sortOrder": "ascend" if way.startswith("ascend") else "descend"}
        )
    return order, kept


def check_find_request(fields: list[Field], answer: str) -> CheckedFind:
    """The model's answer as a find request on ``fields``, or :class:`~fmscript.ai.nl.InvalidAnswer`."""
    obj = nl.json_object_in(answer)
    by_name = {f.name.casefold(): f for f in fields}
    unknown = set(obj) - {"query", "sort", "limit", "offset"}
    if unknown:
        raise nl.InvalidAnswer(f"unknown key(s) {', '.join(sorted(unknown))}: use query and sort")
    query = obj.get("query")
    if not isinstance(query, list) or not query:
        raise nl.InvalidAnswer('"query" must be a non-empty array of find requests')
    made = [_request(by_name, item, n) for n, item in enumerate(query, start=1)]
    order, sort = _sort(by_name, obj.get("sort"))
    as_json: dict[str, Any] = {"query": [kept for _, kept in made]}
    if sort:
        as_json["sort"] = sort
    for key in ("limit", "offset"):
        if isinstance(obj.get(key), int) and not isinstance(obj.get(key), bool) and obj[key] > 0:
            as_json[key] = obj[key]
    return CheckedFind(tuple(r for r, _ in made), tuple(order), as_json)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def perform_find_by_natural_language(ctx: StepContext, step: ast.Step) -> None:
    fs = ctx.data.found_set()  # a layout must be current (error 105 otherwise)
    layout = ctx.data.layout or ""
    call = prepare(ctx, step, STEP, nl.FIND_REQUEST)
    fields = _fields(ctx, fs.table)
    template = call.template.find_request_prompt if call.template is not None else ""
    prompt = prompt_text(
        template or nl.DEFAULT_FIND_REQUEST_PROMPT,
        call.context,
        schema="\n".join(f"{f.name}: {f.type}" for f in fields),
        dateformat=DATE_FORMAT,
        question=_text(ctx, step.opt("prompt")),
    )
    checked, _ = nl.steer(
        asker(ctx, call, JSON_ANSWER),
        [{"role": "user", "content": prompt}],
        lambda a: check_find_request(fields, a),
        WANT,
    )
    get = step.opt("get") or "Found Set"
    target = step.opt("response_target")
    if get == "Find Request as JSON":
        if target is not None:
            write_target(ctx, target, _dump(checked.as_json))
        return None
    if get == "Found Set as JSON":
        answer = data_api(ctx, _dump({"action": "read", "layouts": layout, **checked.as_json}))
        if target is not None:
            write_target(ctx, target, answer)
        return None
    file = ctx.data.require_file()
    ids = find(file, fs.table, checked.requests, occurrence=ctx.data.current_occurrence())
    ctx.data.last_finds[layout] = list(checked.requests)
    fs.replace_ids(ids)
    ctx.data.find_mode = None
    if not ids:
        raise ScriptRuntimeError("no records match the request", code=NO_RECORDS_MATCH)
    if checked.sort:
        fs.sort(file, list(checked.sort))
    return None
