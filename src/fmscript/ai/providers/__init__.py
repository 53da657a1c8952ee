"""Model providers, registered by name as lazy import paths (as simonw/llm registers models).

``Model Provider: Local | OpenAI | Custom`` (Configure AI Account) names an entry of
:data:`REGISTRY`; the object behind it is imported the first time a step needs it, so a script
that only chats with OpenAI never imports mlx. Steps evaluate their options, ask for the capability
they need (:func:`chat`, :func:`fine_tuning`, :func:`embeddings`) and write their targets: nothing in a step depends
on which provider it is. A provider FileMaker knows but fmscript has no implementation of
(Anthropic, Cohere) configures a plain account, and its steps end with error 3.

Adding a provider is one file: ``ai/providers/<name in lower case>.py`` with a class ``Provider``
implementing the protocols of :mod:`fmscript.ai.providers.base` it supports (found by that
convention when the name is not in :data:`REGISTRY`); a plugin elsewhere calls :func:`register`.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TypeVar

from fmscript.ai.accounts import Account
from fmscript.ai.errors import UNAVAILABLE, ai_error
from fmscript.ai.progress import ProgressFactory
from fmscript.ai.providers.base import (
    ChatProvider,
    ChatReply,
    ChatRequest,
    Configure,
    EmbeddingProvider,
    FineTuneRequest,
    FineTuningProvider,
    JobObject,
    OnMessage,
    Run,
    RunJobs,
)
from fmscript.settings import Settings

__all__ = [
    "REGISTRY",
    "ChatProvider",
    "ChatReply",
    "ChatRequest",
    "EmbeddingProvider",
    "FineTuneRequest",
    "FineTuningProvider",
    "Run",
    "RunJobs",
    "chat",
    "configure",
    "embeddings",
    "fine_tuning",
    "follow_jobs",
    "get",
    "register",
]

# provider name (as Configure AI Account writes it) -> "module:attribute" of its class
REGISTRY: dict[str, str] = {
    "Local": "fmscript.ai.providers.local:LocalProvider",
    "OpenAI": "fmscript.ai.providers.openai:OpenAIProvider",
    "Custom": "fmscript.ai.providers.openai:CustomProvider",
}
_LOADED: dict[str, object] = {}

P = TypeVar("P")


def register(name: str, path: str) -> None:
    """Register (or replace) a provider: ``path`` is ``"package.module:Class"``."""
    REGISTRY[name] = path
    _LOADED.pop(name, None)


def _path(name: str) -> str | None:
    """``name``'s import path: registered, or ``ai/providers/<name>.py``'s ``Provider`` class."""
    if name in REGISTRY:
        return REGISTRY[name]
    module = f"{__name__}.{name.lower()}"
    if name.isidentifier() and name.lower() != "base" and importlib.util.find_spec(module) is not None:
        return f"{module}:Provider"
    return None


def get(name: str) -> object | None:
    """The provider called ``name`` (imported and made once), None when there is none."""
    provider = _LOADED.get(name)
    path = _path(name) if provider is None else None
    if path is not None:
        module, _, attribute = path.partition(":")
        made = getattr(importlib.import_module(module), attribute, None)
        provider = _LOADED[name] = made() if made is not None else None
    return provider


def _capable(name: str, protocol: type[P], what: str) -> P:
    provider = get(name)
    if not isinstance(provider, protocol):
        able = [n for n in REGISTRY if isinstance(get(n), protocol)]
        raise ai_error(
            f"the {name} model provider cannot {what} in fmscript (providers that can: {', '.join(able)})",
            UNAVAILABLE,
        )
    return provider


def chat(name: str) -> ChatProvider:
    """The provider ``name`` as a chat provider, else error 3."""
    return _capable(name, ChatProvider, "generate responses")  # type: ignore[type-abstract]


def fine_tuning(name: str) -> FineTuningProvider:
    """The provider ``name`` as a fine-tuning provider, else error 3."""
    return _capable(name, FineTuningProvider, "fine-tune")  # type: ignore[type-abstract]


def embeddings(name: str) -> EmbeddingProvider:
    """The provider ``name`` as an embedding provider, else error 3."""
    return _capable(name, EmbeddingProvider, "make embeddings")  # type: ignore[type-abstract]


def configure(
    provider: str, name: str, endpoint: str, verify_ssl: bool, api_key: str, settings: Settings
) -> Account:
    """Configure AI Account: the provider's own rules, or a plain account for a provider that
    fmscript knows only by name (its steps then end with error 3)."""
    found = get(provider)
    if isinstance(found, Configure):
        return found.configure(name, endpoint, verify_ssl, api_key, settings)
    return Account(name, provider, endpoint, verify_ssl, api_key)


def follow_jobs(
    jobs: list[tuple[Account, JobObject]], settings: Settings, progress: ProgressFactory, say: OnMessage
) -> int:
    """``fmscript run --wait``: follow each (account, job) a run created to its end, each with its
    own progress; one line per job to ``say``. Returns 1 when any did not succeed."""
    from fmscript.errors import FMScriptError

    failed = 0
    for account, job in jobs:
        try:
            final = fine_tuning(account.provider).follow(account, job, progress(), say, settings)
        except FMScriptError as exc:
            say(f"fine-tuning job {job['id']}: cannot follow it: {account.redact(exc.message)}")
            failed = 1
            continue
        except KeyboardInterrupt:
            say(f"stopped following {job['id']}; it goes on at the provider (fmscript jobs wait {job['id']})")
            return 1
        if final.get("status") == "succeeded":
            say(f"fine-tuning job {job['id']} succeeded: model {final.get('fine_tuned_model')}")
            continue
        failed = 1
        error = final.get("error")
        reason = error.get("message") if isinstance(error, dict) else ""
        say(f"fine-tuning job {job['id']} {final.get('status')}{': ' + reason if reason else ''}")
    return failed
