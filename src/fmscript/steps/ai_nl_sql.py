"""Perform SQL Query by Natural Language: the model writes SQL from the schema, fmscript runs it
read-only as ExecuteSQL does, and (Action Query) the model answers from the result.

Claris (22.0, perform-sql-query-by-natural-language.html): the step sends the prompt and the
database schema (DDL, as GetTableDDL writes it) to the model, which sends back an SQL query whose
result it uses in its response. Options:

* Data tables — whose schema is sent: From list / By name (table names, one a line; a JSON array
  is read too) in Tables, or By DDL (Tables is the DDL text itself); no tables: every table;
  a table that is not in the file is error 106;
* Action — Query (the model's final answer in natural language, from the Natural Language Prompt
  with the SQL and its result), Query for Data Only (the last query's rows, as ExecuteSQL writes
  them: fields split by commas, rows by ¶), Get SQL (every SQL statement the model wrote, one a
  line, the rejected ones too), Get First SQL Only (*Choice*: the first one that ran), Get DDL
  (the schema the step would send; the model is not asked);
* Options specified By JSON data — ``{"action": "get sql", "data tables": ["Products"],
  "stream": "off"}`` in JSON data replaces those three options;
* Stream — with Action Query, the answer prints as it arrives at a terminal (as Generate Response
  from Model does); Parameters, Prompt Template Name (an SQL Query template: SQL Prompt and Natural
  Language Prompt) and Response Target as for the other AI steps.

The query runs through ExecuteSQL's code path (``FileView.query``: FileMaker SQL rewritten for
SQLite, an authorizer that allows reading only, the work and size bounds). An answer with no
SELECT, several statements, or SQL the database refuses (a missing column, a write) goes back to
the model with the database's message, at most three tries (:func:`fmscript.ai.nl.steer`); then
error 882.
"""

from __future__ import annotations

import json
from typing import Any

from fmscript.ai import nl
from fmscript.ai.providers.base import SQL_ANSWER
from fmscript.calc import values as V
from fmscript.calc.context import FileView
from fmscript.calc.functions.sql import SQLQueryError, rows_text
from fmscript.errors import NAME_INVALID, NO_OPEN_FILE, TABLE_MISSING, ScriptRuntimeError
from fmscript.steps.ai import terminal_printer
from fmscript.steps.ai_nl import asker, prepare, prompt_text
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast

STEP = "Perform SQL Query by Natural Language"
WANT = "one SQL SELECT statement"
_ACTIONS = {
    a.casefold(): a for a in ("Query", "Query for Data Only", "Get SQL", "Get First SQL Only", "Get DDL")
}


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def _json_options(ctx: StepContext, step: ast.Step) -> tuple[str, list[str] | None, bool]:
    """(action, table names or None, stream) from Options specified By JSON data."""
    text = _text(ctx, step.opt("options_json")).strip()
    try:
        options = json.loads(text) if text else {}
    except (json.JSONDecodeError, RecursionError):
        options = None
    if not isinstance(options, dict):
        raise ScriptRuntimeError("JSON data must be a JSON object", code=NAME_INVALID)
    action = _ACTIONS.get(str(options.get("action", "query")).casefold())
    if action is None:
        raise ScriptRuntimeError(f"JSON data: action must be one of {', '.join(_ACTIONS)}", code=NAME_INVALID)
    tables = options.get("data tables")
    if tables is not None and not (isinstance(tables, list) and all(isinstance(t, str) for t in tables)):
        raise ScriptRuntimeError(
            'JSON data: "data tables" must be an array of table names', code=NAME_INVALID
        )
    return action, tables, str(options.get("stream", "off")).casefold() == "on"


def _names(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        try:
            names = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            names = None
        if isinstance(names, list):
            return [str(n).strip() for n in names if str(n).strip()]
    return [n.strip() for n in text.replace("\r", "\n").split("\n") if n.strip()]


def schema(view: FileView, names: list[str] | None) -> str:
    """GetTableDDL's statements for ``names`` (every table when None or empty)."""
    statements = []
    for name in names or view.table_names():
        ddl = view.table_ddl(name)
        if ddl is None:
            raise ScriptRuntimeError(f"table {name!r} is missing", code=TABLE_MISSING)
        statements.append(ddl)
    return "\n\n".join(statements)


def check_sql(view: FileView, answer: str) -> tuple[str, list[tuple[Any, ...]]]:
    """The answer's SQL and its rows, run read-only; :class:`~fmscript.ai.nl.InvalidAnswer` when
    the answer holds no single SELECT or the database refuses it."""
    sql = nl.sql_in(answer)
    try:
        return sql, view.query(sql, [])
    except SQLQueryError as exc:
        raise nl.InvalidAnswer(f"the database refused {sql!r}: {exc}") from None


def _options(ctx: StepContext, step: ast.Step, view: FileView) -> tuple[str, str, bool]:
    """(Action, the DDL sent to the model, Stream), from the list or By JSON data."""
    if step.opt("options_by") == "By JSON data":
        action, names, stream = _json_options(ctx, step)
        return action, schema(view, names), stream
    tables = _text(ctx, step.opt("tables"))
    ddl = tables.strip() if step.opt("data_tables") == "By DDL" else schema(view, _names(tables))
    return step.opt("action") or "Query", ddl, bool(step.opt("stream"))


def perform_sql_query_by_natural_language(ctx: StepContext, step: ast.Step) -> None:
    view = ctx.file_view()
    if view is None:
        raise ScriptRuntimeError(f"{STEP} needs an open file", code=NO_OPEN_FILE)
    action, ddl, stream = _options(ctx, step, view)
    target = step.opt("response_target")
    if action == "Get DDL":
        if target is not None:
            write_target(ctx, target, ddl)
        return None
    call = prepare(ctx, step, STEP, nl.SQL_QUERY)
    question = _text(ctx, step.opt("prompt"))
    template = call.template
    sql_prompt = prompt_text(
        (template.sql_prompt if template else "") or nl.DEFAULT_SQL_PROMPT,
        call.context,
        schema=ddl,
        question=question,
    )
    (sql, rows), answers = nl.steer(
        asker(ctx, call, SQL_ANSWER),
        [{"role": "user", "content": sql_prompt}],
        lambda a: check_sql(view, a),
        WANT,
    )
    result = rows_text(rows)
    if action == "Query":
        answer_prompt = prompt_text(
            (template.natural_language_prompt if template else "") or nl.DEFAULT_NATURAL_LANGUAGE_PROMPT,
            call.context,
            schema=ddl,
            question=question,
            sql=sql,
            result=result,
        )
        show = terminal_printer(ctx) if stream else None
        try:
            value = asker(ctx, call, show=show)([{"role": "user", "content": answer_prompt}])
        finally:
            if show is not None:
                show("\n")
    elif action == "Query for Data Only":
        value = result
    elif action == "Get SQL":
        value = "\r".join(_generated(answers))
    else:  # Get First SQL Only
        value = sql
    if target is not None:
        write_target(ctx, target, value)
    return None


def _generated(answers: list[str]) -> list[str]:
    """Every SQL statement in the model's answers, in order (answers with none are skipped)."""
    found = []
    for answer in answers:
        try:
            found.append(nl.sql_in(answer))
        except nl.InvalidAnswer:
            continue
    return found
