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
