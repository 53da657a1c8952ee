"""Real training on the demo model: memorisation, adapters, generation, cancel, Ctrl-C and crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from fmscript.ai.jobs import SQLiteStore as JobStore
from fmscript.ai.service import LocalFineTuning
from tests.processes import spawned

from .conftest import QA

pytestmark = pytest.mark.slow


def test_training_memorises_and_the_adapter_changes_generation(demo_home: Path, train_file: Path) -> None:
    service = LocalFineTuning(demo_home)
    job = service.submit(
        "demo",
        train_file,
        "my-training-data.jsonl",
        {"max_steps": 60, "batch_size": 2, "fine_tuned_model_name": "memo"},
    )
    [done] = service.run_queued()
    assert done.id == job["id"]
    assert done.status == "succeeded", done.error
    card = done.result
    assert card is not None and card.final_train_loss is not None and card.initial_train_loss is not None
    assert card.final_train_loss < 0.5 * card.initial_train_loss, card
    assert card.steps == 60 and card.data.n_examples == 12 and len(card.data.sha256 or "") == 64
    assert (card.tokens_per_second or 0) > 0 and (card.trained_tokens or 0) > 0 and card.world_size == 1

    folder = demo_home / "models" / "fm-mlx-memo"
    assert {p.name for p in folder.iterdir()} == {"adapters.safetensors", "adapter_config.json", "card.json"}
    assert json.loads((folder / "card.json").read_text())["base_model"] == "demo"
    [model] = [m for m in service.list_models() if m.name == "fm-mlx-memo"]
    assert model.kind == "fine-tuned" and model.base_model == "demo" and model.job_id == job["id"]

    metrics = [e.data for e in service.store.jobs.events(job["id"]) if e.data and "train_loss" in e.data]
    assert metrics[-1]["step"] == 60
    assert {"tokens_per_second", "peak_memory_gb", "learning_rate"} <= set(metrics[-1])

    import mlx_lm

    mlx_lm.load(str(service.model_paths("demo")[0]), adapter_path=str(folder))  # the format mlx-lm reads

    question = [{"role": "user", "content": QA[0][0]}]
    tuned = service.generate("fm-mlx-memo", question, max_tokens=8)
    base = service.generate("demo", question, max_tokens=8)
    assert tuned != base


def _script(home: Path, data: Path, steps: int, name: str) -> str:
    return textwrap.dedent(
        f"""
        from pathlib import Path
        from fmscript.ai.service import LocalFineTuning
        service = LocalFineTuning(Path({str(home)!r}))
        job = service.submit("demo", {str(data)!r}, "t.jsonl", {{"max_steps": {steps}, "fine_tuned_model_name": {name!r}}})
        print(job["id"], flush=True)
        [final] = service.run_queued()
        print(final.status, flush=True)
        """
    )


def _wait_for_steps(home: Path, job_id: str, timeout: float = 90.0) -> None:
    store = JobStore(home)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e.data and "train_loss" in e.data for e in store.jobs.events(job_id)):
            store.close()
            return
        time.sleep(0.2)
    raise AssertionError("the training never reported a step")


def test_kill_9_mid_training_fails_the_job_and_keeps_the_rest(demo_home: Path, train_file: Path) -> None:
    store = JobStore(demo_home)
    other_file = store.files.create(train_file, "other.jsonl")
    other = store.jobs.create(
        "demo", other_file.id, "other.jsonl", {"fine_tuned_model_name": "other"}, status="queued"
    )
    store.close()
    with spawned(
        [sys.executable, "-c", _script(demo_home, train_file, 100_000, "crash")],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        job_id = proc.stdout.readline().strip()  # type: ignore[union-attr]
        _wait_for_steps(demo_home, job_id)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    reopened = JobStore(demo_home)
    crashed = reopened.jobs.get(job_id)
    assert crashed.status == "failed" and crashed.error is not None
    assert crashed.error.message == f"the process training it stopped (pid {proc.pid})"
    assert reopened.jobs.get(other.id).status == "queued"
    assert Path(reopened.files.get(other_file.id).path).read_bytes() == train_file.read_bytes()
    assert Path(reopened.files.get(crashed.file_id).path).is_file()
    assert not (demo_home / "models" / f".tmp-{job_id}").exists()
    assert not (demo_home / "models" / "fm-mlx-crash").exists()


def test_ctrl_c_cancels_the_job_cleanly(demo_home: Path, train_file: Path) -> None:
    # spawned: SIGINT back to its default in the child (a shell running the suite in the
    # background ignores it) and the child killed if the test fails or times out.
    with spawned(
        [sys.executable, "-c", _script(demo_home, train_file, 100_000, "interrupted")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        job_id = proc.stdout.readline().strip()  # type: ignore[union-attr]
        _wait_for_steps(demo_home, job_id)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "cancelled"
    assert "Traceback" not in err
    assert JobStore(demo_home).jobs.get(job_id).status == "cancelled"


def test_cancel_from_another_connection_stops_training(demo_home: Path, train_file: Path) -> None:
    service = LocalFineTuning(demo_home)
    job = service.submit(
        "demo", train_file, "t.jsonl", {"max_steps": 100_000, "fine_tuned_model_name": "stopped"}
    )

    def cancel_when_running() -> None:
        _wait_for_steps(demo_home, job["id"])
        JobStore(demo_home).jobs.request_cancel(job["id"])

    thread = threading.Thread(target=cancel_when_running)
    thread.start()
    [final] = service.run_queued([job["id"]])
    thread.join()
    assert final.status == "cancelled"
    assert not (demo_home / "models" / "fm-mlx-stopped").exists()
    messages = [e.message for e in service.store.jobs.events(job["id"])]
    # cancelled at once (OpenAI's cancel answers "cancelled"); the trainer stops at its next step
    assert messages.index("Job cancelled") == messages.index("Cancellation requested") + 1
    assert not any(m.startswith("Fine-tuning succeeded") for m in messages)
