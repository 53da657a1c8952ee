"""The server's queue takes every job nobody alive owns: its own, and those ``fmscript run
--no-wait`` released; a job a live process still owns is left to it."""

from __future__ import annotations

import os
from pathlib import Path

from fmscript.ai.jobs.store import open_store
from fmscript.server.queue import TrainingQueue
from tests.server.conftest import jsonl


def test_queue_picks_released_jobs_oldest_first(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(jsonl(), "utf-8")
    store = open_store(tmp_path / "home")
    file = store.files.create(data)
    owned = store.jobs.create("demo", file.id, "d.jsonl", {}, status="queued", pid=os.getppid())
    first = store.jobs.create("demo", file.id, "d.jsonl", {}, status="queued")
    second = store.jobs.create("demo", file.id, "d.jsonl", {}, status="queued")
    assert store.jobs.release(first.id) and store.jobs.release(second.id)  # what `run --no-wait` does
    assert TrainingQueue.next_job(store) == first.id
    store.jobs.request_cancel(first.id)
    assert TrainingQueue.next_job(store) == second.id
    store.jobs.request_cancel(second.id)
    assert TrainingQueue.next_job(store) is None  # the parent process's own job stays its own
    assert store.jobs.get(owned.id).status == "queued"
