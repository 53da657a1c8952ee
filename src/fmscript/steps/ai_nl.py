"""Configure Prompt Template, and what the natural-language steps share: the account, model,
Parameters (with ``context_prompt``), the prompt template they name, and one model call.

Claris "Configure Prompt Template" (22.0, configure-prompt-template.html): a template is kept for
the rest of the session by name — names are case-sensitive, and a later Configure with the same
name replaces it. A step that names a template that does not exist fails ("The requested template
was not found.": error 10 here); *Choice*: a template of another Template Type is error 11, and
one made for another Model Provider than the step's account is used as it is (the provider is
kept with the template; no step switches on it). An empty prompt option keeps the predefined
prompt (:mod:`fmscript.ai.nl`).

``context_prompt`` (Parameters of Perform Find by Natural Language, perform-find-by-natural-
language.html: "inject additional instructions or context before the main prompt") is taken out
of the Parameters before they reach the provider; it replaces the ``:context:`` constant, or goes
before the prompt when the prompt has none. The other keys go to the provider as in Generate
Response from Model (a key the provider does not take is error 14 before any call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.ai import nl
from fmscript.ai.accounts import Account
from fmscript.calc import values as V
from fmscript.errors import DATA_MISSING, NAME_INVALID, FMScriptError, ScriptRuntimeError
from fmscript.steps.ai import account, json_option
from fmscript.steps.state import StepContext
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.ai.providers import ChatProvider

Message = dict[str, Any]


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def configure_prompt_template(ctx: StepContext, step: ast.Step) -> None:
    name = _text(ctx, step.opt("template_name")).strip()
    if not name:
        raise ScriptRuntimeError("Configure Prompt Template needs a Template Name", code=NAME_INVALID)
    kind = step.opt("template_type") or nl.SQL_QUERY
    if kind not in nl.TEMPLATE_TYPES:
        raise ScriptRuntimeError(
            f"Template Type {kind!r} is not one of {', '.join(nl.TEMPLATE_TYPES)}", code=NAME_INVALID
        )
    # Names are case-sensitive (the page's note: "MyTemplate" and "mytemplate" are two templates).
    ctx.ai.prompt_templates[name] = nl.PromptTemplate(
        name,
        step.opt("provider") or "OpenAI",
        kind,
        sql_prompt=_text(ctx, step.opt("sql_prompt")),
        natural_language_prompt=_text(ctx, step.opt("nl_prompt")),
        find_request_prompt=_text(ctx, step.opt("find_prompt")),
        rag_prompt=_text(ctx, step.opt("rag_prompt")),
    )
    return None


@attrs.frozen
class NLCall:
    """What a natural-language step asks with."""

    account: Account
    provider: ChatProvider
    model: str
    params: dict[str, Any]
    context: str
    template: nl.PromptTemplate | None


def _parameters(ctx: StepContext, step: ast.Step) -> tuple[dict[str, Any], str]:
    params: dict[str, Any] | None = json_option(ctx, step, "parameters", "Parameters")
    if params is None:
        return {}, ""
    context = params.pop("context_prompt", "")
    return params, V.to_text(context) if context is not None else ""


def prompt_template(ctx: StepContext, step: ast.Step, kind: str) -> nl.PromptTemplate | None:
    name = _text(ctx, step.opt("template_name")).strip()
    if not name:
        return None
    found = ctx.ai.prompt_templates.get(name)
    if found is None:
        raise ScriptRuntimeError(f"The requested template was not found: {name!r}", code=DATA_MISSING)
    if found.type != kind:
        raise ScriptRuntimeError(
            f"prompt template {name!r} is a {found.type} template; this step uses {kind} templates",
            code=NAME_INVALID,
        )
    return found


def prepare(ctx: StepContext, step: ast.Step, step_name: str, kind: str) -> NLCall:
    """The account, provider, model, Parameters and template of a natural-language step."""
    acct = account(ctx, step)
    model = _text(ctx, step.opt("model")).strip()
    if not model:
        raise ScriptRuntimeError(f"{step_name} needs a Model", code=NAME_INVALID)
    params, context = _parameters(ctx, step)
    template = prompt_template(ctx, step, kind)
    from fmscript.ai import providers

    try:
        provider = providers.chat(acct.provider)
        provider.validate_chat_parameters(params)
    except FMScriptError as exc:
        exc.message = acct.redact(exc.message)
        raise
    return NLCall(acct, provider, model, params, context, template)


def prompt_text(prompt: str, context: str, **constants: str) -> str:
    """``prompt`` with its constants filled; the context goes before it when it has no
    ``:context:`` constant."""
    if context and ":context:" not in prompt:
        prompt = context + "\n\n" + prompt
    return nl.fill(prompt, context=context, **constants)


def asker(
    ctx: StepContext, call: NLCall, answer_format: str = "", show: Callable[[str], None] | None = None
) -> Callable[[list[Message]], str]:
    """One model round per call (logged by Set AI Call Logging), the reply's text; ``answer_format``
    (``providers.JSON_ANSWER`` / ``SQL_ANSWER``) lets the provider steer the model towards it."""
    from fmscript.ai import providers
    from fmscript.steps.generate import ask

    def one_round(messages: list[Message]) -> str:
        request = providers.ChatRequest(call.model, messages, dict(call.params), answer_format=answer_format)
        try:
            return ask(ctx, call.account, call.provider, request, show).text or ""
        except FMScriptError as exc:
            exc.message = call.account.redact(exc.message)
            raise

    return one_round
