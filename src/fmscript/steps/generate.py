"""Generate Response from Model: ask a model (Local, Custom, OpenAI) and put its answer in Response.

What is sent: the Instructions as a ``system`` message, then the Messages history (a JSON array of
``{content, role}``), then the User Prompt. Parameters (a JSON object) go to the provider as extra
keys (``{"temperature":0.7,"seed":42,"max_tokens":64}``); the Temperature option wins over a
``temperature`` key there.

After the answer:

* Response gets the text (field or variable);
* Save Message History To gets Messages with this turn's user/assistant pair appended, as a JSON
  array in FileMaker's form (keys sorted, compact), trimmed to the last Message History Count
  pairs when a count is given (0 keeps none);
* Tool Calls From Model gets the tool calls the model made, a JSON array of OpenAI's
  ``{id, type, function: {name, arguments}}`` objects (``[]`` when it made none).

Tools. With Agentic mode Off the step stops at the model's first tool call, as FileMaker
documents: the calls land in Tool Calls From Model, nothing is run and Response is left as it was.
With Agentic mode On, fmscript runs each call as the script of the same name (a sibling
``.fmscript`` file, like Perform Script) with the call's JSON arguments as its script parameter,
sends the script result back as the tool's answer, and asks again, up to MAX_TOOL_ROUNDS times.

A Local ``fm-mlx-…`` model that a Fine-Tune Model step of the same run queued is trained when this
step first asks for it (with the progress bar), so one script can fine-tune and then ask.

Stream: when stdout is a terminal, the text prints as it arrives (then a line break); Response gets
the final text either way. The Local provider generates with mlx-lm (the base model plus the
``fm-mlx-…`` adapter; the loaded model is kept for the next step); it cannot call tools.

Error codes (Get ( LastError )): 10 account or model missing (the message lists the local models),
11 an option is not valid JSON / not the expected JSON type, 14 a parameter the Local provider
does not take or out of range, 3 a provider that cannot generate; remote failures use the codes of
:mod:`fmscript.ai.remote_errors` (1627 authentication, 1629 timeout, 1631 connection, 16 retry).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.ai.accounts import Account
from fmscript.calc import values as V
from fmscript.errors import (
    COMMAND_UNAVAILABLE,
    NAME_INVALID,
    OUT_OF_RANGE,
    FMScriptError,
    ScriptRuntimeError,
)
from fmscript.steps.ai import account, json_option, provider_run, terminal_printer
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.ai.chat import ChatReply
    from fmscript.ai.providers import ChatProvider, ChatRequest

MAX_TOOL_ROUNDS = 10

Message = dict[str, Any]
OnChunk = Callable[[str], None]


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def _history(ctx: StepContext, step: ast.Step) -> list[Message]:
    history = json_option(ctx, step, "messages", "Messages", list) or []
    for n, item in enumerate(history, start=1):
        if not (isinstance(item, dict) and isinstance(item.get("role"), str) and "content" in item):
            raise ScriptRuntimeError(
                f'Messages item {n} is not a {{"content", "role"}} object', code=NAME_INVALID
            )
    return [{"role": m["role"], "content": V.to_text(m["content"] or "")} for m in history]


def _fm_json(value: Any) -> str:
    # FileMaker's JSON functions write compact JSON with object keys sorted.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def trim_history(history: list[Message], count: int | None) -> list[Message]:
    """The last ``count`` user/assistant pairs of ``history`` (all of it when count is None)."""
    if count is None:
        return history
    return history[len(history) - 2 * count :] if count > 0 else []


def _count(ctx: StepContext, step: ast.Step) -> int | None:
    calc = step.opt("history_count")
    if calc is None:
        return None
    number = V.to_number(ctx.evaluator.evaluate(calc))
    if number is None or number < 0:
        raise ScriptRuntimeError("Message History Count must be a number 0 or more", code=OUT_OF_RANGE)
    return int(number)


def stream_printer(ctx: StepContext, step: ast.Step) -> OnChunk | None:
    """The printer of a step with Stream On (see ``terminal_printer``)."""
    return terminal_printer(ctx) if step.opt("stream") else None


def generate_response(ctx: StepContext, step: ast.Step) -> None:
    acct = account(ctx, step)
    model = _text(ctx, step.opt("model")).strip()
    if not model:
        raise ScriptRuntimeError("Generate Response from Model needs a Model", code=NAME_INVALID)
    prompt = _text(ctx, step.opt("user_prompt"))
    instructions = _text(ctx, step.opt("instructions"))
    history = _history(ctx, step)
    params = json_option(ctx, step, "parameters", "Parameters", dict) or {}
    if step.opt("temperature") is not None:
        temperature = V.to_number(ctx.evaluator.evaluate(step.opt("temperature")))
        if temperature is None:
            raise ScriptRuntimeError("Temperature must be a number", code=OUT_OF_RANGE)
        params["temperature"] = float(temperature)
    tools = json_option(ctx, step, "tools", "Tool Definitions", list) or []
    count = _count(ctx, step)
    messages = ([{"role": "system", "content": instructions}] if instructions else []) + [
        *history,
        {"role": "user", "content": prompt},
    ]
    show = stream_printer(ctx, step)
    from fmscript.ai import providers

    try:
        provider = providers.chat(acct.provider)
        provider.validate_chat_parameters(params)
        request = providers.ChatRequest(model, messages, params, tools)
        text, calls = _converse(ctx, step, acct, provider, request, show)
    except FMScriptError as exc:
        exc.message = acct.redact(exc.message)
        raise
    finally:
        if show is not None:
            show("\n")
    target = step.opt("tool_calls")
    if target is not None:
        write_target(ctx, target, _fm_json(calls))
    if text is None:  # Agentic mode Off stopped at a tool call
        return None
    if step.opt("response") is not None:
        write_target(ctx, step.opt("response"), text)
    if step.opt("save_history") is not None:
        saved = trim_history(
            [*history, {"role": "user", "content": prompt}, {"role": "assistant", "content": text}], count
        )
        write_target(
            ctx,
            step.opt("save_history"),
            _fm_json([{"content": m["content"], "role": m["role"]} for m in saved]),
        )
    return None


# ----------------------------------------------------------------------------- tools


def _converse(
    ctx: StepContext,
    step: ast.Step,
    acct: Account,
    provider: ChatProvider,
    request: ChatRequest,
    show: OnChunk | None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """Ask, and while the model calls tools run them (Agentic mode On) and ask again, at most
    MAX_TOOL_ROUNDS times. (None, calls) when Agentic mode is Off and the model called a tool."""
    all_calls: list[dict[str, Any]] = []
    for _ in range(MAX_TOOL_ROUNDS):
        reply = ask(ctx, acct, provider, request, show)
        if not reply.tool_calls:
            return reply.text, all_calls
        all_calls.extend(reply.tool_calls)
        if not step.opt("agentic"):
            return None, all_calls
        messages = [
            *request.messages,
            {"role": "assistant", "content": reply.text or None, "tool_calls": list(reply.tool_calls)},
            *(_run_tool(ctx, call) for call in reply.tool_calls),
        ]
        request = attrs.evolve(request, messages=messages)
    raise ScriptRuntimeError(
        f"the model was still calling tools after {MAX_TOOL_ROUNDS} rounds", code=COMMAND_UNAVAILABLE
    )


def ask(
    ctx: StepContext, acct: Account, provider: ChatProvider, request: ChatRequest, show: OnChunk | None
) -> ChatReply:
    """One round with the model, logged when Set AI Call Logging is On."""
    run = provider_run(ctx)
    log = ctx.ai.call_log
    entry: dict[str, Any] = {
        "call": "chat",
        "provider": acct.provider,
        "account": acct.name,
        "model": request.model,
    }
    if log is not None and log.verbose:
        entry.update(messages=request.messages, parameters=request.params, tools=request.tools)
    elif log is not None:
        entry["prompt"] = request.messages[-1].get("content") if request.messages else ""
    try:
        reply = (
            provider.generate(acct, request, run)
            if show is None
            else provider.stream(acct, request, run, show)
        )
    except FMScriptError as exc:
        if log is not None:
            log.write({**entry, "error": exc.code, "message": acct.redact(exc.message)}, acct.redact)
        raise
    if log is not None:
        log.write({**entry, "response": reply.text, "tool_calls": list(reply.tool_calls)}, acct.redact)
    return reply


def _run_tool(ctx: StepContext, call: dict[str, Any]) -> Message:
    """Agentic mode: a tool call runs the script of the same name; its result is the answer."""
    function = call.get("function") or {}
    name = str(function.get("name") or "")
    try:
        result = V.to_text(ctx.perform_script(name, str(function.get("arguments") or "")))
    except ScriptRuntimeError as exc:
        result = f"error {exc.code}: {exc.message}"
    return {"role": "tool", "tool_call_id": call.get("id") or "", "content": result}
