"""``fmscript eval MODEL [DATA.jsonl]``: compare a fine-tuned model with its base on held-out data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from fmscript.cli.output import dump, table


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _local(model: str, data: Path | None, base: str | None, max_tokens: int) -> dict[str, Any]:
    from fmscript.ai import evaluate
    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import current_settings
    from fmscript.cli.progress import reporter

    settings = current_settings()
    with LocalFineTuning(settings.home, settings, reporter(True, settings.progress)) as service:
        if data is None:
            examples, source = evaluate.held_out(service, model)
        else:
            examples, source = evaluate.load(data), str(data)
        base = base or evaluate.base_of(service, model)
        names = [model] + ([base] if base and base != model else [])
        service.model_paths(model)  # unknown names fail before any work
        preference = evaluate.is_preference_set(examples)
        score = evaluate.local_preference if preference else evaluate.local_loss
        losses = {name: score(service, name, examples) for name in names}
        models = {
            name: (lambda prompt, name=name: service.generate(name, prompt, max_tokens=max_tokens))
            for name in names
        }
        report = evaluate.run(evaluate.as_answer_examples(examples), models, losses)
    method = "dpo" if preference else "supervised"
    return {"model": model, "base": base, "data": source, "method": method, **report}


def _remote(
    model: str, data: Path, base: str | None, endpoint: str, max_tokens: int, key_env: str
) -> dict[str, Any]:
    import os

    from fmscript.ai import evaluate
    from fmscript.ai.engines import openai_chat
    from fmscript.cli import current_settings

    settings = current_settings()
    provider = "Custom" if endpoint else "OpenAI"
    # the command line is the edge: the key is read from the variable --api-key-env names
    key = os.environ.get(key_env, "") if key_env != "OPENAI_API_KEY" else settings.openai_api_key
    remote = openai_chat.connect(provider, endpoint, key, True, settings)
    try:
        names = [model] + ([base] if base else [])
        params = {"max_tokens": max_tokens, "temperature": 0}
        models = {
            name: (lambda prompt, name=name: openai_chat.chat(remote, name, prompt, params).text)
            for name in names
        }
        report = evaluate.run(evaluate.as_answer_examples(evaluate.load(data)), models)
    finally:
        remote.close()
    return {"model": model, "base": base, "data": str(data), "provider": provider, **report}


@click.command("eval")
@click.argument("model")
@click.argument("data", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base", default=None, help="The model to compare with (default: MODEL's base model).")
@click.option("--endpoint", default="", help="Evaluate a Custom provider's model at this base URL.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--api-key-env",
    "key_env",
    default="OPENAI_API_KEY",
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the API key of a remote (OpenAI/Custom) model.",
)
def eval_command(
    model: str,
    data: Path | None,
    base: str | None,
    endpoint: str,
    max_tokens: int,
    as_json: bool,
    key_env: str,
) -> None:
    """Loss/perplexity on the assistant tokens of DATA (local models) for MODEL and its base, and
    each example's expected answer beside both models' answers, with exact- and prefix-match rates.
    On preference (DPO) data: preference accuracy and reward margin instead of the loss.

    Without DATA, a locally fine-tuned fm-mlx-* model is evaluated on the examples held out for
    validation when it was trained. MODEL names starting with ft: (or --endpoint) are remote.
    """
    if endpoint or model.startswith("ft:"):
        if data is None:
            raise click.UsageError("a remote model needs a DATA.jsonl")
        report = _remote(model, data, base, endpoint, max_tokens, key_env)
    else:
        report = _local(model, data, base, max_tokens)
    if as_json:
        click.echo(dump(report))
        return
    click.echo(f"{report['n_examples']} examples from {report['data']}")
    if report.get("method") == "dpo":
        _preference_table(report)
    else:
        _loss_table(report)
    click.echo("")
    names = list(report["models"])
    rows = [
        [_clip(row["expected"])]
        + [_clip(row["answers"][n]["text"]) + (" ✓" if row["answers"][n]["exact"] else "") for n in names]
        for row in report["examples"]
    ]
    click.echo(table(rows, ["expected", *names]))


def _preference_table(report: dict[str, Any]) -> None:
    rows = [
        [
            name,
            f"{stats['preference_accuracy']:.0%}",
            f"{stats['reward_margin']:+.3f}",
            f"{stats['exact_match']:.0%}",
            f"{stats['prefix_match']:.0%}",
        ]
        for name, stats in report["models"].items()
    ]
    click.echo(table(rows, ["model", "preference accuracy", "reward margin (nats)", "exact", "prefix"]))


def _loss_table(report: dict[str, Any]) -> None:
    rows = []
    for name, stats in report["models"].items():
        loss = stats.get("loss")
        rows.append(
            [
                name,
                f"{loss:.4f}" if loss is not None else "-",
                f"{stats['perplexity']:.2f}" if loss is not None else "-",
                f"{stats['exact_match']:.0%}",
                f"{stats['prefix_match']:.0%}",
            ]
        )
    click.echo(table(rows, ["model", "loss", "perplexity", "exact", "prefix"]))
