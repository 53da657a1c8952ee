"""Models are never silently lost (issue 13, item 6): unique default names per job, an existing
model replaced only when the new training succeeds (cancel and failure keep it), models on disk
found again when the job store is emptied, and ``models demo`` names that stay in the home."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from fmscript.ai.jobs import open_store
from fmscript.ai.service import LocalFineTuning
from tests.ai.test_training import _wait_for_steps


def _fake_base(folder: Path) -> Path:
    """A folder that looks like a model (config + weights file) but cannot be loaded."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "num_hidden_layers": 2}))
    (folder / "model.safetensors").write_bytes(b"not weights")
    return folder


def _old_model(root: Path, service: LocalFineTuning, name: str) -> Path:
    """A fine-tuned model already in place, with a marker file to tell it from a new one."""
    folder = root / "models" / name
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    (folder / "card.json").write_text(json.dumps({"base_model": "demo", "job_id": "fm-ftjob-old"}))
    (folder / "OLD").write_text("the previous model")
    service.store.models.add_fine_tuned(name, folder, "demo", "fm-ftjob-old")
    return folder


def test_default_names_are_unique_per_job(home: Path, train_file: Path) -> None:
    _fake_base(home / "base-models" / "demo")
    service = LocalFineTuning(home)
    names = [service.submit("demo", train_file, "t.jsonl", {})["fine_tuned_model"] for _ in range(3)]
    assert len(set(names)) == 3, names
    # An explicit name is the user's choice and stays as given.
    again = [
        service.submit("demo", train_file, "t.jsonl", {"fine_tuned_model_name": "same"}) for _ in range(2)
    ]
    assert {job["fine_tuned_model"] for job in again} == {"fm-mlx-same"}


def test_a_failed_training_keeps_the_old_model(home: Path, train_file: Path) -> None:
    pytest.importorskip("mlx_lm")
    _fake_base(home / "base-models" / "demo")
    service = LocalFineTuning(home)
    old = _old_model(home, service, "fm-mlx-kept")
    job = service.submit("demo", train_file, "t.jsonl", {"fine_tuned_model_name": "kept", "max_steps": 2})
    assert (old / "OLD").exists()  # submitting deletes nothing
    [final] = service.run_queued([job["id"]])
    assert final.status == "failed"
    assert (old / "OLD").exists()
    assert any(m.name == "fm-mlx-kept" for m in service.list_models())


def test_a_cancelled_queued_job_keeps_the_old_model(home: Path, train_file: Path) -> None:
    _fake_base(home / "base-models" / "demo")
    service = LocalFineTuning(home)
    old = _old_model(home, service, "fm-mlx-kept")
    job = service.submit("demo", train_file, "t.jsonl", {"fine_tuned_model_name": "kept"})
    assert service.cancel(job["id"]).status == "cancelled"
    assert (old / "OLD").exists()
    assert service.model_paths("fm-mlx-kept")[1] == old


@pytest.mark.slow
def test_cancel_mid_training_keeps_and_success_replaces_the_old_model(
    demo_home: Path, train_file: Path
) -> None:
    service = LocalFineTuning(demo_home)
    old = _old_model(demo_home, service, "fm-mlx-twice")
    job = service.submit(
        "demo", train_file, "t.jsonl", {"max_steps": 100_000, "fine_tuned_model_name": "twice"}
    )

    def cancel_when_running() -> None:
        _wait_for_steps(demo_home, job["id"])
        open_store(demo_home).jobs.request_cancel(job["id"])

    thread = threading.Thread(target=cancel_when_running)
    thread.start()
    [final] = service.run_queued([job["id"]])
    thread.join()
    assert final.status == "cancelled"
    assert (old / "OLD").exists(), "a cancelled training must not delete the model it would replace"

    job = service.submit("demo", train_file, "t.jsonl", {"max_steps": 2, "fine_tuned_model_name": "twice"})
    [final] = service.run_queued([job["id"]])
    assert final.status == "succeeded", final.error
    assert not (old / "OLD").exists() and (old / "adapters.safetensors").exists()
    [model] = [m for m in service.list_models() if m.name == "fm-mlx-twice"]
    assert model.job_id == job["id"]
    messages = [e.message for e in service.store.jobs.events(job["id"])]
    assert "Replaced the earlier model fm-mlx-twice (trained by job fm-ftjob-old)" in messages

    # A re-created job store finds the model again from its adapter and card.
    service.close()
    for suffix in ("", "-wal", "-shm"):
        (demo_home / f"jobs.sqlite{suffix}").unlink(missing_ok=True)
    fresh = LocalFineTuning(demo_home)
    assert fresh.store.jobs.list() == []
    [found] = [m for m in fresh.list_models() if m.name == "fm-mlx-twice"]
    assert found.kind == "fine-tuned" and found.base_model == "demo" and found.job_id == job["id"]
    assert fresh.store.models.get("fm-mlx-twice").path == str(old.resolve())
    assert fresh.model_paths("fm-mlx-twice")[1] == old
