"""The local fine-tuning service the Fine-Tune Model step calls (provider ``Local`` / AI Model Server).

``submit`` validates everything, stores the file and a queued job, and returns the Response Target
object at once (no mlx import). ``run_queued`` trains queued jobs in this process; ``generate``
answers with a base or fine-tuned model.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fmscript.ai import datasets, modeldir
from fmscript.ai import home as homes
from fmscript.ai.errors import BAD_PARAMETER, INVALID_TRAINING_DATA, UNKNOWN_MODEL, ai_error
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import Job, Model, ModelCard
from fmscript.ai.jobs.store import open_store
from fmscript.ai.jobs.wire import response_target
from fmscript.ai.params import LocalParams, parse_local_params
from fmscript.ai.progress import ProgressFactory, Reporter, TrainingProgress
from fmscript.errors import FMScriptError
from fmscript.settings import Settings


class LocalFineTuning:
    """Fine-tuning jobs and models of one fmscript home (``Settings.home``)."""

    def __init__(
        self, home: Path, settings: Settings | None = None, reporter: Reporter | None = None
    ) -> None:
        self.home = homes.ensure_home(home)
        self.settings = settings or Settings()
        self.reporter = reporter or Reporter()  # how a base model's download is reported
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.home, self.settings.store)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> LocalFineTuning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(
        self,
        base_model: str,
        training_jsonl: Path | str,
        training_file_name: str,
        params: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Validate parameters, base model and data; queue a job; return the Response Target job.

        Invalid training data raises (code 509) with every bad line in the message (and the
        :class:`~fmscript.ai.datasets.ValidationReport` as ``error.report``); nothing is queued.

        fmscript's safer reading of the seed's warning that a model of the same name is replaced:
        an existing model is replaced only when the new training *succeeds* (the adapter is
        trained into a temporary folder and moved into place at the end), so a cancelled or failed
        job leaves the old model as it was. A default name (no ``fine_tuned_model_name``) is a
        timestamp that the store makes unique when it records the job, atomically across
        processes (``20261130-063538``, ``20261130-063538-2``, …).
        """
        local = parse_local_params(params)
        name_given = bool(str((params or {}).get("fine_tuned_model_name") or "").strip())
        base_path = self.base_model_path(base_model)
        layers = modeldir.layer_count(base_path)
        if layers:
            local = local.capped(layers)
        path = Path(training_jsonl)
        # preference (DPO) data train with DPO unless the parameters name a method
        requested = local.method if (params or {}).get("method") is not None else None
        report = datasets.validate_jsonl(path, method=requested)
        local = dataclasses.replace(local, method=report.method)
        if not report.ok:
            error = ai_error("invalid training data: " + report.format_text(), INVALID_TRAINING_DATA)
            error.report = report  # type: ignore[attr-defined]
            raise error
        if local.batch_size > report.n_examples:
            raise ai_error(
                f"fine-tuning parameter 'batch_size' ({local.batch_size}) is more than the "
                f"{report.n_examples} training examples",
                BAD_PARAMETER,
            )
        name = local.full_name
        store = self.store
        local = self._validation_file(local)
        file = store.files.create(path, training_file_name or path.name)
        job = store.jobs.create(
            base_model,
            file.id,
            training_file_name or path.name,
            local.to_dict(),
            fine_tuned_model=name,
            name_given=name_given,
            base_model_path=base_path,
            status="queued",
            n_examples=report.n_examples,
        )
        store.jobs.add_event(job.id, "info", f"Validated training file: {report.n_examples} examples")
        for note in local.notes:
            store.jobs.add_event(job.id, "warn", note)
        for line, warning in report.warnings[:20]:
            store.jobs.add_event(job.id, "warn", f"{path.name} line {line}: {warning}")
        store.jobs.add_event(job.id, "info", "Job queued")
        return response_target(job)

    def _validation_file(self, local: LocalParams) -> LocalParams:
        """``validation_file`` as a stored file id: a path (Local) is checked and stored first."""
        given = local.validation_file
        if not given:
            return local
        try:
            self.store.files.get(given)
            return local  # already a stored file (the server's files API)
        except FMScriptError:
            pass
        path = Path(given)
        report = datasets.validate_jsonl(path, method=local.method)
        # a validation set may be small: only bad lines are errors
        if any(line for line, _ in report.problems) or not report.n_examples:
            raise ai_error("invalid validation data: " + report.format_text(), INVALID_TRAINING_DATA)
        stored = self.store.files.create(path, path.name)
        return dataclasses.replace(local, validation_file=stored.id)

    def resume(self, job_id: str) -> dict[str, Any]:
        """Queue a new job that trains a failed or cancelled job on from its last resume point
        (a checkpoint of ``save_every``: adapter, optimizer state and step); returns the new job."""
        from fmscript.ai.engines.controls import resume_dir

        job = self.store.jobs.get(job_id)
        if job.status not in ("failed", "cancelled"):
            raise ai_error(
                f"job {job_id} is {job.status}: only a failed or cancelled job can be resumed",
                BAD_PARAMETER,
            )
        if not (resume_dir(self.home, job_id) / "state.json").is_file():
            raise ai_error(
                f"job {job_id} saved no checkpoint to resume from (train with the parameter save_every)",
                UNKNOWN_MODEL,
            )
        path = self.store.files.local_path(job.file_id)
        from fmscript.ai.params import DEFAULTS

        # the job's parameters as given (the stored record spells out every default too)
        given = {
            k: v
            for k, v in job.params.items()
            if k not in DEFAULTS or (tuple(v) if isinstance(v, list) else v) != DEFAULTS[k]
        }
        params = {**given, "resume_from": job_id}
        return self.submit(job.model, path, job.training_file, params)

    def run_queued(
        self, job_ids: list[str] | None = None, progress: ProgressFactory = TrainingProgress
    ) -> list[Job]:
        """Train jobs one after another here (default: the queued jobs this process submitted),
        following any that another process trains; Ctrl-C cancels the rest. ``progress`` makes
        each job's progress callbacks (default, or a bool as the callers of old pass: none — ai/
        draws nothing itself). Returns the final jobs."""
        progress = _factory(progress)
        from fmscript.ai.jobs.worker import run_job

        store = self.store
        if job_ids is None:
            queued = store.jobs.list(status="queued")
            job_ids = [job.id for job in reversed(queued) if job.pid == os.getpid()]
        finished = []
        for index, job_id in enumerate(job_ids):
            try:
                finished.append(run_job(store, job_id, progress(), settings=self.settings))
            except KeyboardInterrupt:
                finished.append(store.jobs.get(job_id))
                for rest in job_ids[index + 1 :]:
                    store.jobs.request_cancel(rest)
                    finished.append(store.jobs.get(rest))
                break
        return finished

    def release(self, job_ids: list[str] | None = None) -> list[str]:
        """Leave jobs queued after this process ends (default: every queued job it submitted), for
        ``fmscript jobs wait ID`` or the server to train; returns the ids released."""
        store = self.store
        if job_ids is None:
            job_ids = [job.id for job in store.jobs.list(status="queued") if job.pid == os.getpid()]
        return [job_id for job_id in job_ids if store.jobs.release(job_id)]

    def retrieve(self, job_id: str) -> Job:
        return self.store.jobs.get(job_id)

    def cancel(self, job_id: str) -> Job:
        return self.store.jobs.request_cancel(job_id)

    def list_models(self) -> list[Model]:
        return self.store.models.list()

    def delete_model(self, name: str, missing_ok: bool = False) -> bool:
        """Remove a fine-tuned model (registry row and folder); False when there was none."""
        folder = homes.models_dir(self.home) / name
        try:
            self.store.models.remove(name)
            removed = True
        except FMScriptError:
            if not missing_ok and not folder.exists():
                raise
            removed = False
        if folder.is_dir() and name and "/" not in name:
            shutil.rmtree(folder, ignore_errors=True)
            removed = True
        return removed

    def dependants(self, base: str) -> list[str]:
        """The fine-tuned models trained on base model ``base`` (by its name or its folder): they
        stop working when it is removed."""
        models = self.store.models.list()
        paths = {m.path for m in models if m.name == base and m.kind == "base"}
        return sorted(
            m.name
            for m in models
            if m.kind == "fine-tuned" and m.base_model and (m.base_model == base or m.base_model in paths)
        )

    def model_paths(self, model: str) -> tuple[Path, Path | None]:
        """(base model folder, adapter folder or None) for a fine-tuned or base model name."""
        folder = self.store.models.fetch(model)  # a shared store brings the adapter here
        if folder is not None:
            return self._adapter_base(model, folder), folder
        if model.startswith("fm-mlx-"):
            jobs = [j for j in self.store.jobs.list() if j.fine_tuned_model == model]
            state = f" (its job {jobs[0].id} is {jobs[0].status})" if jobs else ""
            raise ai_error(f"no such fine-tuned model: {model}{state}", UNKNOWN_MODEL)
        return self.base_model_path(model), None

    def base_model_path(self, name: str) -> Path:
        """A base model's folder; a hub id that is not here yet is downloaded now (announced on
        the reporter's download progress), unless fmscript runs offline."""
        from fmscript.ai import hub

        return hub.ensure_local(
            self.store, name, self.settings, self.reporter.download(), self._download_news
        )

    def _adapter_base(self, model: str, folder: Path) -> Path:
        """The base model of a fine-tuned model: by name from its card, else by its recorded path."""
        card = ModelCard.read(folder)
        names = [card.base_model] if card is not None and card.base_model else []
        try:
            recorded = json.loads((folder / "adapter_config.json").read_text("utf-8"))
            if isinstance(recorded, dict) and isinstance(recorded.get("model"), str):
                names.append(recorded["model"])  # mlx_lm's adapter config: its base model's path
        except (OSError, ValueError):
            pass
        for name in names:
            try:
                return self.store.models.resolve_base(name)
            except FMScriptError:
                continue
        raise ai_error(f"the base model of {model} can no longer be found", UNKNOWN_MODEL)

    def generate(
        self,
        model: str,
        messages: list[dict[str, Any]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> str:
        """The assistant's reply from a base model or a fine-tuned ``fm-mlx-…`` model."""
        return "".join(self.generate_stream(model, messages, max_tokens, temperature, seed))

    def generate_stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
        prefix: str = "",
    ) -> Iterator[str]:
        """The reply as text chunks as they are generated. Bad messages or an unknown model raise
        here, at the call; the model loads at the first ``next`` and stays resident in this
        process, one at a time, for the next call that asks for it. ``prefix``: the reply starts
        with it and the model continues it (see ``mlx_generate.stream_generate``)."""
        _check_messages(messages)
        base, adapter = self.model_paths(model)
        from fmscript.ai.engines import mlx_generate

        return mlx_generate.stream_generate(
            base, adapter, messages, max_tokens=max_tokens, temperature=temperature, seed=seed, prefix=prefix
        )

    def wait(self, job_id: str, progress: ProgressFactory | bool = TrainingProgress) -> Job:
        """Run ``job_id`` here when it is queued and free, else follow it; return it once it ended."""
        job = self.store.jobs.get(job_id)
        if job.terminal:
            return job
        from fmscript.ai.jobs.worker import run_job

        return run_job(self.store, job_id, _factory(progress)(), settings=self.settings)

    def _download_news(self, level: str, message: str, data: dict[str, Any]) -> None:
        """A download's start and end lines (its progress shows the percentages)."""
        if "%" not in message:
            self.reporter.say(message)


def _factory(progress: ProgressFactory | bool) -> ProgressFactory:
    """The progress factory; a bool (``progress=False``, the former API) means no callbacks."""
    return progress if callable(progress) else TrainingProgress


def _check_messages(messages: object) -> None:
    if not isinstance(messages, list) or not all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
        for m in messages
    ):
        raise ai_error("messages must be a list of {role, content} objects", BAD_PARAMETER)
