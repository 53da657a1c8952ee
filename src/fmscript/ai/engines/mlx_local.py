"""Local LoRA fine-tuning and generation with mlx-lm's Python API.

Training goes through :func:`mlx_lm.tuner.train` with its two public hooks:

* ``iterate_batches`` (:func:`_make_batches`): batches drawn anew every epoch from examples of
  the same 32-token length class, padded to a multiple of 8. mlx-lm pads to a multiple of 32, and
  its length sort keys on ``CacheDataset.itemlen`` (the number of keys of the raw example), so its
  fixed batches mix lengths; on a CPU a padded token costs as much as a real one. A per-token
  loss mask covers every assistant message (``weight`` 0 turns excluded). Once per step the hook
  moves the progress bar, beats the job's heartbeat and checks for a cancel;
* ``loss`` (:func:`_masked_loss`): token-averaged cross-entropy under that mask.

Our :class:`~mlx_lm.tuner.callbacks.TrainingCallback` subclass turns loss reports into job events.
mlx, mlx_lm and numpy are imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from fmscript.ai import datasets
from fmscript.ai import home as homes
from fmscript.ai.datasets import MAX_SEQ_LENGTH
from fmscript.ai.engines import quiet_env
from fmscript.ai.engines.controls import BestAdapter, EarlyStopped, checkpoint_steps, steps_for_epochs
from fmscript.ai.errors import INVALID_TRAINING_DATA, UNAVAILABLE, ai_error
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import CardData, FileRecord, Job, ModelCard
from fmscript.ai.jobs.sql_jobs import model_tmp_dir
from fmscript.ai.params import LocalParams
from fmscript.ai.progress import TrainingProgress
from fmscript.settings import Settings

LORA_PARAMETERS = {"rank": 8, "scale": 20.0, "dropout": 0.0}
# MAX_SEQ_LENGTH: declared once, in fmscript.ai.datasets (validation and training agree).
PAD_MULTIPLE = 8
LENGTH_CLASS = 32
VAL_MIN_EXAMPLES = 20
LOSS_PROBE_BATCHES = 8
HEARTBEAT_SECONDS = 1.0
VAL_BATCHES = 25


class TrainingCancelled(Exception):
    """Raised from inside the training loop when the job's cancel flag is set."""


def _import_mlx() -> None:
    quiet_env()
    try:
        import mlx.core  # noqa: F401
        import mlx_lm  # noqa: F401
    except ImportError as exc:
        raise ai_error(
            f"local fine-tuning needs mlx-lm ({exc}); install fmscript[mlx]", UNAVAILABLE
        ) from None


def load_model(path: Path, adapter_path: Path | None = None) -> tuple[Any, Any]:
    """``mlx_lm.load`` of a local model folder (and adapter), offline."""
    _import_mlx()
    import mlx_lm

    loaded = mlx_lm.load(str(path), adapter_path=str(adapter_path) if adapter_path else None)
    return loaded[0], loaded[1]  # (model, tokenizer); a third item (config) only when asked for


class SpanChatDataset:
    """Chat examples → ``(tokens, spans)``; wrapped in mlx-lm's ``CacheDataset`` like its own datasets."""

    def __init__(self, examples: list[dict[str, Any]], tokenizer: Any) -> None:
        self._data = examples
        self.tokenizer = tokenizer

    def process(self, example: dict[str, Any]) -> tuple[list[int], list[tuple[int, int]]]:
        return datasets.chat_token_spans(self.tokenizer, example)

    def __getitem__(self, idx: int) -> dict[str, Any]:
        return self._data[idx]

    def __len__(self) -> int:
        return len(self._data)


def _masked_loss(model: Any, batch: Any, mask: Any) -> tuple[Any, Any]:
    import mlx.core as mx
    import mlx.nn as nn

    inputs, targets, weights = batch[:, :-1], batch[:, 1:], mask[:, 1:]
    logits = model(inputs)
    ce = nn.losses.cross_entropy(logits, targets) * weights
    ntoks = weights.sum()
    return ce.astype(mx.float32).sum() / ntoks, ntoks


