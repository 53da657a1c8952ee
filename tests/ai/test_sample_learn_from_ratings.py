"""samples/learn_from_ratings.fmscript: ratings → DPO lines (data file steps) → a Local DPO fine-tune of
the demo model; `fmscript eval` then shows it prefers the helpful answers (bar 22-preference-tuning)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parents[2] / "samples"
pytestmark = pytest.mark.slow


def test_learn_from_ratings_then_eval(tmp_path: Path) -> None:
    pytest.importorskip("mlx_lm")
    env = {**os.environ, "FMSCRIPT_HOME": str(tmp_path / "home"), "FMSCRIPT_PROGRESS": "0"}
    fmscript = [sys.executable, "-m", "fmscript"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*fmscript, *args], env=env, capture_output=True, text=True, timeout=600)

    assert run("models", "demo", "tiny-llama").returncode == 0
    docs = tmp_path / "docs"
    done = run(
        "run", str(SAMPLES / "learn_from_ratings.fmscript"), "--file", str(SAMPLES / "learn_from_ratings.sql"),
        "--documents", str(docs),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "fm-mlx-rated"
    lines = (docs / "ratings.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 12
    assert json.loads(lines[10])["preferred_output"] == [
        {"role": "assistant", "content": "14日以内なら返品できます。"}
    ]

    checked = run("validate", str(docs / "ratings.jsonl"))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    report = run("eval", "fm-mlx-rated", str(docs / "ratings.jsonl"), "--json", "--max-tokens", "2")
    assert report.returncode == 0, report.stderr
    models = json.loads(report.stdout)["models"]
    tuned, base = models["fm-mlx-rated"], models["tiny-llama"]
    assert tuned["preference_accuracy"] >= 0.99
    assert tuned["reward_margin"] > base["reward_margin"] + 1
