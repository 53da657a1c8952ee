"""Training controls: n_epochs derives the steps, save_every keeps checkpoints (listed by the API),
a validation_file is the validation set, early stopping keeps the best-validation adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmscript.ai.engines.controls import steps_for_epochs
from fmscript.ai.jobs.wire import checkpoint_objects

from .conftest import QA, chat_line, write_jsonl


@pytest.mark.parametrize(
    ("n_train", "epochs", "batch", "steps"), [(12, 1, 1, 12), (12, 2, 4, 6), (10, 3, 4, 8), (1, 1, 8, 1)]
)
def test_steps_for_epochs(n_train: int, epochs: int, batch: int, steps: int) -> None:
    assert steps_for_epochs(n_train, epochs, batch) == steps


@pytest.mark.slow
def test_epochs_checkpoints_and_a_validation_file(demo_home: Path, tmp_path: Path, train_file: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    val = write_jsonl(
        tmp_path / "val.jsonl", [chat_line(f"Other question {i}?", f"Other {i}.") for i in range(4)]
    )
    params = {"n_epochs": 2, "batch_size": 4, "save_every": 2, "validation_file": str(val),
              "fine_tuned_model_name": "ctl"}  # fmt: skip
    with LocalFineTuning(demo_home) as service:
        job = service.submit("demo", train_file, "train.jsonl", params)
        [done] = service.run_queued()
        assert done.status == "succeeded", done.error
        card = done.result
        assert card is not None
        assert (card.steps, card.n_epochs) == (6, 2)  # 12 examples × 2 epochs / batch 4
        assert (card.data.n_train, card.data.n_valid) == (12, 4)
        assert card.checkpoint_steps == [2, 4, 6]
        folder = demo_home / "models" / "fm-mlx-ctl"
        assert {f"{s:07d}_adapters.safetensors" for s in (2, 4, 6)} <= {p.name for p in folder.iterdir()}
        events = [e.message for e in service.store.jobs.events(job["id"])]
        assert any("2 epochs of 12 examples" in m for m in events), events
        listed = checkpoint_objects(service.store.jobs.get(job["id"]))
    assert [c["step_number"] for c in listed] == [6, 4, 2]
    assert [c["fine_tuned_model_checkpoint"] for c in listed] == [
        "fm-mlx-ctl", "fm-mlx-ctl:ckpt-step-4", "fm-mlx-ctl:ckpt-step-2"
    ]  # fmt: skip


@pytest.mark.slow
def test_early_stopping_keeps_the_best_adapter(demo_home: Path, tmp_path: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    # 12 Q/A pairs twice to train on; validation answers the training cannot teach, so the
    # validation loss soon stops improving while training memorises.
    train = write_jsonl(tmp_path / "train.jsonl", [chat_line(q, a) for q, a in QA * 2])
    val = write_jsonl(tmp_path / "val.jsonl", [chat_line(q, a[::-1] + " zz") for q, a in QA[:6]])
    params = {"max_steps": 400, "batch_size": 4, "learning_rate": 0.01, "validation_file": str(val),
              "early_stopping_patience": 1, "fine_tuned_model_name": "early"}  # fmt: skip
    with LocalFineTuning(demo_home) as service:
        job = service.submit("demo", train, "train.jsonl", params)
        [done] = service.run_queued()
        assert done.status == "succeeded", done.error
        card = done.result
        messages = [e.message for e in service.store.jobs.events(job["id"])]
        vals = [e.data for e in service.store.jobs.events(job["id"]) if e.data and "val_loss" in e.data]
    assert card is not None and card.stopped_at is not None and card.stopped_at < 400, messages
    best = min(vals, key=lambda v: v["val_loss"])
    assert card.best_step == best["step"]
    assert any(m.startswith("Early stopping at step") for m in messages)
    assert any(f"Kept the adapter of step {best['step']}" in m for m in messages)
    saved = json.loads((demo_home / "models" / "fm-mlx-early" / "card.json").read_text())
    assert saved["best_step"] == best["step"]


@pytest.mark.slow
def test_a_cancelled_job_resumes_from_its_checkpoint(
    demo_home: Path, train_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from fmscript.ai.engines import mlx_local
    from fmscript.ai.progress import TrainingProgress
    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import cli

    monkeypatch.setattr(mlx_local, "HEARTBEAT_SECONDS", 0.0)  # the cancel is seen at the next step
    params = {"max_steps": 8, "batch_size": 2, "save_every": 2, "fine_tuned_model_name": "resumed"}
    with LocalFineTuning(demo_home) as service:
        first = service.submit("demo", train_file, "train.jsonl", params)

        class CancelAtStep5(TrainingProgress):
            def update(self, step: int | None = None, **kwargs: object) -> None:
                if step == 5:
                    service.store.jobs.request_cancel(first["id"])

        [cancelled] = service.run_queued(progress=CancelAtStep5)
        assert cancelled.status == "cancelled"
        assert not (demo_home / "models" / "fm-mlx-resumed").exists()

        with pytest.raises(Exception, match="only a failed or cancelled job"):
            service.resume(service.submit("demo", train_file, "train.jsonl", params)["id"])

    result = CliRunner().invoke(cli, ["jobs", "resume", first["id"], "--no-progress"])
    assert result.exit_code == 0, result.output
    with LocalFineTuning(demo_home) as service:
        second = service.store.jobs.get(result.output.split(":")[0])
        assert second.status == "succeeded" and second.params["resume_from"] == first["id"]
        events = service.store.jobs.events(second.id)
        assert any(e.message == f"Resuming {first['id']} from step 4 of 8" for e in events)
        steps = [e.data["step"] for e in events if e.data and "train_loss" in e.data]
        assert steps and min(steps) > 4 and max(steps) == 8
        assert second.result is not None and second.result.checkpoint_steps == [6, 8]
    assert not (demo_home / "resume" / first["id"]).exists()  # a finished job leaves no resume point
    again = CliRunner().invoke(cli, ["jobs", "resume", first["id"]])
    assert again.exit_code == 1 and "no checkpoint to resume from" in again.output


def test_pack_rows_concatenates_and_shifts_the_spans() -> None:
    from fmscript.ai.engines.mlx_data import pack_rows, packed_row_count

    items = [([1, 2, 3], [(2, 3)]), ([4, 5], [(1, 2)]), ([6, 7, 8, 9], [(2, 4)]), ([10], [(0, 1)])]
    rows = pack_rows(items, 5)  # first fit decreasing: 4 tokens, then 3, 2, 1
    assert rows == [([6, 7, 8, 9, 10], [(2, 4), (4, 5)]), ([1, 2, 3, 4, 5], [(2, 3), (4, 5)])]
    assert packed_row_count([3, 2, 4, 1], 5) == 2 and packed_row_count([5, 5, 5]) == 3


@pytest.mark.slow
def test_packed_training_runs_fewer_rows_per_epoch(demo_home: Path, tmp_path: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    long_answer = " ".join(a for _, a in QA) * 3  # two long examples set the row length
    lines = [chat_line(q, a) for q, a in QA[:10]] + [chat_line(q, long_answer) for q, _ in QA[10:]]
    data = write_jsonl(tmp_path / "mixed.jsonl", lines)
    params = {"n_epochs": 1, "batch_size": 2, "pack_sequences": True, "fine_tuned_model_name": "packed"}
    with LocalFineTuning(demo_home) as service:
        service.submit("demo", data, "mixed.jsonl", params)
        [done] = service.run_queued()
    assert done.status == "succeeded", done.error
    # the 10 short examples share rows: fewer than the 6 steps of unpacked batches of 2
    assert done.result is not None and 1 <= (done.result.steps or 0) < 6
    assert done.result.parameters["pack_sequences"] is True
