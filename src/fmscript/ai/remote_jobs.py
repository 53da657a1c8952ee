"""Jobs that a remote provider runs (OpenAI, Custom): recorded in the job store when the
Fine-Tune Model step creates them, then retrieved, followed and cancelled through the SDK.

The store keeps the provider, base URL, remote id and last job object — never the key: whoever
follows a job brings the key (the account's, in the run that created it; ``OPENAI_API_KEY`` or
``--api-key-env NAME`` for ``fmscript jobs``).
"""

from __future__ import annotations

import time
from typing import Any

from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import TERMINAL, RemoteJob
from fmscript.ai.progress import TrainingProgress
from fmscript.settings import Settings


def connect(record: RemoteJob, api_key: str, settings: Settings | None = None) -> Any:
    """A :class:`~fmscript.ai.engines.openai_remote.Remote` for a recorded job."""
    from fmscript.ai.engines.openai_remote import Remote

    return Remote(record.provider, record.base_url, api_key, record.verify_ssl, settings)


def refresh(store: Store, record: RemoteJob, remote: Any) -> dict[str, Any]:
    """The job as the provider has it now (and recorded so)."""
    job: dict[str, Any] = remote.retrieve(record.id)
    store.remote.record(record.provider, record.base_url, job)
    return job


def follow(
    store: Store,
    record: RemoteJob,
    remote: Any,
    progress: TrainingProgress | None = None,
    poll: float = 2.0,
    on_message: Any = None,
) -> dict[str, Any]:
    """Poll the job until it has ended, showing its metrics events on the progress bar and passing
    each message event to ``on_message``; returns the final job object."""
    progress = progress or TrainingProgress()
    seen: set[str] = set()
    started = False
    label = record.fine_tuned_model or record.id
    try:
        while True:
            job = refresh(store, record, remote)
            for event in remote.events(record.id):
                key = str(event.get("id"))
                if key in seen:
                    continue
                seen.add(key)
                data = event.get("data") or {}
                if isinstance(data, dict) and "step" in data and "total_steps" in data:
                    if not started:
                        progress.start(
                            str(job.get("fine_tuned_model") or label),
                            int(data["total_steps"]),
                            int(data["step"]),
                        )
                        started = True
                    progress.update(int(data["step"]), data.get("train_loss"), data.get("tokens_per_second"))
                elif on_message is not None and event.get("message"):
                    on_message(str(event["message"]))
            if job.get("status") in TERMINAL:
                return job
            time.sleep(poll)
    finally:
        progress.close()
