"""``fmscript models``: base and fine-tuned models of the local provider."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fmscript.cli.output import dump, table, when
from fmscript.cli.store_option import store_option

if TYPE_CHECKING:
    from fmscript.ai.jobs.records import ModelCard
    from fmscript.ai.service import LocalFineTuning


def _service() -> LocalFineTuning:
    from fmscript.ai.service import LocalFineTuning
    from fmscript.cli import current_settings
    from fmscript.cli.progress import reporter

    settings = current_settings()
    return LocalFineTuning(settings.home, settings, reporter(True, settings.progress))


def _card(path: str) -> ModelCard | None:
    from fmscript.ai.jobs.records import ModelCard

    return ModelCard.read(Path(path))


@click.group()
@store_option
def models() -> None:
    """List, add, remove and create base/fine-tuned models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the models as JSON.")
def list_models(as_json: bool) -> None:
    """List base models and fine-tuned models."""
    found = _service().list_models()
    if as_json:
        click.echo(dump([model.to_json() for model in found]))
        return
    if not found:
        click.echo("no models; create one with `fmscript models demo NAME`")
        return
    from fmscript.ai import modeldir
    from fmscript.ai.hub import human_size

    rows = []
    for model in found:
        card = _card(model.path) if model.kind == "fine-tuned" else None
        detail = model.base_model or ""
        if card is not None:
            detail += f" ({card.steps} steps, loss {card.final_train_loss or 0:.3f})"
        if not model.exists:
            detail += " [missing]"
        arch = params = quant = size = ""
        if model.exists and model.kind == "base":
            facts = modeldir.facts(Path(model.path))
            arch, quant, size = facts.architecture, facts.quantization, human_size(facts.size_bytes)
            params = _count(facts.parameters)
        elif model.exists:
            size = human_size(sum(f.stat().st_size for f in Path(model.path).iterdir() if f.is_file()))
        rows.append([model.name, model.kind, arch, params, quant, size, detail, model.path,
                     when(model.created_at)])  # fmt: skip
    headers = ["NAME", "KIND", "ARCH", "PARAMS", "QUANT", "SIZE", "BASE MODEL", "PATH", "CREATED"]
    click.echo(table(rows, headers))


def _count(n: int | None) -> str:
    """A parameter count as 494M / 1.5B / 124K."""
    if not n:
        return "?"
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.1f}{unit}" if n < div * 10 else f"{n / div:.0f}{unit}"
    return str(n)


@models.command()
@click.argument("repo_id", metavar="ORG/NAME")
@click.option("--revision", default="main", show_default=True, help="Branch, tag or commit.")
def pull(repo_id: str, revision: str) -> None:
    """Download a model from the Hugging Face hub (weights, config, tokenizer, chat template)
    into the hub cache and register it as base model ORG/NAME."""
    from fmscript.ai.hub import Hub, human_size, is_repo_id
    from fmscript.cli import current_settings
    from fmscript.cli.progress import DownloadBar

    if not is_repo_id(repo_id):
        raise click.BadParameter(f"{repo_id!r} is not a hub model id (ORG/NAME)", param_hint="ORG/NAME")
    settings = current_settings()
    service = _service()

    def say(level: str, message: str, data: dict) -> None:
        if not message.startswith("Downloading ") or "%" not in message:  # the bar shows the percentage
            click.echo(message, err=True)

    hub = Hub(settings, DownloadBar(True, settings.progress), say)
    pulled = hub.pull(repo_id, revision)
    service.store.models.add_base(repo_id, pulled.path)
    click.echo(f"pulled {repo_id} ({human_size(pulled.total_bytes)}) -> {pulled.path}")


@models.command()
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def add(name: str, path: Path) -> None:
    """Register a local model folder (config.json + safetensors) as base model NAME."""
    model = _service().store.models.add_base(name, path)
    click.echo(f"added base model {model.name} -> {model.path}")


@models.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Remove a base model even though fine-tuned models use it.")
def remove(name: str, force: bool) -> None:
    """Remove a model (its folder too when it lies inside the fmscript home). A base model that
    fine-tuned models were trained on is kept unless --force: they would stop working."""
    service = _service()
    if name.startswith("fm-mlx-"):
        service.delete_model(name)
    else:
        users = service.dependants(name)
        if users and not force:
            click.echo(
                f"error: {name} is the base model of {len(users)} fine-tuned model"
                f"{'s' if len(users) != 1 else ''} ({', '.join(users)}), which would stop working; "
                "remove them first, or use --force",
                err=True,
            )
            sys.exit(1)
        service.store.models.remove(name)
    click.echo(f"removed {name}")


@models.command()
@click.argument("name")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random weights.")
def demo(name: str, seed: int) -> None:
    """Build a tiny random-weight demo model in <home>/base-models/NAME (no download)."""
    from fmscript.ai import modeldir
    from fmscript.ai.home import base_models_dir

    if (
        not name.strip()
        or "/" in name
        or "\\" in name
        or ".." in name
        or Path(name).is_absolute()
        or name.startswith("~")
    ):
        # The name becomes a folder under <home>/base-models: it must stay there.
        raise click.BadParameter(
            f"{name!r}: a demo model name may not contain '/', '\\' or '..'", param_hint="NAME"
        )
    service = _service()
    folder = base_models_dir(service.home) / name
    if modeldir.is_model_dir(folder):
        service.store.models.add_base(name, folder)
        click.echo(f"demo model {name} already exists at {folder}")
        return
    from fmscript.ai.demo_model import create_demo_model

    create_demo_model(folder, seed=seed)
    service.store.models.add_base(name, folder)
    click.echo(f"created demo model {name} at {folder}")


@models.command()
@click.argument("name")
def show(name: str) -> None:
    """Print a model's registry entry (and its card, for a fine-tuned model) as JSON."""
    model = _service().store.models.get(name)
    card = _card(model.path)
    click.echo(dump({**model.to_json(), "card": card.to_json() if card is not None else None}))


@models.command("fuse")
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write (default: <home>/base-models/NAME-fused).",
)
@click.option(
    "--dequantize", is_flag=True, help="Write float weights (a quantized base's layers de-quantized)."
)
@click.option(
    "--gguf", is_flag=True, help="Also write model.gguf for llama.cpp / Ollama (llama, mistral; float)."
)
def fuse_command(name: str, out: Path | None, dequantize: bool, gguf: bool) -> None:
    """Fuse fine-tuned model NAME's adapter into a standalone model folder (mlx_lm.load reads it)."""
    from fmscript.ai.fuse import fuse
    from fmscript.ai.hub import human_size

    fused = fuse(_service(), name, out, dequantize, gguf)
    size = sum(f.stat().st_size for f in fused.path.iterdir() if f.is_file())
    click.echo(f"fused {name} -> {fused.path} ({human_size(size)}; base model {fused.name})")
    if fused.gguf is not None:
        click.echo(f"GGUF: {fused.gguf}")
