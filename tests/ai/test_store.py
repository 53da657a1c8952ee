from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fmscript.ai.jobs import SQLiteStore as JobStore
from fmscript.ai.jobs import TrainingLock
from fmscript.ai.jobs.processes import process_alive
from fmscript.ai.jobs.wire import response_target
from fmscript.errors import ScriptRuntimeError
from fmscript.settings import Settings


def _fake_model(folder: Path, layers: int = 2) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "num_hidden_layers": layers}))
    (folder / "model.safetensors").write_bytes(b"")
    return folder


def test_home_comes_from_the_settings(home: Path) -> None:
    assert Settings.from_env({"FMSCRIPT_HOME": str(home)}).home == home
    store = JobStore(Settings(home_override=home).home)
    assert store.home == home
    assert {p.name for p in home.iterdir()} >= {"base-models", "models", "files", "jobs.sqlite"}


def test_file_and_job_records(home: Path, train_file: Path) -> None:
    store = JobStore(home)
    file = store.files.create(train_file, "my-training-data.jsonl")
    assert file.id.startswith("fm-ft-train-") and Path(file.path).read_bytes() == train_file.read_bytes()
    job = store.jobs.create("demo", file.id, "my-training-data.jsonl", {"fine_tuned_model_name": "x y"})
    again = store.jobs.create("demo", file.id, "my-training-data.jsonl", {"fine_tuned_model_name": "z"})
    assert job.id != again.id
    assert job.id == f"fm-ftjob-{job.created_at}"
    assert response_target(job) == {
        "object": "fine_tuning.job",
        "id": job.id,
        "file_id": file.id,
        "model": "demo",
        "created_at": job.created_at,
        "fine_tuned_model": "fm-mlx-x-y",
        "status": "validating_files",
        "training_file": "my-training-data.jsonl",
        "tags": ["fine-tune"],
    }
    assert [j.id for j in store.jobs.list()] == [again.id, job.id]
    assert store.jobs.set_status(job.id, "queued")
    assert not store.jobs.set_status(job.id, "running", expect=("validating_files",))
    store.jobs.add_event(job.id, "info", "Step 1/2: training loss=1.0", {"step": 1, "train_loss": 1.0})
    events = store.jobs.events(job.id)
    assert events[-1].type == "metrics" and events[-1].data == {"step": 1, "train_loss": 1.0}
    assert store.jobs.events(job.id, after=events[-2].seq) == events[-1:]
    cancelled = store.jobs.request_cancel(job.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at
    with pytest.raises(ScriptRuntimeError) as info:
        store.jobs.get("fm-ftjob-1")
    assert info.value.code == 101


def test_jobs_of_a_dead_process_fail_when_the_store_opens(home: Path, train_file: Path) -> None:
    store = JobStore(home)
    file = store.files.create(train_file)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not process_alive(dead.pid)
    running = store.jobs.create("demo", file.id, "t.jsonl", {}, status="queued", pid=dead.pid)
    store.jobs.set_status(running.id, "running")  # now owned by this (live) process
    orphan = store.jobs.create("demo", file.id, "t.jsonl", {}, status="queued", pid=dead.pid)
    released = store.jobs.create("demo", file.id, "t.jsonl", {}, status="queued")
    assert store.jobs.release(released.id)
    mine = store.jobs.create("demo", file.id, "t.jsonl", {}, status="queued")
    with store.db.tx() as tx:
        tx.execute("UPDATE jobs SET pid = ? WHERE id = ?", (dead.pid, running.id))
    store.close()

    reopened = JobStore(home)
    crashed = reopened.jobs.get(running.id)
    assert crashed.status == "failed"
    assert crashed.error is not None
    assert crashed.error.message == f"the process training it stopped (pid {dead.pid})"
    assert reopened.jobs.get(orphan.id).status == "failed"
    assert reopened.jobs.get(released.id).status == "queued"
    assert reopened.jobs.get(mine.id).status == "queued"
    assert Path(reopened.files.get(file.id).path).is_file()


def test_one_training_lock_at_a_time(home: Path) -> None:
    JobStore(home).close()
    first, second = TrainingLock(home), TrainingLock(home)
    assert first.acquire()
    code = "import sys; from fmscript.ai.jobs import TrainingLock; sys.exit(0 if TrainingLock(sys.argv[1]).acquire() else 3)"
    assert subprocess.run([sys.executable, "-c", code, str(home)]).returncode == 3
    first.release()
    assert second.acquire()
    second.release()


def test_model_registry_and_base_model_resolution(home: Path, tmp_path: Path) -> None:
    store = JobStore(home)
    outside = _fake_model(tmp_path / "elsewhere" / "m")
    store.models.add_base("mine", outside)
    assert store.models.resolve_base("mine") == outside.resolve()
    in_home = _fake_model(home / "base-models" / "local")
    assert store.models.resolve_base("local") == in_home.resolve()
    assert store.models.resolve_base(str(outside)) == outside.resolve()
    snapshot = _fake_model(tmp_path / "hf-cache" / "models--org--tiny" / "snapshots" / "abc123")
    (tmp_path / "hf-cache" / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "hf-cache" / "models--org--tiny" / "refs" / "main").write_text("abc123")
    assert store.models.resolve_base("org/tiny") == snapshot
    assert [m.name for m in store.models.list()] == ["local", "mine"]
    with pytest.raises(ScriptRuntimeError) as info:
        store.models.resolve_base("google/codegemma-7b-it")
    assert info.value.code == 10 and "Hugging Face cache" in info.value.message
    with pytest.raises(ScriptRuntimeError):
        store.models.add_base("bad", tmp_path)
    store.models.remove("mine")
    assert outside.is_dir()  # outside the home: only forgotten
    store.models.remove("local")
    assert not in_home.exists()
