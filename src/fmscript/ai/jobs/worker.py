"""Run one queued job in this process, or follow it while another process runs it.

Only one training runs at a time on a home (:class:`TrainingLock`); a job waits for the lock while
queued. Claiming is atomic (queued → running), so two processes never train the same job.
"""

from __future__ import annotations

import os
import shutil
import time
import traceback

from fmscript.ai import errors as codes
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.processes import TrainingLock
from fmscript.ai.jobs.records import Event, Job, JobError
from fmscript.ai.jobs.sql_jobs import model_tmp_dir
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
    store: Store, job_id: str, code: str, message: str, fm_code: int, detail: str | None = None
) -> None:
    error = JobError(code, message, None, fm_code)
    store.jobs.set_status(
        job_id, "failed", error=error, message=f"Job failed: {message}", expect=("running",)
    )
    if detail:
        store.jobs.add_event(job_id, "error", "traceback", {"traceback": detail})


def run_job(
    store: Store,
    job_id: str,
    progress: TrainingProgress | None = None,
    poll: float = 0.25,
    settings: Settings | None = None,
) -> Job:
    """Train ``job_id`` here when it is queued (after the lock is free); follow it when another
    process trains it; return the job once it has ended. Ctrl-C cancels a job trained here and is
    raised again afterwards."""

    progress = progress or TrainingProgress()
    lock = TrainingLock(store.home)
    waiting_said = False
    while True:
        job = store.jobs.get(job_id)
        if job.terminal:
            return job
        if job.status == "running" and job.pid != os.getpid():
            return follow_job(store, job_id, progress)
        if job.status == "queued" and lock.acquire():
            if store.jobs.claim(job_id):
                break
            lock.release()
            continue
        if not waiting_said:
            progress.message(f"{job_id} is waiting for another training to finish")
            waiting_said = True
        store.jobs.reap_dead()
        time.sleep(poll)
    try:
        return train_claimed(store, job_id, progress, settings)
    finally:
        lock.release()


def train_claimed(
    store: Store, job_id: str, progress: TrainingProgress | None = None, settings: Settings | None = None
) -> Job:
    """Train a job this process has claimed (it is ``running``, owned here) to its end: succeeded,
    cancelled or failed with the reason. Ctrl-C cancels it and is raised again."""
    from fmscript.ai.engines import mlx_local

    progress = progress or TrainingProgress()
    try:
        job = store.jobs.get(job_id)
        card = mlx_local.train_job(store, job, progress, settings or Settings())
        store.jobs.set_status(
            job_id,
            "succeeded",
            result=card,
            trained_tokens=card.trained_tokens,
            message=f"Fine-tuning succeeded: {job.fine_tuned_model}",
            expect=("running",),
        )
    except mlx_local.TrainingCancelled:
        store.jobs.set_status(job_id, "cancelled", message="Job cancelled", expect=("running",))
    except KeyboardInterrupt:
        store.jobs.set_status(
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
    return store.jobs.get(job_id)


def follow_job(store: Store, job_id: str, progress: TrainingProgress | None = None, poll: float = 0.5) -> Job:
    """Show another process's training of ``job_id`` (from its events) until the job ends."""
    progress = progress or TrainingProgress()
    seen = 0
    started = False
    try:
        while True:
            store.jobs.reap_dead()
            job = store.jobs.get(job_id)
            for event in store.jobs.events(job_id, after=seen):
                seen = event.seq
                step = metrics_step(event)
                if step is not None:
                    if not started:
                        progress.start(job.fine_tuned_model, step[1], completed=step[0])
                        started = True
                    progress.update(step[0], step[2], step[3])
            if job.terminal:
                return job
            time.sleep(poll)
    finally:
        progress.close()


def metrics_step(event: Event) -> tuple[int, int, float | None, float | None] | None:
    """(step, total steps, training loss, tokens/s) of a training-progress event, else None.
    The trainer's metrics events carry them in ``data`` (see mlx_local's callback)."""
    data = event.data or {}
    step, total = data.get("step"), data.get("total_steps")
    if not isinstance(step, int) or not isinstance(total, int):
        return None
    loss, tps = data.get("train_loss"), data.get("tokens_per_second")
    return (
        step,
        total,
        float(loss) if isinstance(loss, int | float) else None,
        float(tps) if isinstance(tps, int | float) else None,
    )
