"""Run one queued job in this process, or follow it while another process runs it.

Only one training runs at a time on a home (:class:`TrainingLock`); a job waits for the lock while
queued. Claiming is atomic (queued → running), so two processes never train the same job.
"""

from __future__ import annotations

import os
import shutil
import time
import traceback
from typing import Any

from fmscript.ai import errors as codes
from fmscript.ai.jobs.store import TERMINAL, JobStore, TrainingLock, model_tmp_dir
from fmscript.ai.progress import TrainingProgress
from fmscript.errors import FMScriptError
from fmscript.settings import Settings

ERROR_SLUGS = {
    codes.INVALID_TRAINING_DATA: "invalid_training_file",
    codes.UNKNOWN_MODEL: "model_not_found",
    codes.BAD_PARAMETER: "invalid_parameter",
    codes.UNAVAILABLE: "unavailable",
    codes.FILE_MISSING: "file_not_found",
}


def _fail(
    store: JobStore, job_id: str, code: str, message: str, fm_code: int, detail: str | None = None
) -> None:
    error = {"code": code, "message": message, "param": None, "fm_error": fm_code}
    store.set_status(job_id, "failed", error=error, message=f"Job failed: {message}", expect=("running",))
    if detail:
        store.add_event(job_id, "error", "traceback", {"traceback": detail})


def run_job(
    store: JobStore,
    job_id: str,
    progress: TrainingProgress | None = None,
    poll: float = 0.25,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Train ``job_id`` here when it is queued (after the lock is free); follow it when another
    process trains it; return the job once it has ended. Ctrl-C cancels a job trained here and is
    raised again afterwards."""
    from fmscript.ai.engines import mlx_local

    progress = progress or TrainingProgress()
    lock = TrainingLock(store.home)
    waiting_said = False
    while True:
        job = store.get_job(job_id)
        if job["status"] in TERMINAL:
            return job
        if job["status"] == "running" and job["pid"] != os.getpid():
            return follow_job(store, job_id, progress)
        if job["status"] == "queued" and lock.acquire():
            if store.claim(job_id):
                break
            lock.release()
            continue
        if not waiting_said:
            progress.message(f"{job_id} is waiting for another training to finish")
            waiting_said = True
        store.reap_dead()
        time.sleep(poll)
    try:
        job = store.get_job(job_id)
        card = mlx_local.train_job(store, job, progress, settings or Settings())
        store.set_status(
            job_id,
            "succeeded",
            result=card,
            trained_tokens=card.get("trained_tokens"),
            message=f"Fine-tuning succeeded: {job['fine_tuned_model']}",
            expect=("running",),
        )
    except mlx_local.TrainingCancelled:
        store.set_status(job_id, "cancelled", message="Job cancelled", expect=("running",))
    except KeyboardInterrupt:
        store.set_status(
            job_id, "cancelled", message="Job cancelled by the user (Ctrl-C)", expect=("running",)
        )
        raise
    except FMScriptError as exc:
        fm_code = exc.code if exc.code is not None else codes.UNEXPECTED
        _fail(store, job_id, ERROR_SLUGS.get(fm_code, "error"), exc.message, fm_code)
    except Exception as exc:
        _fail(
            store,
            job_id,
            "internal_error",
            f"{type(exc).__name__}: {exc}",
            codes.UNEXPECTED,
            traceback.format_exc(),
        )
    finally:
        progress.close()
        shutil.rmtree(model_tmp_dir(store.home, job_id), ignore_errors=True)
        lock.release()
    return store.get_job(job_id)


def follow_job(
    store: JobStore, job_id: str, progress: TrainingProgress | None = None, poll: float = 0.5
) -> dict[str, Any]:
    """Show another process's training of ``job_id`` (from its events) until the job ends."""
    progress = progress or TrainingProgress()
    seen = 0
    started = False
    try:
        while True:
            store.reap_dead()
            job = store.get_job(job_id)
            for event in store.events(job_id, after=seen):
                seen = event["seq"]
                data = event["data"] or {}
                if "step" in data and "total_steps" in data:
                    if not started:
                        progress.start(job["fine_tuned_model"], data["total_steps"], completed=data["step"])
                        started = True
                    progress.update(data["step"], data.get("train_loss"), data.get("tokens_per_second"))
            if job["status"] in TERMINAL:
                return job
            time.sleep(poll)
    finally:
        progress.close()
