"""The Local provider (fmscript's extension): mlx-lm in this process, a thin adapter over
:class:`~fmscript.ai.service.LocalFineTuning` (the job store, ``engines.mlx_local``).

* Chat: a base model or an ``fm-mlx-…`` adapter on its base, loaded once and kept resident. It
  takes the parameters in :data:`CHAT_PARAMETERS` only (error 14 names the one it does not take)
  and cannot call tools. A model that a Fine-Tune Model step of the same run queued is trained
  first (with the progress callbacks), so one script can fine-tune and then ask. An unknown model
  is error 10 listing the models there are.
* Embeddings: the mean-pooled, normalised last hidden state of the same models.
* Fine-tuning: the job is queued in the store and trained in this process when the run ends (or
  when a step first asks for its model); ``FMSCRIPT_MAX_STEPS`` caps ``max_steps``.
"""

from __future__ import annotations

import math
from typing import Any

from fmscript.ai.accounts import Account
from fmscript.ai.chat import ChatReply
from fmscript.ai.errors import BAD_PARAMETER, UNKNOWN_MODEL, ai_error
from fmscript.ai.progress import TrainingProgress
from fmscript.ai.providers.base import (
    ANSWER_STARTS,
    ChatRequest,
    FineTuneRequest,
    JobObject,
    OnChunk,
    OnMessage,
    Run,
)
from fmscript.errors import ScriptRuntimeError
from fmscript.settings import Settings

CHAT_PARAMETERS = ("temperature", "max_tokens", "max_completion_tokens", "seed")
DEFAULT_MAX_TOKENS = 256


class LocalProvider:
    name = "Local"

    def configure(
        self, name: str, endpoint: str, verify_ssl: bool, api_key: str, settings: Settings
    ) -> Account:
        return Account(name, self.name, endpoint, verify_ssl, api_key)

    # -- chat ------------------------------------------------------------------------------------

    def validate_chat_parameters(self, params: dict[str, Any]) -> None:
        _chat_options(params)

    def generate(self, account: Account, request: ChatRequest, run: Run) -> ChatReply:
        return self._chat(request, run, None)

    def stream(self, account: Account, request: ChatRequest, run: Run, on_chunk: OnChunk) -> ChatReply:
        return self._chat(request, run, on_chunk)

    def _chat(self, request: ChatRequest, run: Run, on_chunk: OnChunk | None) -> ChatReply:
        max_tokens, temperature, seed = _chat_options(request.params)
        from fmscript.ai.service import LocalFineTuning

        with LocalFineTuning(run.settings.home, run.settings, run.reporter) as service:
            _train_first(service, request.model, run)
            try:
                chunks = service.generate_stream(
                    request.model,
                    request.messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    seed=seed,
                    prefix=ANSWER_STARTS.get(request.answer_format, ""),
                )
            except ScriptRuntimeError as exc:
                _name_the_models(exc, service)
                raise
            text = []
            for chunk in chunks:
                text.append(chunk)
                if on_chunk is not None:
                    on_chunk(chunk)
        return ChatReply("".join(text))

    # -- embeddings ------------------------------------------------------------------------------

    def embed(self, account: Account, model: str, texts: list[str], run: Run) -> list[list[float]]:
        """Mean-pooled, normalised last hidden state of a base or fine-tuned model (see
        ``engines.mlx_embed``); a model this run queued is trained first, as for chat."""
        from fmscript.ai.engines import mlx_embed
        from fmscript.ai.service import LocalFineTuning

        with LocalFineTuning(run.settings.home, run.settings, run.reporter) as service:
            _train_first(service, model, run)
            try:
                base, adapter = service.model_paths(model)
            except ScriptRuntimeError as exc:
                _name_the_models(exc, service)
                raise
            return mlx_embed.embed(base, adapter, texts)

    # -- fine-tuning -----------------------------------------------------------------------------

    def submit(self, account: Account, request: FineTuneRequest, run: Run) -> JobObject:
        from fmscript.ai.service import LocalFineTuning

        params = _cap_steps(request.params, run.settings.max_steps)
        with LocalFineTuning(run.settings.home, run.settings, run.reporter) as service:
            job = service.submit(
                request.base_model, request.training_file, request.training_file_name, params
            )
        run.jobs.queued_jobs.append(job["id"])
        return job

    def follow(
        self,
        account: Account,
        job: JobObject,
        progress: TrainingProgress,
        on_message: OnMessage,
        settings: Settings,
    ) -> JobObject:
        from fmscript.ai.jobs.wire import job_object
        from fmscript.ai.service import LocalFineTuning

        with LocalFineTuning(settings.home, settings) as service:
            return job_object(service.wait(str(job["id"]), lambda: progress), "ai_model_server")

    def cancel(self, account: Account, job_id: str, settings: Settings) -> JobObject:
        from fmscript.ai.jobs.wire import job_object
        from fmscript.ai.service import LocalFineTuning

        with LocalFineTuning(settings.home, settings) as service:
            return job_object(service.cancel(job_id), "ai_model_server")


def _name_the_models(exc: ScriptRuntimeError, service: Any) -> None:
    """An unknown model's error lists the models there are."""
    if exc.code == UNKNOWN_MODEL:
        names = [m.name for m in service.list_models()]
        exc.message += "; available models: " + (", ".join(names) or "none (see fmscript models demo)")


def _chat_options(params: dict[str, Any]) -> tuple[int, float, int | None]:
    """(max_tokens, temperature, seed) from Parameters, or error 14."""
    unknown = sorted(set(params) - set(CHAT_PARAMETERS))
    if unknown:
        raise ai_error(
            f"the Local provider does not take the parameter {unknown[0]!r} "
            f"(it takes {', '.join(CHAT_PARAMETERS)})",
            BAD_PARAMETER,
        )
    max_tokens = _whole(
        params.get("max_tokens", params.get("max_completion_tokens", DEFAULT_MAX_TOKENS)), "max_tokens"
    )
    seed = params.get("seed")
    temperature = params.get("temperature", 0.0)
    if (
        not isinstance(temperature, (int, float))
        or isinstance(temperature, bool)
        or not 0 <= temperature <= 2
    ):
        raise ai_error("temperature must be a number from 0 to 2", BAD_PARAMETER)
    return max_tokens, float(temperature), None if seed is None else _whole(seed, "seed")


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 0:
        raise ai_error(f"{name} must be a whole number 0 or more", BAD_PARAMETER)
    return int(value)


def _train_first(service: Any, model: str, run: Run) -> None:
    """A model that a Fine-Tune Model step of this run queued is trained now, before it is used
    (Local jobs otherwise train when the script ends), so one script can fine-tune and then ask."""
    queued = run.jobs.queued_jobs
    mine = [j for j in queued if service.retrieve(j).fine_tuned_model == model]
    if not mine:
        return
    for job in service.run_queued(mine, progress=run.reporter.training):
        queued.remove(job.id)
        if job.status != "succeeded":
            reason = job.error.message if job.error else ""
            raise ai_error(
                f"the fine-tuning job {job.id} of {model} ended {job.status}: {reason}", UNKNOWN_MODEL
            )


def _cap_steps(params: dict[str, Any], cap: int | None) -> dict[str, Any]:
    """FMSCRIPT_MAX_STEPS caps max_steps of local jobs (CI and demos run documented scripts that
    ask for 1000+ steps); the job records the capped value."""
    if cap is None:
        return params
    try:
        asked = float(str(params.get("max_steps", 1000)).strip())
    except ValueError:
        asked = math.nan  # not a number: the cap stands in for it
    if not asked <= cap:
        return {**params, "max_steps": cap}
    return params
