"""What a model provider is: the records the steps hand it and the protocols it implements.

A provider is one object registered by name (:mod:`fmscript.ai.providers`). It implements some of
these protocols; a step asks the registry for the capability it needs and gets error 3 when the
provider has none:

* :class:`Configure` — turn Configure AI Account's options into an :class:`Account` (each
  provider's rules: OpenAI falls back to ``OPENAI_API_KEY`` and always checks certificates, Custom
  needs an Endpoint);
* :class:`ChatProvider` — Generate Response from Model: validate parameters, generate, stream;
* :class:`EmbeddingProvider` — Insert Embedding (in Found Set), GetEmbedding, Perform Semantic
  Find: embedding vectors for a batch of texts;
* :class:`FineTuningProvider` — Fine-Tune Model: submit (which validates the parameters and the
  training data before anything is sent or queued), follow a job to its end, cancel it.

Everything a run gives a provider travels in :class:`Run`: the settings, the run's job lists (the
step context's ``ai`` part, typed here as :class:`RunJobs`) and the progress callbacks the command
line supplies (:class:`~fmscript.ai.progress.Reporter`). Providers print nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from fmscript.ai.accounts import Account
from fmscript.ai.chat import ChatReply
from fmscript.ai.progress import Reporter, TrainingProgress
from fmscript.settings import Settings

Message = dict[str, Any]  # one chat message as OpenAI's API has it: {"role", "content", …}
JobObject = dict[str, Any]  # a fine-tuning job as OpenAI's API has it (the Response Target's "result")
OnChunk = Callable[[str], None]
OnMessage = Callable[[str], None]


class RunJobs(Protocol):
    """The jobs one run started (the step context's ``ai`` part): local jobs it trains in this
    process (at the end of the run, or when a step first asks for their model), and jobs remote
    providers run (followed with ``fmscript run --wait``)."""

    queued_jobs: list[str]
    remote_jobs: list[tuple[Account, JobObject]]


@attrs.define
class _NoJobs:
    queued_jobs: list[str] = attrs.field(factory=list)
    remote_jobs: list[tuple[Account, JobObject]] = attrs.field(factory=list)


@attrs.frozen
class Run:
    """What a run hands a provider."""

    settings: Settings
    jobs: RunJobs = attrs.field(factory=_NoJobs)
    reporter: Reporter = attrs.field(factory=Reporter)


# What a natural-language step needs the answer to be (ChatRequest.answer_format).
JSON_ANSWER = "json"
SQL_ANSWER = "sql"
# How the start of such an answer looks (a provider that writes the answer's first tokens itself).
ANSWER_STARTS = {JSON_ANSWER: "{", SQL_ANSWER: "SELECT"}


@attrs.frozen
class ChatRequest:
    """One Generate Response from Model round: the messages so far, the provider parameters (a
    JSON object, Temperature already merged in) and the tool definitions.

    ``answer_format`` (the natural-language steps): the answer must be a JSON object
    (:data:`JSON_ANSWER`) or an SQL query (:data:`SQL_ANSWER`); each provider steers the model
    towards it as it can — Local starts the answer itself (:data:`ANSWER_STARTS`, the model
    continues from there), OpenAI asks for JSON mode — and the step checks the answer anyway."""

    model: str
    messages: list[Message]
    params: dict[str, Any] = attrs.field(factory=dict)
    tools: list[dict[str, Any]] = attrs.field(factory=list)
    answer_format: str = ""


@attrs.frozen
class FineTuneRequest:
    """One Fine-Tune Model: the base model, the training JSONL (and the name it is known by) and
    the Fine-Tune Parameters object."""

    base_model: str
    training_file: Path
    training_file_name: str
    params: dict[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class Configure(Protocol):
    def configure(
        self, name: str, endpoint: str, verify_ssl: bool, api_key: str, settings: Settings
    ) -> Account:
        """The account Configure AI Account makes (errors: 11 a required option is missing)."""
        ...


@runtime_checkable
class ChatProvider(Protocol):
    def validate_chat_parameters(self, params: dict[str, Any]) -> None:
        """Refuse (error 14) a Parameters key or value this provider cannot take, before any call."""
        ...

    def generate(self, account: Account, request: ChatRequest, run: Run) -> ChatReply:
        """The model's whole reply."""
        ...

    def stream(self, account: Account, request: ChatRequest, run: Run, on_chunk: OnChunk) -> ChatReply:
        """The reply, each piece of text passed to ``on_chunk`` as it arrives; the whole reply
        is returned as well."""
        ...


@runtime_checkable
class FineTuningProvider(Protocol):
    def submit(self, account: Account, request: FineTuneRequest, run: Run) -> JobObject:
        """Validate the parameters (error 14) and the training data (error 509 listing every bad
        line) before anything is sent or queued; then queue or create the job and record it in
        ``run.jobs``. Returns the job object as the API has it."""
        ...

    def follow(
        self,
        account: Account,
        job: JobObject,
        progress: TrainingProgress,
        on_message: OnMessage,
        settings: Settings,
    ) -> JobObject:
        """Wait for the job to end (training it here when it is a queued local job), reporting
        through ``progress`` and ``on_message``; the final job object."""
        ...

    def cancel(self, account: Account, job_id: str, settings: Settings) -> JobObject:
        """Ask for the job to be cancelled; the job object after the request."""
        ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    def embed(self, account: Account, model: str, texts: list[str], run: Run) -> list[list[float]]:
        """One embedding vector per text, in order (errors: 10 unknown model, the provider's codes)."""
        ...
