"""``fmscript eval``: held-out examples recorded at training as the default data, match rules as
data, remote models (answers and match rates only, no loss), clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.ai.evaluate import matches, split_prompt
from fmscript.cli import cli

from .conftest import chat_line, write_jsonl

MATCHES = [
    ("Paris", "Paris", (True, True)),
    ("  Paris\n", "Paris", (True, True)),
    ("Paris is the capital", "Paris", (False, True)),
    ("Returns are accepted within 30 days.", "Returns are accepted within 14 days.", (False, True)),
    ("Return policy", "Returns are accepted within 14 days.", (False, False)),
    ("", "Paris", (False, False)),
]


@pytest.mark.parametrize(("answer", "expected", "result"), MATCHES)
def test_match_rules(answer: str, expected: str, result: tuple[bool, bool]) -> None:
    assert matches(answer, expected) == result


def test_the_prompt_is_everything_before_the_last_assistant_turn() -> None:
    example = json.loads(chat_line("Q", "A"))
    example["messages"].insert(0, {"role": "system", "content": "S"})
    assert split_prompt(example) == (
        [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}],
        "A",
    )


@pytest.mark.slow
def test_eval_defaults_to_the_held_out_examples(demo_home: Path, tmp_path: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    data = write_jsonl(
        tmp_path / "qa.jsonl", [chat_line(f"Question {i}?", f"Answer {i}.") for i in range(24)]
    )
    with LocalFineTuning(demo_home) as service:
        service.submit(
            "demo", data, "qa.jsonl", {"max_steps": 4, "batch_size": 2, "fine_tuned_model_name": "held"}
        )
        [job] = service.run_queued()
    assert job.status == "succeeded", job.error
    assert job.result is not None
    held = job.result.data.validation_examples
    assert len(held) == job.result.data.n_valid > 0

    result = CliRunner().invoke(cli, ["eval", "fm-mlx-held", "--json", "--max-tokens", "4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n_examples"] == len(held) and "held-out" in report["data"]
    assert [row["expected"] for row in report["examples"]] == [f"Answer {i}." for i in held]
    assert set(report["models"]) == {"fm-mlx-held", "demo"}
    assert all(stats["tokens"] > 0 and stats["perplexity"] > 1 for stats in report["models"].values())


def test_eval_errors_are_one_line(demo_home: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", [chat_line("Q", "A")])
    for args, message in [
        (["eval", "fm-mlx-nothing"], "is not a locally fine-tuned model"),
        (["eval", "fm-mlx-nothing", str(data)], "no such fine-tuned model"),
        (["eval", "ft:gpt-4o-mini:org::x"], "a remote model needs a DATA.jsonl"),
    ]:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (1, 2) and message in result.output + result.stderr, result.output
        assert "Traceback" not in result.output + result.stderr


def test_eval_of_a_remote_model_reports_answers_and_rates_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    respx = pytest.importorskip("respx")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-1234")
    monkeypatch.setenv("FMSCRIPT_HOME", str(tmp_path / "home"))
    data = write_jsonl(tmp_path / "qa.jsonl", [chat_line("Q1", "Paris"), chat_line("Q2", "Blue")])
    recorded = json.loads((Path(__file__).parent / "data" / "openai_chat_responses.json").read_text())

    def reply(text: str) -> dict:
        answer = recorded["answer"]
        return {
            **answer,
            "choices": [{**answer["choices"][0], "message": {"role": "assistant", "content": text}}],
        }

    with respx.mock(base_url="https://api.openai.com/v1") as mock:
        route = mock.post("/chat/completions")
        route.side_effect = [
            __import__("httpx").Response(200, json=reply(t)) for t in ("Paris", "Paris", "Blue sky", "Red")
        ]
        result = CliRunner().invoke(
            cli, ["eval", "ft:gpt-4o-mini:org::x", str(data), "--base", "gpt-4o-mini", "--json"]
        )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["provider"] == "OpenAI"
    assert report["models"]["ft:gpt-4o-mini:org::x"] == {"exact_match": 0.5, "prefix_match": 1.0}
    assert report["models"]["gpt-4o-mini"] == {"exact_match": 0.5, "prefix_match": 0.5}
    assert json.loads(route.calls[0].request.content)["messages"] == [{"role": "user", "content": "Q1"}]
