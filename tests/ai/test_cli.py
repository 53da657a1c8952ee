from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fmscript.ai.service import LocalFineTuning
from fmscript.cli import cli

from .conftest import QA, chat_line, write_jsonl


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_models_demo_list_add_remove(home: Path, demo_dir: Path) -> None:
    code, out, _ = run("models", "demo", "tiny")
    assert code == 0 and "created demo model tiny" in out
    code, out, _ = run("models", "demo", "tiny")
    assert code == 0 and "already exists" in out
    assert run("models", "add", "other", str(demo_dir))[0] == 0
    code, out, _ = run("models", "list")
    assert code == 0 and "tiny" in out and "other" in out
    listed = json.loads(run("models", "list", "--json")[1])
    assert {m["name"] for m in listed} == {"tiny", "other"}
    assert run("models", "remove", "other")[0] == 0
    assert demo_dir.is_dir()  # registered from outside the home: only forgotten
    assert run("models", "remove", "tiny")[0] == 0
    assert not (home / "base-models" / "tiny").exists()
    code, _, err = run("models", "remove", "tiny")
    assert code == 1 and err.startswith("error: no such model: tiny") and "Traceback" not in err


def test_validate_reports_lines_tokens_and_estimate(
    demo_home: Path, tmp_path: Path, train_file: Path
) -> None:
    code, out, _ = run("validate", str(train_file), "--model", "demo", "--steps", "60", "--batch-size", "2")
    assert code == 0, out
    assert "OK, 12 examples" in out and "tokens:" in out and "estimate: about" in out
    lines = [chat_line(q, a) for q, a in QA]
    lines[4] = "oops"
    lines.append("")
    code, out, _ = run("validate", str(write_jsonl(tmp_path / "bad.jsonl", lines)))
    assert code == 1
    assert "line 5: not valid JSON" in out and "line 13: blank line" in out
    assert run("validate", str(tmp_path / "missing.jsonl"))[0] == 2


def test_jobs_wait_trains_a_queued_job_and_the_other_commands(demo_home: Path, train_file: Path) -> None:
    assert run("jobs", "list")[1].strip() == "no fine-tuning jobs"
    service = LocalFineTuning(demo_home)
    job = service.submit(
        "demo", train_file, "t.jsonl", {"max_steps": 10, "batch_size": 4, "fine_tuned_model_name": "from cli"}
    )
    later = service.submit("demo", train_file, "t.jsonl", {"max_steps": 10, "fine_tuned_model_name": "later"})
    code, out, _ = run("jobs", "list")
    assert code == 0 and job["id"] in out and "queued" in out
    code, out, err = run("jobs", "wait", job["id"], "--no-progress")
    assert code == 0, err
    assert out.startswith(f"{job['id']}: succeeded  fm-mlx-from-cli")
    assert json.loads(run("jobs", "show", job["id"])[1])["status"] == "succeeded"
    code, out, _ = run("jobs", "events", job["id"])
    assert code == 0 and "Step 10/10: training loss=" in out and "Fine-tuning succeeded" in out
    assert run("jobs", "cancel", later["id"])[1].strip() == f"{later['id']}: cancelled"
    assert run("jobs", "wait", later["id"])[0] == 1
    code, _, err = run("jobs", "show", "fm-ftjob-0")
    assert code == 1 and err.strip() == "error: no such fine-tuning job: fm-ftjob-0 (error 101)"
    assert "fm-mlx-from-cli" in run("models", "list")[1]
