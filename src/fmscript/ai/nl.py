"""Natural-language steps' model side: prompt templates, their constants, and the steering loop
that turns a model's free text into a checked find request or SQL query.

Claris "Configure Prompt Template" (22.0): a template has a name (case-sensitive; a later
Configure with the same name replaces it), a Model Provider and a Template Type — SQL Query
(Perform SQL Query by Natural Language: SQL Prompt and Natural Language Prompt), Find Request
(Perform Find by Natural Language: Find Request Prompt) or RAG Prompt (Perform RAG Action). Its
prompts hold template constants the step replaces when it uses the template; the page's table
lists the database schema in DDL, the user's question, the ``context_prompt`` of the step's
Parameters, the SQL the model generated, the result of running it and the system date format.
fmscript spells them ``:schema:``, ``:question:``, ``:context:``, ``:sql:``, ``:result:`` and
``:dateformat:`` (*Choice*: the Korean page shows ``:스키마:`` / ``:질문:`` / ``:문맥:``, the
English names did not survive in the copies read). The predefined prompts below are fmscript's
own (FileMaker does not publish its text); they are what a step uses without a template.

Steering (issue 25): a model — a small local one above all — does not always answer with what
was asked for. The provider steers first (``ChatRequest.answer_format``: Local writes the answer's
start, OpenAI uses JSON mode); then :func:`steer` asks, checks the answer with the step's validator and, when it is
not valid, asks again with the validator's message in the conversation ("that answer is not
valid: … answer again with only …"), at most :data:`MAX_TRIES` times in all. A model that still
answers garbage gives error 882 (FileMaker's "Invalid AI request"; *Choice*: Claris documents
no code of its own for an unusable answer) with the last validation message — never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from fmscript.errors import AI_REQUEST_INVALID, ScriptRuntimeError

MAX_TRIES = 3
INVALID_ANSWER = AI_REQUEST_INVALID

T = TypeVar("T")
Message = dict[str, Any]

SQL_QUERY = "SQL Query"
FIND_REQUEST = "Find Request"
RAG_PROMPT = "RAG Prompt"
TEMPLATE_TYPES = (SQL_QUERY, FIND_REQUEST, RAG_PROMPT)

DEFAULT_SQL_PROMPT = (
    "You write one read-only SQL SELECT statement (SQLite syntax; quote names that contain spaces "
    "with double quotes) that answers the question, using only these tables:\n:schema:\n\n"
    ":context:\n"
    "Answer with the SQL statement only: no explanation, no Markdown.\n\nQuestion: :question:"
)
DEFAULT_NATURAL_LANGUAGE_PROMPT = (
    "Answer the question in one or two plain sentences from the result of the SQL query below.\n"
    "Question: :question:\nSQL: :sql:\nResult (one row per line, fields separated by commas):\n"
    ":result:"
)
DEFAULT_FIND_REQUEST_PROMPT = (
    "You turn a question into a FileMaker find request. The layout's fields (name: type) are:\n"
    ":schema:\n\n:context:\n"
    "Answer with one JSON object only, in the FileMaker Data API's form:\n"
    '{"query": [{"Field Name": "criterion"}, {"Field Name": "criterion", "omit": "true"}], '
    '"sort": [{"fieldName": "Field Name", "sortOrder": "ascend"}]}\n'
    "Each object in query is one find request (its fields are AND-ed, requests are OR-ed; "
    '"omit": "true" omits what it matches). Criteria use FileMaker find operators: '
    "== exact, < <= > >= comparisons, a...b ranges, * any characters, = empty. Dates are "
    ":dateformat:. sort is optional. Use only the field names listed.\n\nQuestion: :question:"
)
DEFAULT_RAG_PROMPT = "Answer the question from the context.\n:context:\n\nQuestion: :question:"


@attrs.frozen
class PromptTemplate:
    """One Configure Prompt Template: the prompts a template type uses ("" — the predefined one)."""

    name: str
    provider: str
    type: str
    sql_prompt: str = ""
    natural_language_prompt: str = ""
    find_request_prompt: str = ""
    rag_prompt: str = ""


def fill(prompt: str, **constants: str) -> str:
    """``prompt`` with each ``:name:`` constant replaced (constants not given are left as written),
    in one pass: a value is never filled again, so a question, an SQL answer or a record holding
    ``:result:`` is sent as written, not grown by the result (once per occurrence, unbounded)."""
    if not constants:
        return prompt
    names = re.compile(":(" + "|".join(re.escape(n) for n in constants) + "):")
    return names.sub(lambda m: constants[m.group(1)], prompt)


class InvalidAnswer(Exception):
    """Raised by a validator: why the model's answer cannot be used (sent back to the model)."""


def steer(
    ask: Callable[[list[Message]], str],
    messages: list[Message],
    check: Callable[[str], T],
    want: str,
    tries: int = MAX_TRIES,
) -> tuple[T, list[str]]:
    """Ask until ``check`` accepts an answer, feeding each rejection back; (checked value, every
    answer the model gave). After ``tries`` rejected answers: error 882 with the last reason."""
    answers: list[str] = []
    conversation = list(messages)
    reason = ""
    for _ in range(max(tries, 1)):
        answer = ask(conversation)
        answers.append(answer)
        try:
            return check(answer), answers
        except InvalidAnswer as exc:
            reason = str(exc)
        conversation = [
            *conversation,
            {"role": "assistant", "content": answer},
            {
                "role": "user",
                "content": f"That answer is not valid: {reason}. Answer again with {want} only.",
            },
        ]
    raise ScriptRuntimeError(
        f"the model did not answer with {want} in {len(answers)} tries: {reason}",
        code=INVALID_ANSWER,
    )


_FENCE = re.compile(r"```[A-Za-z]*\s*\n?(.*?)```", re.DOTALL)


def _unfenced(text: str) -> str:
    """The inside of a Markdown code block when the answer has one, else the answer."""
    match = _FENCE.search(text)
    return match.group(1).strip() if match else text.strip()


def json_object_in(text: str) -> dict[str, Any]:
    """The first JSON object in a model's answer (inside a code block or after some words)."""
    body = _unfenced(text)
    start = body.find("{")
    if start < 0:
        raise InvalidAnswer("it holds no JSON object")
    try:
        value, _ = json.JSONDecoder().raw_decode(body[start:])
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"its JSON is not valid ({exc.msg} at column {exc.colno})") from None
    except RecursionError:  # a reply of [[[[… deeper than Python's JSON reader goes
        raise InvalidAnswer("its JSON is nested too deeply") from None
    if not isinstance(value, dict):
        raise InvalidAnswer("it is not a JSON object")
    return value


_SQL_START = re.compile(r"\b(SELECT|WITH)\b", re.IGNORECASE)


def sql_in(text: str) -> str:
    """The one SQL statement in a model's answer: code fences, a leading ``SQL:`` and a trailing
    semicolon are dropped; an answer with no SELECT, or with several statements, is invalid."""
    body = _unfenced(text)
    match = _SQL_START.search(body)
    if match is None:
        raise InvalidAnswer("it holds no SELECT statement")
    sql = body[match.start() :].strip().rstrip(";").strip()
    if ";" in _without_strings(sql):
        raise InvalidAnswer("it holds more than one SQL statement")
    return sql


def _without_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", "", sql)
