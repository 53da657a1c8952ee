"""Direct Preference Optimization: the loss against a second implementation, where its gradient
goes, the fixed reference, and that training moves the demo model's preferences."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.ai.conftest import QA

mx = pytest.importorskip("mlx.core")


def preference_line(question: str, good: str, bad: str) -> dict[str, object]:
    return {
        "input": {"messages": [{"role": "user", "content": question}]},
        "preferred_output": [{"role": "assistant", "content": good}],
        "non_preferred_output": [{"role": "assistant", "content": bad}],
    }


PREFS = [preference_line(q, a, QA[(i + 5) % len(QA)][1]) for i, (q, a) in enumerate(QA)]
# Ratings as a FileMaker app collects them: the rejected answers share a style (an evasive reply).
RATED = [preference_line(q, a, "I do not know.") for q, a in QA]


def test_dpo_terms_equal_a_hand_computation() -> None:
    from fmscript.ai.engines.mlx_dpo import dpo_terms

    policy = [-3.0, -7.5, -10.0, -2.0]  # 2 pairs: preferred rows first, then the other answers
    reference = [-4.0, -7.0, -9.0, -2.5]
    beta = 0.1
    loss, chosen, rejected = dpo_terms(mx.array(policy), mx.array(reference), beta)
    expected = []
    for i in range(2):
        x = beta * ((policy[i] - reference[i]) - (policy[i + 2] - reference[i + 2]))
        expected.append(-math.log(1 / (1 + math.exp(-x))))
    assert float(loss) == pytest.approx(sum(expected) / 2, rel=1e-6)
    assert chosen.tolist() == pytest.approx([0.1, -0.05], rel=1e-5)
    assert rejected.tolist() == pytest.approx([-0.1, 0.05], rel=1e-5)


def test_sequence_logps_sum_answer_tokens_only(demo_dir: Path) -> None:
    import numpy as np

    from fmscript.ai.engines.mlx_dpo import pack_pairs, sequence_logps, tokenize_pairs
    from fmscript.ai.engines.mlx_generate import load_model

    model, tokenizer = load_model(demo_dir)
    pairs = tokenize_pairs(tokenizer, PREFS[:2])
    batch, mask = pack_pairs(pairs, 2048)
    got = np.array(sequence_logps(model, batch, mask))
    # second implementation: numpy log-softmax, token by token, over the answer span only
    logits = np.array(model(batch[:, :-1]).astype(mx.float32))
    for row in range(batch.shape[0]):
        total = 0.0
        for t in range(1, batch.shape[1]):
            if bool(mask[row, t]):
                z = logits[row, t - 1]
                total += z[int(batch[row, t])] - (z.max() + math.log(np.exp(z - z.max()).sum()))
        assert got[row] == pytest.approx(total, rel=1e-4, abs=1e-4)
    assert not bool(mask[:, 0].any())


def test_gradient_reaches_only_the_adapter_and_reference_stays(demo_dir: Path) -> None:
    import mlx.nn as nn
    from mlx.utils import tree_flatten
    from mlx_lm.tuner import linear_to_lora_layers

    from fmscript.ai.engines.mlx_dpo import (
        adapter_off,
        make_loss,
        pack_pairs,
        reference_logps,
        tokenize_pairs,
        train_dpo,
    )
    from fmscript.ai.engines.mlx_generate import load_model

    model, tokenizer = load_model(demo_dir)
    model.freeze()
    mx.random.seed(0)  # the adapter's random start: the test does not depend on earlier tests
    linear_to_lora_layers(model, 2, {"rank": 4, "scale": 20.0, "dropout": 0.0})
    pairs = tokenize_pairs(tokenizer, PREFS)
    before = reference_logps(model, pairs, 2048)
    base_weights = {k: v for k, v in tree_flatten(model.parameters()) if "lora" not in k}

    batch, mask = pack_pairs(pairs[:2], 2048)
    ref = mx.concatenate([before[:2, 0], before[:2, 1]])
    _, grads = nn.value_and_grad(model, make_loss(0.1))(model, batch, mask, ref)
    names = [k for k, _ in tree_flatten(grads)]
    assert names and all(".lora_a" in k or ".lora_b" in k for k in names)

    reports = train_dpo(model, pairs, steps=30, batch_size=4, learning_rate=2e-3, beta=0.1, max_len=2048)
    # one batch's margin is noisy: the last five steps' mean beats the untrained start (0)
    late = sum(report.reward_margin for _, report in reports[-5:]) / 5
    assert late > reports[0][1].reward_margin + 0.2
    with adapter_off(model):
        after = reference_logps(model, pairs, 2048)
    assert mx.allclose(after, before, rtol=1e-5, atol=1e-4).item()
    for k, v in tree_flatten(model.parameters()):
        if k in base_weights:
            assert mx.array_equal(v, base_weights[k]), k


def test_validate_reports_preference_lines_by_number(tmp_path: Path) -> None:
    from fmscript.ai.datasets import validate_jsonl

    lines = [json.dumps(p) for p in PREFS]
    broken = dict(PREFS[0])
    del broken["non_preferred_output"]
    lines.insert(3, json.dumps(broken))
    lines.insert(
        6, json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})
    )
    lines.append(json.dumps({**PREFS[1], "input": {**PREFS[1]["input"], "tools": 5}}))  # type: ignore[dict-item]
    path = tmp_path / "prefs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = validate_jsonl(path)
    assert report.method == "dpo"
    assert report.problems == [
        (4, "missing 'non_preferred_output'"),
        (
            7,
            "a chat (messages) line in a dpo file (earlier lines are preference (DPO) lines); a file holds one kind of example",
        ),
        (15, "'input.tools' is not a list"),
    ]
    assert report.n_examples == 12
    assert validate_jsonl(path, method="supervised").problems[0] == (
        1,
        "a preference (DPO) line in a supervised file (the job's method is supervised); a file holds one kind of example",
    )


@pytest.mark.slow
def test_local_dpo_job_and_eval(demo_home: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import cli

    data = tmp_path / "ratings.jsonl"
    data.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in RATED), "utf-8")
    with LocalFineTuning(demo_home) as service:
        job = service.submit(
            "demo", data, "ratings.jsonl",
            {"max_steps": 30, "batch_size": 4, "learning_rate": 0.01, "fine_tuned_model_name": "rated"},
        )  # fmt: skip
        [done] = service.run_queued()
        assert done.status == "succeeded", done.error
        card = done.result
        assert card is not None and (card.method, card.beta, card.data.n_train) == ("dpo", 0.1, 12)
        assert (card.final_train_loss or 0) < (card.initial_train_loss or 0)
        reports = [
            e.data for e in service.store.jobs.events(job["id"]) if e.data and "reward_margin" in e.data
        ]
        assert reports[-1]["step"] == 30 and {"train_loss", "preference_accuracy"} <= set(reports[-1])

    result = CliRunner().invoke(cli, ["eval", "fm-mlx-rated", str(data), "--json", "--max-tokens", "4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    tuned, base = report["models"]["fm-mlx-rated"], report["models"]["demo"]
    assert report["method"] == "dpo" and report["n_examples"] == 12
    assert tuned["preference_accuracy"] >= 0.99
    assert tuned["reward_margin"] > base["reward_margin"] + 1
    text = CliRunner().invoke(cli, ["eval", "fm-mlx-rated", str(data), "--max-tokens", "2"]).output
    assert "preference accuracy" in text and "reward margin" in text


@pytest.mark.slow
@pytest.mark.parametrize("fine_tune_type", ["dora", "full"])
def test_dpo_with_dora_and_full_fine_tuning(fine_tune_type: str, demo_home: Path, tmp_path: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    data = tmp_path / "ratings.jsonl"  # 24 lines: 10 % are held out and scored before and after
    data.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in RATED * 2), "utf-8")
    params = {"max_steps": 6, "batch_size": 4, "learning_rate": 0.001, "fine_tune_type": fine_tune_type,
              "fine_tuned_model_name": fine_tune_type}  # fmt: skip
    with LocalFineTuning(demo_home) as service:
        service.submit("demo", data, "ratings.jsonl", params)
        [done] = service.run_queued()
    assert done.status == "succeeded", done.error
    card = done.result
    assert card is not None and card.method == "dpo" and card.parameters["fine_tune_type"] == fine_tune_type
    assert card.initial_val_loss == pytest.approx(0.6931, abs=1e-3)  # log 2: policy = reference
    assert card.val_loss is not None
