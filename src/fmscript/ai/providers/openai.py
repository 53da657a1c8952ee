"""The OpenAI and Custom providers: thin adapters over ``engines.openai_chat`` (chat completions),
``engines.openai_embed`` (embeddings),
``engines.openai_remote`` (fine-tuning through the SDK) and ``remote_jobs`` (following a job).

The two differ only in their rules, kept here as attributes and in :meth:`configure`:

* **OpenAI** — the key falls back to ``OPENAI_API_KEY`` (FileMaker reads it from the step;
  fmscript also from the environment); certificates are always checked; the Endpoint, when given,
  is the base URL (a proxy or a compatible service); Fine-Tune Parameters are OpenAI's own, and an
  AI Model Server key is refused with error 14.
* **Custom** — an OpenAI-compatible server at the Endpoint (an AI Model Server, ``fmscript
  serve``): the Endpoint is required; certificates are checked when Verify SSL Certificates is on;
  the AI Model Server's parameters travel as the script gave them.

``openai`` is imported only when a call is made.
"""

from __future__ import annotations

from typing import Any

from fmscript.ai.accounts import Account
from fmscript.ai.chat import ChatReply
from fmscript.ai.errors import BAD_NAME, ai_error
from fmscript.ai.progress import TrainingProgress
from fmscript.ai.providers.base import (
    JSON_ANSWER,
    ChatRequest,
    FineTuneRequest,
    JobObject,
    OnChunk,
    OnMessage,
    Run,
)
from fmscript.settings import Settings

FOLLOW_POLL_SECONDS = 2.0


class OpenAIProvider:
    name = "OpenAI"
    server_keys = False  # the AI Model Server's own Fine-Tune Parameters are refused
    json_mode = True  # a JSON answer is asked for with response_format json_object

    def configure(
        self, name: str, endpoint: str, verify_ssl: bool, api_key: str, settings: Settings
    ) -> Account:
        # OpenAI's certificates are always checked, whatever Verify SSL Certificates says.
        return Account(name, self.name, endpoint, True, api_key or settings.openai_api_key)

    # -- chat ------------------------------------------------------------------------------------

    def validate_chat_parameters(self, params: dict[str, Any]) -> None:
        """Nothing to refuse here: the API judges its own parameters (a 400 becomes error 14)."""

    def generate(self, account: Account, request: ChatRequest, run: Run) -> ChatReply:
        return self._chat(account, request, run, None)

    def stream(self, account: Account, request: ChatRequest, run: Run, on_chunk: OnChunk) -> ChatReply:
        return self._chat(account, request, run, on_chunk)

    def _chat(self, account: Account, request: ChatRequest, run: Run, on_chunk: OnChunk | None) -> ChatReply:
        from fmscript.ai.engines import openai_chat

        remote = openai_chat.connect(
            account.provider, account.endpoint, account.key(), account.verify_ssl, run.settings
        )
        params = request.params
        if self.json_mode and request.answer_format == JSON_ANSWER and "response_format" not in params:
            params = {**params, "response_format": {"type": "json_object"}}
        try:
            return openai_chat.chat(remote, request.model, request.messages, params, request.tools, on_chunk)
        finally:
            remote.close()

    # -- embeddings ------------------------------------------------------------------------------

    def embed(self, account: Account, model: str, texts: list[str], run: Run) -> list[list[float]]:
        from fmscript.ai.engines import openai_chat, openai_embed

        remote = openai_chat.connect(
            account.provider, account.endpoint, account.key(), account.verify_ssl, run.settings
        )
        try:
            return openai_embed.embed(remote, model, texts)
        finally:
            remote.close()

    # -- fine-tuning -----------------------------------------------------------------------------

    def submit(self, account: Account, request: FineTuneRequest, run: Run) -> JobObject:
        from fmscript.ai.engines.openai_remote import submit_fine_tune

        job = submit_fine_tune(
            account,
            request.base_model,
            request.training_file,
            request.training_file_name,
            request.params,
            run.settings,
            server_keys=self.server_keys,
        )
        run.jobs.remote_jobs.append((account, job))
        return job

    def _remote(self, account: Account, settings: Settings) -> Any:
        from fmscript.ai.engines.openai_remote import OPENAI_BASE_URL, Remote

        return Remote(
            account.provider, account.endpoint or OPENAI_BASE_URL, account.key(), account.verify_ssl, settings
        )

    def follow(
        self,
        account: Account,
        job: JobObject,
        progress: TrainingProgress,
        on_message: OnMessage,
        settings: Settings,
    ) -> JobObject:
        from fmscript.ai.jobs.records import RemoteJob
        from fmscript.ai.jobs.store import open_store
        from fmscript.ai.remote_jobs import follow

        remote = self._remote(account, settings)
        name = job.get("fine_tuned_model")
        record = RemoteJob(
            account.provider,
            remote.base_url,
            str(job["id"]),
            fine_tuned_model=name if isinstance(name, str) else None,
        )
        store = open_store(settings.home, settings.store)
        try:
            return follow(store, record, remote, progress, FOLLOW_POLL_SECONDS, on_message)
        finally:
            remote.close()
            store.close()

    def cancel(self, account: Account, job_id: str, settings: Settings) -> JobObject:
        from fmscript.ai.jobs.store import open_store

        remote = self._remote(account, settings)
        try:
            job = remote.cancel(job_id)
        finally:
            remote.close()
        store = open_store(settings.home, settings.store)
        try:
            store.remote.record(account.provider, remote.base_url, job, account.verify_ssl)
        finally:
            store.close()
        return job


class CustomProvider(OpenAIProvider):
    name = "Custom"
    server_keys = True  # an AI Model Server takes max_steps, lora_layers, … as the script gave them
    json_mode = False  # an OpenAI-compatible server need not know response_format

    def configure(
        self, name: str, endpoint: str, verify_ssl: bool, api_key: str, settings: Settings
    ) -> Account:
        if not endpoint:
            raise ai_error("a Custom model provider needs an Endpoint", BAD_NAME)
        return Account(name, self.name, endpoint, verify_ssl, api_key)
