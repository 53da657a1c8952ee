from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fmscript.ai.service import LocalFineTuning
from fmscript.errors import ScriptRuntimeError

from .conftest import QA, chat_line, write_jsonl

HEAVY = ("mlx", "mlx_lm", "transformers", "tokenizers")


def _fake_model(folder: Path, layers: int = 2) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "num_hidden_layers": layers}))
    (folder / "model.safetensors").write_bytes(b"")
    return folder


def test_submit_returns_the_response_target_job(home: Path, train_file: Path) -> None:
    _fake_model(home / "base-models" / "google" / "codegemma-7b-it")
    service = LocalFineTuning(home)
    job = service.submit(
        "google/codegemma-7b-it",
        train_file,
        "my-training-data.jsonl",
        {
            "max_steps": "1500",
            "learning_rate": ".0001",
            "batch_size": "2",
            "fine_tuned_model_name": "my-fine-tuned-model-name",
        },
    )
    assert list(job) == [
        "object",
        "id",
        "file_id",
        "model",
        "created_at",
        "fine_tuned_model",
        "status",
        "training_file",
        "tags",
    ]
    assert job["object"] == "fine_tuning.job"
    assert job["id"].startswith("fm-ftjob-") and job["id"] == f"fm-ftjob-{job['created_at']}"
    assert job["file_id"].startswith("fm-ft-train-")
    assert int(job["file_id"].removeprefix("fm-ft-train-")) <= job["created_at"]
    assert job["model"] == "google/codegemma-7b-it"
    assert isinstance(job["created_at"], int) and job["created_at"] > 1_700_000_000_000
    assert job["fine_tuned_model"] == "fm-mlx-my-fine-tuned-model-name"
    assert job["status"] == "queued"
    assert job["training_file"] == "my-training-data.jsonl"
    assert job["tags"] == ["fine-tune"]
    stored = service.retrieve(job["id"])
    assert stored.params["max_steps"] == 1500 and stored.params["learning_rate"] == 1e-4
    assert stored.params["lora_layers"] == 2  # capped to the model's 2 layers
    assert any("lora_layers 4" in e.message for e in service.store.jobs.events(job["id"]))


def test_submit_is_fast_and_imports_no_mlx(home: Path, train_file: Path) -> None:
    _fake_model(home / "base-models" / "demo")
    code = textwrap.dedent(
        f"""
        import json, sys, time
        from pathlib import Path
        from fmscript.ai.service import LocalFineTuning
        start = time.perf_counter()
        job = LocalFineTuning(Path({str(home)!r})).submit("demo", {str(train_file)!r}, "t.jsonl", {{"max_steps": 5}})
        elapsed = time.perf_counter() - start
        heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
        print(json.dumps({{"ms": elapsed * 1000, "heavy": heavy, "status": job["status"]}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["status"] == "queued"
    assert result["heavy"] == []


def test_importing_the_light_modules_loads_nothing_heavy(home: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import fmscript.ai, fmscript.ai.jobs, fmscript.ai.datasets, fmscript.ai.params, fmscript.ai.service
        import fmscript.cli.jobs, fmscript.cli.models, fmscript.cli.validate
        from fmscript.ai.jobs import open_store
        store = open_store(Path({str(home)!r}))
        store.jobs.create("demo", "fm-ft-train-1", "t.jsonl", {{}})
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_invalid_data_raises_with_every_line_and_queues_nothing(home: Path, tmp_path: Path) -> None:
    _fake_model(home / "base-models" / "demo")
    lines = [chat_line(q, a) for q, a in QA]
    lines[2] = "{broken"
    lines[7] = '{"messages": [{"role": "user", "content": "no answer"}]}'
    bad = write_jsonl(tmp_path / "bad.jsonl", lines)
    service = LocalFineTuning(home)
    with pytest.raises(ScriptRuntimeError) as info:
        service.submit("demo", bad, "bad.jsonl", {})
    assert info.value.code == 509
    assert (
        "line 3: not valid JSON" in info.value.message
        and "line 8: no assistant message" in info.value.message
    )
    assert [line for line, _ in info.value.report.problems] == [3, 8]  # type: ignore[attr-defined]
    assert service.store.jobs.list() == []
    assert list((home / "files").iterdir()) == []


@pytest.mark.parametrize(
    ("base", "params", "code"),
    [
        ("nope", {}, 10),
        ("demo", {"epochs": 3}, 14),
        ("demo", {"batch_size": 13}, 14),
        ("demo", {"fine_tuned_model_name": "../x"}, 11),
    ],
)
def test_submit_errors(home: Path, train_file: Path, base: str, params: dict, code: int) -> None:
    _fake_model(home / "base-models" / "demo")
    service = LocalFineTuning(home)
    with pytest.raises(ScriptRuntimeError) as info:
        service.submit(base, train_file, "t.jsonl", params)
    assert info.value.code == code
    assert service.store.jobs.list() == []


def test_a_model_with_the_same_full_name_is_kept_until_the_new_one_succeeds(
    home: Path, train_file: Path
) -> None:
    # fmscript's safer reading of the seed's warning: submitting does not delete the old model
    # (tests/robustness/test_models.py covers cancel and success).
    _fake_model(home / "base-models" / "demo")
    old = home / "models" / "fm-mlx-support"
    old.mkdir(parents=True)
    (old / "adapter_config.json").write_text("{}")
    service = LocalFineTuning(home)
    service.store.models.add_fine_tuned("fm-mlx-support", old, "demo", "fm-ftjob-1")
    service.submit("demo", train_file, "t.jsonl", {"fine_tuned_model_name": "support"})
    assert old.exists()
    assert any(m.name == "fm-mlx-support" for m in service.list_models())
