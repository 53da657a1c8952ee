from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fmscript.ai.jobs import JobStore, TrainingLock, to_response
from fmscript.ai.jobs.store import process_alive
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
    file = store.create_file(train_file, "my-training-data.jsonl")
    assert (
        file["id"].startswith("fm-ft-train-") and Path(file["path"]).read_bytes() == train_file.read_bytes()
    )
    job = store.create_job("demo", file["id"], "my-training-data.jsonl", {"fine_tuned_model_name": "x y"})
    again = store.create_job("demo", file["id"], "my-training-data.jsonl", {"fine_tuned_model_name": "z"})
    assert job["id"] != again["id"]
    assert job["id"] == f"fm-ftjob-{job['created_at']}"
    assert to_response(job) == {
        "object": "fine_tuning.job",
        "id": job["id"],
        "file_id": file["id"],
        "model": "demo",
        "created_at": job["created_at"],
        "fine_tuned_model": "fm-mlx-x-y",
        "status": "validating_files",
        "training_file": "my-training-data.jsonl",
        "tags": ["fine-tune"],
    }
    assert [j["id"] for j in store.list_jobs()] == [again["id"], job["id"]]
    assert store.set_status(job["id"], "queued")
    assert not store.set_status(job["id"], "running", expect=("validating_files",))
    store.add_event(job["id"], "info", "Step 1/2: training loss=1.0", {"step": 1, "train_loss": 1.0})
    events = store.events(job["id"])
    assert events[-1]["type"] == "metrics" and events[-1]["data"] == {"step": 1, "train_loss": 1.0}
    assert store.events(job["id"], after=events[-2]["seq"]) == events[-1:]
    cancelled = store.request_cancel(job["id"])
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
    with pytest.raises(ScriptRuntimeError) as info:
        store.get_job("fm-ftjob-1")
    assert info.value.code == 101


def test_jobs_of_a_dead_process_fail_when_the_store_opens(home: Path, train_file: Path) -> None:
    store = JobStore(home)
    file = store.create_file(train_file)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not process_alive(dead.pid)
    running = store.create_job("demo", file["id"], "t.jsonl", {}, status="queued", pid=dead.pid)
    store.set_status(running["id"], "running")  # now owned by this (live) process
    orphan = store.create_job("demo", file["id"], "t.jsonl", {}, status="queued", pid=dead.pid)
    released = store.create_job("demo", file["id"], "t.jsonl", {}, status="queued")
    assert store.release(released["id"])
    mine = store.create_job("demo", file["id"], "t.jsonl", {}, status="queued")
    store._db.execute("UPDATE jobs SET pid = ? WHERE id = ?", (dead.pid, running["id"]))
    store.close()

    reopened = JobStore(home)
    crashed = reopened.get_job(running["id"])
    assert crashed["status"] == "failed"
    assert crashed["error"]["message"] == f"the process training it stopped (pid {dead.pid})"
    assert reopened.get_job(orphan["id"])["status"] == "failed"
    assert reopened.get_job(released["id"])["status"] == "queued"
    assert reopened.get_job(mine["id"])["status"] == "queued"
    assert Path(reopened.get_file(file["id"])["path"]).is_file()


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
    store.add_base_model("mine", outside)
    assert store.resolve_base_model("mine") == outside.resolve()
    in_home = _fake_model(home / "base-models" / "local")
    assert store.resolve_base_model("local") == in_home.resolve()
    assert store.resolve_base_model(str(outside)) == outside.resolve()
    snapshot = _fake_model(tmp_path / "hf-cache" / "models--org--tiny" / "snapshots" / "abc123")
    (tmp_path / "hf-cache" / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "hf-cache" / "models--org--tiny" / "refs" / "main").write_text("abc123")
    assert store.resolve_base_model("org/tiny") == snapshot
    assert [m["name"] for m in store.list_models()] == ["local", "mine"]
    with pytest.raises(ScriptRuntimeError) as info:
        store.resolve_base_model("google/codegemma-7b-it")
    assert info.value.code == 10 and "Hugging Face cache" in info.value.message
    with pytest.raises(ScriptRuntimeError):
        store.add_base_model("bad", tmp_path)
    store.remove_model("mine")
    assert outside.is_dir()  # outside the home: only forgotten
    store.remove_model("local")
    assert not in_home.exists()