def _pack(items: list[tuple[list[int], list[tuple[int, int]]]], max_len: int) -> tuple[Any, Any]:
    """A padded token batch and its loss mask (mask[b, t]: token t is a target)."""
    import mlx.core as mx
    import numpy as np

    longest = max(len(tokens) for tokens, _ in items)
    width = min(max_len, 1 + PAD_MULTIPLE * -(-(longest - 1) // PAD_MULTIPLE))
    batch = np.zeros((len(items), width), np.int32)
    mask = np.zeros((len(items), width), np.bool_)
    for row, (tokens, spans) in enumerate(items):
        tokens = tokens[:width]
        batch[row, : len(tokens)] = tokens
        for start, end in spans:
            mask[row, max(start, 1) : min(end, width)] = True
    return mx.array(batch), mx.array(mask)


class _StepHook:
    """Called between training steps: progress, heartbeat, cancel."""

    def __init__(self, store: Store, job_id: str, progress: TrainingProgress) -> None:
        self.store, self.job_id, self.progress = store, job_id, progress
        self.step = 0
        self._beat = 0.0

    def __call__(self) -> None:
        self.step += 1
        self.progress.update(step=self.step)
        now = time.monotonic()
        if now - self._beat >= HEARTBEAT_SECONDS:
            self._beat = now
            if self.store.jobs.heartbeat(self.job_id):
                raise TrainingCancelled()


def _batches(
    items: list[tuple[list[int], list[tuple[int, int]]]], batch_size: int, max_len: int, rng: Any
) -> list[tuple[Any, Any]]:
    """One epoch of padded batches; every example is in one (a short last batch takes neighbours).

    Examples are grouped by length class (LENGTH_CLASS tokens), in random order within a class when
    ``rng`` is given (training: the batches change every epoch) and by length otherwise (evaluation),
    so a batch pads little yet still mixes examples.
    """
    keys = rng.random(len(items)) if rng is not None else [0.0] * len(items)
    order = sorted(
        range(len(items)),
        key=lambda i: ((len(items[i][0]) - 1) // LENGTH_CLASS, keys[i], len(items[i][0])),
    )
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if len(groups[-1]) < batch_size:
        groups[-1] = order[-batch_size:]
    return [_pack([items[i] for i in group], max_len) for group in groups]


def _make_batches(hook: _StepHook | None, shuffle_seed: int) -> Any:
    """An ``iterate_batches`` for :func:`mlx_lm.tuner.train` (same signature as mlx-lm's)."""

    def iterate(
        dataset: Any,
        batch_size: int,
        max_seq_length: int,
        loop: bool = False,
        seed: int | None = None,
        comm_group: Any = None,
    ) -> Iterator[tuple[Any, Any]]:
        import numpy as np

        items = [dataset[i] for i in range(len(dataset))]
        if len(items) < batch_size:
            raise ValueError(f"the dataset has {len(items)} examples, fewer than batch_size {batch_size}")
        rng = np.random.default_rng(shuffle_seed if seed is None else seed)
        while True:
            batches = _batches(items, batch_size, max_seq_length, rng if loop else None)
            for index in rng.permutation(len(batches)) if loop else range(len(batches)):
                yield batches[index]
                if loop and hook is not None:
                    hook()
            if not loop:
                return

    return iterate


class _QuietUI:
    """Stands in for mlx-lm's TrainUI (which prints to stdout): our bar and events replace it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    def __enter__(self) -> _QuietUI:
        return self

    def __exit__(self, *exc: Any) -> None: ...
    def advance(self) -> None: ...
    def report_train(self, *args: Any) -> None: ...
    def report_val(self, *args: Any) -> None: ...
    def report_save(self, *args: Any) -> None: ...

    @contextlib.contextmanager
    def val_task(self, total: int) -> Iterator[Any]:
        yield lambda: None


@contextlib.contextmanager
def _quiet_trainer() -> Iterator[None]:
    from mlx_lm.tuner import trainer

    saved = getattr(trainer, "TrainUI", None)
    if saved is not None:
        setattr(trainer, "TrainUI", _QuietUI)  # noqa: B010 (a class attribute mypy types as final)
    try:
        yield
    finally:
        if saved is not None:
            setattr(trainer, "TrainUI", saved)  # noqa: B010


def _callback(
    store: Store,
    job_id: str,
    total: int,
    progress: TrainingProgress,
    history: dict[str, Any],
    best: tuple[Any, BestAdapter] | None = None,
) -> Any:
    from mlx_lm.tuner.callbacks import TrainingCallback

    class JobCallback(TrainingCallback):
        """Loss reports → job events, the bar's loss and tokens/s, and the run's history."""

        def on_train_loss_report(self, info: dict[str, Any]) -> None:
            if store.jobs.heartbeat(job_id):  # cancelled: no report after the job says so
                raise TrainingCancelled()
            step, loss, tps = info["iteration"], float(info["train_loss"]), float(info["tokens_per_second"])
            window = info["trained_tokens"] - history["trained_tokens"]
            history["train_seconds"] += window / tps if tps > 0 else 0.0
            history["trained_tokens"] = info["trained_tokens"]
            history["train_losses"].append((step, loss))
            data = {
                "step": step,
                "train_loss": loss,
                "learning_rate": float(info["learning_rate"]),
                "tokens_per_second": tps,
                "trained_tokens": int(info["trained_tokens"]),
                "peak_memory_gb": float(info["peak_memory"]),
                "total_steps": total,
            }
            store.jobs.add_event(job_id, "info", f"Step {step}/{total}: training loss={loss:.4f}", data)
            progress.update(step=step, loss=loss, tokens_per_second=tps)

        def on_val_loss_report(self, info: dict[str, Any]) -> None:
            step, loss = info["iteration"], float(info["val_loss"])
            history["val_losses"].append((step, loss))
            data = {
                "step": step,
                "val_loss": loss,
                "val_seconds": float(info["val_time"]),
                "total_steps": total,
            }
            store.jobs.add_event(job_id, "info", f"Step {step}/{total}: validation loss={loss:.4f}", data)
            if best is not None:
                best[1].observe(best[0], step, loss)  # raises EarlyStopped when patience runs out

    return JobCallback()


def lora_parameters(base_path: Path) -> dict[str, Any]:
    """LoRA rank/scale/dropout, plus the modules to adapt when the base model's ``config.json``
    names them (``fmscript_lora_keys``; the demo model adapts its MLPs only, see demo_model)."""
    from fmscript.ai.modeldir import read_config

    keys = read_config(base_path).get("fmscript_lora_keys")
    return (
        {**LORA_PARAMETERS, "keys": list(keys)} if isinstance(keys, list) and keys else dict(LORA_PARAMETERS)
    )


def schedule(max_steps: int) -> tuple[int, int]:
    """(steps per loss report, steps per validation) for a run of ``max_steps``."""
    return max(1, min(10, max_steps // 50)), max(10, min(200, max_steps // 5))


def split_examples(examples: list[dict[str, Any]], batch_size: int, seed: int) -> tuple[list[Any], list[Any]]:
    """Hold out ~10% (at least 2, at least one batch) for validation when there are 20+ examples."""
    import numpy as np

    n = len(examples)
    n_val = max(2, round(n * 0.1), batch_size)
    if n < VAL_MIN_EXAMPLES or n - n_val < batch_size:
        return examples, []
    order = np.random.default_rng(seed).permutation(n)
    val = {int(i) for i in order[:n_val]}
    return [e for i, e in enumerate(examples) if i not in val], [
        e for i, e in enumerate(examples) if i in val
    ]


def _probe_loss(model: Any, dataset: Any, batch_size: int, iterate: Any) -> float:
    """Mean loss over the first few batches (the same batches before and after training)."""
    from mlx_lm.tuner.trainer import evaluate

    return float(
        evaluate(
            model,
            dataset,
            batch_size,
            min(LOSS_PROBE_BATCHES, len(dataset) // batch_size),
            MAX_SEQ_LENGTH,
            loss=_masked_loss,
            iterate_batches=iterate,
        )
    )


def _tokenized(
    store: Store, job_id: str, examples: list[dict[str, Any]], tokenizer: Any, batch_size: int
) -> Any:
    """Examples as a tokenized ``CacheDataset``; those with nothing to train within
    MAX_SEQ_LENGTH tokens are left out (with a warning event)."""
    from mlx_lm.tuner.datasets import CacheDataset

    data = CacheDataset(SpanChatDataset(examples, tokenizer))
    keep = [i for i in range(len(data)) if data[i][1] and data[i][1][0][0] < MAX_SEQ_LENGTH - 1]
    n_long = sum(1 for i in range(len(data)) if len(data[i][0]) > MAX_SEQ_LENGTH)
    if n_long:
        store.jobs.add_event(
            job_id, "warn", f"{n_long} examples are longer than {MAX_SEQ_LENGTH} tokens and are truncated"
        )
    if len(keep) < len(data):
        store.jobs.add_event(
            job_id, "warn", f"{len(data) - len(keep)} examples have no assistant tokens to train on; left out"
        )
        data = CacheDataset(SpanChatDataset([examples[i] for i in keep], tokenizer))
    if len(data) < batch_size:
        raise ai_error(
            f"{len(data)} examples to train on, fewer than batch_size {batch_size}", INVALID_TRAINING_DATA
        )
    return data


def _examples(
    store: Store, file_id: str, method: str, validation: bool = False
) -> tuple[FileRecord, list[dict[str, Any]]]:
    """A stored training (or ``validation``) file, re-validated as it may have been edited, and its
    examples (chat lines for ``supervised``, preference lines for ``dpo``). A validation set may
    have fewer than 10 examples: only its bad lines are errors."""
    file = store.files.get(file_id)
    path = store.files.local_path(file_id)
    report = datasets.validate_jsonl(path, method=method)
    if (any(line for line, _ in report.problems) or not report.n_examples) if validation else not report.ok:
        what = "validation" if validation else "training"
        raise ai_error(f"invalid {what} data\n" + report.format_text(), INVALID_TRAINING_DATA)
    return file, datasets.load_examples(path)


def _datasets(
    store: Store,
    job_id: str,
    name: str,
    params: LocalParams,
    examples: list[dict[str, Any]],
    tokenizer: Any,
) -> tuple[Any, Any, list[int]]:
    """Tokenized (training, validation or None) sets, announced with a start event; and the
    indices (0-based) of the examples held out for validation (fmscript eval's default).

    The job's ``validation_file``, when it names one, is the validation set; else ~10 % of the
    examples are held out (from 20 examples on)."""
    if params.validation_file:
        train_set, val_set = (
            examples,
            _examples(store, params.validation_file, "supervised", validation=True)[1],
        )
    else:
        train_set, val_set = split_examples(examples, params.batch_size, params.seed)
    held_out = [i for i, e in enumerate(examples) if any(e is v for v in val_set)]
    train_data = _tokenized(store, job_id, train_set, tokenizer, params.batch_size)
    val_data = _tokenized(store, job_id, val_set, tokenizer, 1) if val_set else None
    if val_data is not None and len(val_data) < params.batch_size:
        val_data = None  # too few left to fill one validation batch
    store.jobs.add_event(
        job_id,
        "info",
        f"Training {name}: {len(train_data)} training and {len(val_data or [])} validation examples, "
        f"{params.max_steps} steps, batch {params.batch_size}, LoRA on {params.lora_layers} layers, "
        f"lr {params.learning_rate:g}",
        {
            "n_train": len(train_data),
            "n_valid": len(val_data or []),
            "train_tokens": sum(len(train_data[i][0]) for i in range(len(train_data))),
        },
    )
    return train_data, val_data, held_out


def _adapter_folder(
    store: Store, job: Job, params: LocalParams, base_path: Path, lora: dict[str, Any]
) -> Path:
    """A fresh ``<home>/models/.tmp-<job>`` folder holding the adapter config mlx_lm.load reads."""
    out = model_tmp_dir(store.home, job.id)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    adapter_config = {
        "fine_tune_type": "lora",
        "num_layers": params.lora_layers,
        "lora_parameters": dict(lora),
        "model": str(base_path),
        "base_model": job.model,
        "batch_size": params.batch_size,
        "iters": params.max_steps,
        "learning_rate": params.learning_rate,
        "seed": params.seed,
        "max_seq_length": MAX_SEQ_LENGTH,
        "mask": "assistant",
    }
    (out / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2))
    return out


def _train_loop(
    store: Store,
    job_id: str,
    name: str,
    model: Any,
    params: LocalParams,
    data: tuple[Any, Any],
    out: Path,
    progress: TrainingProgress,
) -> dict[str, Any]:
    """``mlx_lm.tuner.train`` with our batches, loss and callbacks; returns the run's history."""
    import mlx.optimizers as optim
    from mlx_lm.tuner import TrainingArgs, train

    history: dict[str, Any] = {
        "trained_tokens": 0,
        "train_seconds": 0.0,
        "train_losses": [],
        "val_losses": [],
    }
    total = params.max_steps
    report_every, eval_every = schedule(total)
    best = BestAdapter(params.early_stopping_patience) if params.early_stopping_patience and data[1] else None
    args = TrainingArgs(
        batch_size=params.batch_size,
        iters=total,
        val_batches=VAL_BATCHES,
        steps_per_report=report_every,
        steps_per_eval=eval_every,
        steps_per_save=params.save_every or total + 1,
        max_seq_length=MAX_SEQ_LENGTH,
        adapter_file=str(out / "adapters.safetensors"),
    )
    progress.start(name, total)
    loop_started = time.monotonic()
    try:
        with _quiet_trainer():
            train(
                model,
                optim.Adam(learning_rate=params.learning_rate),
                data[0],
                data[1],
                args,
                loss=_masked_loss,
                iterate_batches=_make_batches(_StepHook(store, job_id, progress), params.seed),
                training_callback=_callback(
                    store, job_id, total, progress, history, (model, best) if best else None
                ),
            )
    except EarlyStopped:
        store.jobs.add_event(
            job_id, "info",
            f"Early stopping at step {best.stopped_at if best else '?'}: no better validation loss in "
            f"{params.early_stopping_patience} reports",
        )  # fmt: skip
    finally:
        progress.close()
    if best is not None and best.restore(model, out / "adapters.safetensors"):
        history["best_step"], history["stopped_at"] = best.best_step, best.stopped_at
        store.jobs.add_event(
            job_id,
            "info",
            f"Kept the adapter of step {best.best_step} (best validation loss {best.best_loss:.4f})",
        )
    history["loop_seconds"] = time.monotonic() - loop_started
    return history


def _card(
    job: Job,
    params: LocalParams,
    base_path: Path,
    file: FileRecord,
    n_examples: int,
    data: tuple[Any, Any],
    losses: tuple[float, float],
    history: dict[str, Any],
    lora: dict[str, Any],
    held_out: list[int],
) -> ModelCard:
    """The fine-tuned model's ``card.json``: what it was trained from, how, and how it went."""
    train_data, val_data = data
    seconds = history["train_seconds"]
    last = history["train_losses"][-1][1] if history["train_losses"] else None
    vals = history["val_losses"]
    return ModelCard(
        name=job.fine_tuned_model,
        base_model=job.model,
        base_model_path=str(base_path),
        job_id=job.id,
        parameters=params.to_dict(),
        notes=list(params.notes),
        lora_parameters=dict(lora),
        data=CardData(
            file_id=file.id,
            training_file=job.training_file,
            sha256=file.sha256,
            n_examples=n_examples,
            n_train=len(train_data),
            n_valid=len(val_data or []),
            validation_examples=held_out,
        ),
        initial_train_loss=losses[0],
        final_train_loss=losses[1],
        last_reported_train_loss=last,
        initial_val_loss=vals[0][1] if vals else None,
        val_loss=vals[-1][1] if vals else None,
        steps=params.max_steps,
        n_epochs=params.n_epochs or None,
        best_step=history.get("best_step"),
        stopped_at=history.get("stopped_at"),
        trained_tokens=history["trained_tokens"],
        tokens_per_second=history["trained_tokens"] / seconds if seconds else None,
        train_seconds=seconds,
        loop_seconds=history["loop_seconds"],
    )


def _sft(
    store: Store,
    job: Job,
    params: LocalParams,
    base_path: Path,
    file: FileRecord,
    examples: list[dict[str, Any]],
    loaded: tuple[Any, Any],
    lora: dict[str, Any],
    out: Path,
    progress: TrainingProgress,
) -> ModelCard:
    """Supervised training of the adapted model (loss probes before and after); its card."""
    model, tokenizer = loaded
    job_id, name = job.id, job.fine_tuned_model
    train_data, val_data, held_out = _datasets(store, job_id, name, params, examples, tokenizer)
    if params.n_epochs:
        steps = steps_for_epochs(len(train_data), params.n_epochs, params.batch_size)
        params = dataclasses.replace(params, max_steps=steps)
        store.jobs.add_event(
            job_id, "info", f"{params.n_epochs} epochs of {len(train_data)} examples in batches of "
            f"{params.batch_size}: {steps} steps", {"n_epochs": params.n_epochs, "total_steps": steps},
        )  # fmt: skip
    data = (train_data, val_data)
    probe = _make_batches(None, params.seed)
    initial_loss = _probe_loss(model, data[0], params.batch_size, probe)
    history = _train_loop(store, job_id, name, model, params, data, out, progress)
    final_loss = _probe_loss(model, data[0], params.batch_size, probe)
    return _card(
        job, params, base_path, file, len(examples), data, (initial_loss, final_loss), history, lora, held_out
    )


def _base_path(store: Store, job: Job, settings: Settings) -> Path:
    """The job's base model folder; a hub id queued before it was here is downloaded now, with
    job events for its progress."""
    from fmscript.ai import hub

    if job.base_model_path and Path(job.base_model_path).is_dir():
        return Path(job.base_model_path)

    def event(level: str, message: str, data: dict[str, Any]) -> None:
        store.jobs.add_event(job.id, level, message, data)

    return hub.ensure_local(store, job.model, settings, events=event)


def train_job(
    store: Store, job: Job, progress: TrainingProgress, settings: Settings | None = None
) -> ModelCard:
    """Train one claimed job; write adapter + card into ``<home>/models/<name>``; return the card."""
    _import_mlx()
    import mlx.core as mx
    import mlx_lm
    import numpy as np
    from mlx_lm.tuner import linear_to_lora_layers

    from fmscript.ai.engines.mlx_cpu import speed_up_frozen_layers

    started = time.monotonic()
    job_id = job.id
    params = LocalParams.from_dict(job.params)
    base_path = _base_path(store, job, settings or Settings())
    file, examples = _examples(store, job.file_id, params.method)

    mx.random.seed(params.seed)
    np.random.seed(params.seed)
    model, tokenizer = load_model(base_path)
    params = params.capped(len(model.layers))
    for note in params.notes:
        store.jobs.add_event(job_id, "warn", note)

    model.freeze()
    lora = lora_parameters(base_path)
    linear_to_lora_layers(model, params.lora_layers, dict(lora))
    speed_up_frozen_layers(model)  # mlx CPU: frozen matmuls in their fast layout
    out = _adapter_folder(store, job, params, base_path, lora)
    if params.method == "dpo":
        from fmscript.ai.engines.mlx_dpo import train_job_dpo

        if params.validation_file:
            split = (examples, _examples(store, params.validation_file, "dpo", validation=True)[1])
        else:
            split = split_examples(examples, params.batch_size, params.seed)
        if params.n_epochs:
            steps = steps_for_epochs(len(split[0]), params.n_epochs, params.batch_size)
            params = dataclasses.replace(params, max_steps=steps)
        hook, every = _StepHook(store, job_id, progress), schedule(params.max_steps)[0]
        card = train_job_dpo(
            store, job, params, (base_path, file, lora), split, (model, tokenizer), progress, hook, every
        )
        from mlx.utils import tree_flatten

        mx.save_safetensors(
            str(out / "adapters.safetensors"), dict(tree_flatten(model.trainable_parameters()))
        )
    else:
        card = _sft(store, job, params, base_path, file, examples, (model, tokenizer), lora, out, progress)
    card = attrs.evolve(
        card,
        seconds=time.monotonic() - started,
        peak_memory_gb=mx.get_peak_memory() / 1e9,
        created_at=int(time.time() * 1000),
        mlx_lm_version=getattr(mlx_lm, "__version__", None),
        checkpoint_steps=checkpoint_steps(out),
    )
    card.write(out)
    install_model(store, job, out)
    return card


def install_model(store: Store, job: Job, out: Path) -> None:
    """Move a trained adapter into ``<home>/models/<name>`` and register it. A job cancelled
    meanwhile installs nothing; a model of the same name (only a name the user gave can be taken:
    the store gives default names that are free) is replaced now, and the job's events say so."""
    name = job.fine_tuned_model
    if store.jobs.get(job.id).status != "running":
        raise TrainingCancelled()
    previous = store.models.find(name)
    final = homes.models_dir(store.home) / name
    shutil.rmtree(final, ignore_errors=True)
    os.replace(out, final)
    store.models.add_fine_tuned(name, final, job.model, job.id)
    if previous is not None and previous.kind == "fine-tuned":
        earlier = f" (trained by job {previous.job_id})" if previous.job_id else ""
        store.jobs.add_event(job.id, "warn", f"Replaced the earlier model {name}{earlier}")


_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}
_LOAD_LOCK = threading.Lock()


def _resident(base_path: Path, adapter_path: Path | None) -> tuple[Any, Any]:
    """The loaded (model, tokenizer): one model stays resident in this process, as the AI Model
    Server keeps one; asking for another replaces it (a stream already running keeps its own)."""
    stamp = str((adapter_path / "adapters.safetensors").stat().st_mtime_ns) if adapter_path else ""
    key = (str(base_path), f"{adapter_path}@{stamp}" if adapter_path else "")
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_model(base_path, adapter_path)
        return _LOADED[key]


def stream_generate(
    base_path: Path,
    adapter_path: Path | None,
    messages: list[dict[str, Any]],
    max_tokens: int = 256,
    temperature: float = 0.0,
    seed: int | None = None,
) -> Iterator[str]:
    """The assistant's reply as text chunks, as mlx-lm decodes them (empty chunks skipped)."""
    _import_mlx()
    import mlx.core as mx
    from mlx_lm import stream_generate as mlx_stream
    from mlx_lm.sample_utils import make_sampler

    model, tokenizer = _resident(base_path, adapter_path)
    if max_tokens <= 0:
        return
    if seed is not None:
        mx.random.seed(seed)
    prompt = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=False
    )
    for response in mlx_stream(
        model, tokenizer, list(prompt), max_tokens=max_tokens, sampler=make_sampler(temp=temperature)
    ):
        if response.text:
            yield response.text


def generate(
    base_path: Path,
    adapter_path: Path | None,
    messages: list[dict[str, Any]],
    max_tokens: int = 256,
    temperature: float = 0.0,
    seed: int | None = None,
) -> str:
    """The assistant's whole reply (see :func:`stream_generate`)."""
    return "".join(stream_generate(base_path, adapter_path, messages, max_tokens, temperature, seed))
