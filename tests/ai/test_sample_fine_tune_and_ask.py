"""samples/fine_tune_and_ask.fmscript: fine-tune the demo model, then ask it (README's main job)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.cli import cli

pytestmark = pytest.mark.slow
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_sample_fine_tunes_then_answers_with_the_new_model(home: Path, demo_dir: Path) -> None:
    from fmscript.ai.jobs import open_store

    store = open_store(home)
    store.models.add_base("tiny-llama", demo_dir)
    store.close()
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(SAMPLES / "fine_tune_and_ask.fmscript"),
            "--file",
            str(SAMPLES / "fine_tune_and_ask.sql"),
        ],
    )
    assert result.exit_code == 0, result.output
    base, tuned, answer = result.stdout.splitlines()[-3:]
    assert base.startswith("Base model: ") and tuned == "Fine-tuned: " + answer
    assert answer.startswith("Returns are accepted within 14 days.")
    assert base != "Base model: " + answer
    listed = CliRunner().invoke(cli, ["models", "list"]).stdout
    assert "fm-mlx-return-policy" in listed
