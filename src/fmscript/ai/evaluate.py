"""``fmscript eval``: did fine-tuning help? A held-out JSONL through the fine-tuned model and its base.

For each model: the mean cross-entropy (and perplexity) on the assistant tokens of the examples,
token-weighted, exactly the loss training minimises; and for each example the answer each model
generates (greedy) for the messages before the last assistant turn, beside the expected answer.
``exact`` counts answers equal to the expected one (surrounding white space ignored); ``prefix``
counts answers that start with the expected answer's first PREFIX_CHARS characters (all of it when
shorter). Remote models (OpenAI, Custom) get answers and match rates only: their APIs give no loss.

Preference (DPO) data is scored the way DPO trains: for each line, the summed log-probability of
the preferred and of the other answer; ``preference_accuracy`` is the share of lines whose
preferred answer is the likelier one, ``reward_margin`` the mean log-probability difference
(preferred minus other, nats). The generated answers are matched against the preferred answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fmscript.ai import datasets
from fmscript.ai.datasets import MAX_SEQ_LENGTH
from fmscript.ai.errors import INVALID_TRAINING_DATA, UNKNOWN_MODEL, ai_error
from fmscript.ai.jobs.records import ModelCard

PREFIX_CHARS = 10
Example = dict[str, Any]
Generate = Callable[[list[dict[str, Any]]], str]


def split_prompt(example: Example) -> tuple[list[dict[str, Any]], str]:
    """(the messages before the last assistant message, that message's text)."""
    messages = example.get("messages") or []
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "assistant":
            prompt = [{"role": m["role"], "content": m.get("content") or ""} for m in messages[:index]]
            return prompt, str(messages[index].get("content") or "")
    raise ai_error("an evaluation example has no assistant message", INVALID_TRAINING_DATA)


def matches(answer: str, expected: str) -> tuple[bool, bool]:
    """(exact, prefix) match of a generated answer with the expected one."""
    answer, expected = answer.strip(), expected.strip()
    return answer == expected, answer.startswith(expected[:PREFIX_CHARS])


def load(path: Path, indices: list[int] | None = None) -> list[Example]:
    report = datasets.validate_jsonl(path)
    # Training needs 10 examples; a held-out set may be smaller: only bad lines are errors here.
    if any(line for line, _ in report.problems) or not report.n_examples:
        raise ai_error("invalid evaluation data: " + report.format_text(), INVALID_TRAINING_DATA)
    examples = datasets.load_examples(path)
    return [examples[i] for i in indices if i < len(examples)] if indices is not None else examples


def is_preference_set(examples: list[Example]) -> bool:
    """True for preference (DPO) lines (a set is one kind or the other; validation makes sure)."""
    from fmscript.ai.preference import is_preference_example

    return bool(examples) and is_preference_example(examples[0])


def local_preference(service: Any, model: str, examples: list[Example]) -> dict[str, float]:
    """``preference_accuracy`` and ``reward_margin`` (nats) of a local model on preference lines."""
    from fmscript.ai.engines import mlx_dpo, mlx_generate

    base_path, adapter = service.model_paths(model)
    loaded, tokenizer = mlx_generate.resident(base_path, adapter)
    score = mlx_dpo.score_pairs(loaded, mlx_dpo.tokenize_pairs(tokenizer, examples), MAX_SEQ_LENGTH)
    return {
        "preference_accuracy": score.preference_accuracy,
        "reward_margin": score.reward_margin,
        "pairs": score.n_pairs,
    }


def as_answer_examples(examples: list[Example]) -> list[Example]:
    """Preference lines as chat examples whose expected answer is the preferred one (for :func:`run`)."""
    from fmscript.ai.preference import as_chats

    return [as_chats(e)[0] if "messages" not in e else e for e in examples]


def held_out(service: Any, model: str) -> tuple[list[Example], str]:
    """The validation examples recorded when ``model`` was trained locally, and where they came from."""
    card = ModelCard.read(service.home / "models" / model)
    if card is None:
        raise ai_error(f"{model} is not a locally fine-tuned model: give a DATA.jsonl", UNKNOWN_MODEL)
    indices = card.data.validation_examples
    if not indices or card.data.file_id is None:
        raise ai_error(
            f"{model} was trained without held-out examples (fewer than 20 examples): give a DATA.jsonl",
            INVALID_TRAINING_DATA,
        )
    path = service.store.files.local_path(card.data.file_id)
    return load(path, list(indices)), f"{len(indices)} held-out examples of {card.data.training_file}"


def base_of(service: Any, model: str) -> str | None:
    """The base model a local ``fm-mlx-…`` model was trained from (None for a base model)."""
    card = ModelCard.read(service.home / "models" / model)
    return card.base_model if card is not None else None


def local_loss(service: Any, model: str, examples: list[Example]) -> dict[str, float]:
    """Token-weighted mean cross-entropy on the assistant tokens, and its perplexity."""
    from fmscript.ai.engines import mlx_data, mlx_generate

    base_path, adapter = service.model_paths(model)
    loaded, tokenizer = mlx_generate.resident(base_path, adapter)
    import mlx.core as mx

    total, count = 0.0, 0
    for example in examples:
        batch, mask = mlx_data.pack([datasets.chat_token_spans(tokenizer, example)], MAX_SEQ_LENGTH)
        loss, ntoks = mlx_data.masked_loss(loaded, batch, mask)
        mx.eval(loss, ntoks)
        total += float(loss) * int(ntoks)
        count += int(ntoks)
    mean = total / count if count else float("nan")
    return {"loss": mean, "perplexity": math.exp(mean) if count else float("nan"), "tokens": count}


def run(
    examples: list[Example],
    models: Mapping[str, Generate],
    losses: dict[str, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Generate with every model for every example; the report (what ``--json`` prints)."""
    rows = []
    hits = {name: [0, 0] for name in models}
    for example in examples:
        prompt, expected = split_prompt(example)
        row: dict[str, Any] = {
            "prompt": prompt[-1]["content"] if prompt else "",
            "expected": expected,
            "answers": {},
        }
        for name, generate in models.items():
            answer = generate(prompt)
            exact, prefix = matches(answer, expected)
            hits[name][0] += exact
            hits[name][1] += prefix
            row["answers"][name] = {"text": answer, "exact": exact, "prefix": prefix}
        rows.append(row)
    n = len(examples)
    summary = {
        name: {
            "exact_match": hits[name][0] / n if n else 0.0,
            "prefix_match": hits[name][1] / n if n else 0.0,
            **((losses or {}).get(name) or {}),
        }
        for name in models
    }
    return {"n_examples": n, "prefix_chars": PREFIX_CHARS, "models": summary, "examples": rows}
