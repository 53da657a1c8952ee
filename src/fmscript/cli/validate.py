"""``fmscript validate``: check a fine-tuning JSONL file line by line, count its tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _tokenizer(model: str) -> object:
    """The tokenizer (and chat template) of a base or fine-tuned model, without loading weights."""
    from fmscript.ai.engines import quiet_env
    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import current_settings
    from fmscript.cli.progress import reporter

    settings = current_settings()
    with LocalFineTuning(settings.home, settings, reporter(True, settings.progress)) as service:
        base, _ = service.model_paths(model)
    quiet_env()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base))


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model", "model", default=None, help="Count tokens with this model's tokenizer and chat template."
)
@click.option(
    "--steps", type=click.IntRange(min=1), default=1000, show_default=True, help="max_steps for the estimate."
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="batch_size for the estimate.",
)
def validate(file: Path, model: str | None, steps: int, batch_size: int) -> None:
    """Validate a chat fine-tuning JSONL FILE: every bad line with its number; exit 1 when any."""
    from fmscript.ai.datasets import validate_jsonl

    tokenizer = _tokenizer(model) if model else None
    report = validate_jsonl(file, tokenizer=tokenizer)
    click.echo(report.format_text(limit=None))
    if report.tokens is not None:
        estimate = report.tokens.estimate(steps, batch_size)
        click.echo(
            f"  estimate: about {estimate:,} tokens processed by {steps} steps of batch {batch_size} "
            f"(= {report.tokens.total_tokens:,} tokens x {steps}*{batch_size}/{report.tokens.n_examples} examples)"
        )
    sys.exit(0 if report.ok else 1)
