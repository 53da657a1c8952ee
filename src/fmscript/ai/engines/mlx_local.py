"""Local fine-tuning (LoRA, DoRA or full) with mlx-lm's Python API.

Training goes through :func:`mlx_lm.tuner.train` with its two public hooks: ``iterate_batches``
(:func:`fmscript.ai.engines.mlx_data.make_batches`; once per step our hook moves the progress bar,
beats the job's heartbeat and checks for a cancel) and ``loss`` (``mlx_data.masked_loss``). Our
:class:`~mlx_lm.tuner.callbacks.TrainingCallback` subclass turns loss reports into job events.
The modules adapted are the model family's usual ones (:mod:`fmscript.ai.families`) unless the job
names them (``lora_keys``). Work outside the training steps (the loss probes before and after, the
validations) is capped to a share of the steps, so it does not outgrow a short run on a big model.
mlx, mlx_lm and numpy are imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from fmscript.ai import home as homes
from fmscript.ai.datasets import MAX_SEQ_LENGTH
from fmscript.ai.engines import mlx_data, mlx_generate
from fmscript.ai.engines.controls import (
    BestAdapter,
    EarlyStopped,
    checkpoint_steps,
    load_resume_point,
    resume_dir,
    save_resume_point,
    steps_for_epochs,
    training_world,
)
from fmscript.ai.errors import UNKNOWN_JOB, ai_error
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import CardData, FileRecord, Job, ModelCard
from fmscript.ai.jobs.sql_jobs import model_tmp_dir
from fmscript.ai.params import LocalParams
from fmscript.ai.progress import TrainingProgress
from fmscript.settings import Settings

# MAX_SEQ_LENGTH: declared once, in fmscript.ai.datasets (validation and training agree).
LOSS_PROBE_BATCHES = 8
HEARTBEAT_SECONDS = 1.0
VAL_BATCHES = 25


class TrainingCancelled(Exception):
    """Raised from inside the training loop when the job's cancel flag is set."""


class _StepHook:
    """Called between training steps: progress, heartbeat, cancel."""

    def __init__(
        self,
        store: Store,
        job_id: str,
        progress: TrainingProgress,
        start: int = 0,
        checkpoint: tuple[int, Callable[[int], None]] | None = None,
    ) -> None:
        self.store, self.job_id, self.progress = store, job_id, progress
        self.step = start  # a resumed job counts on from its resume point
        self.checkpoint = checkpoint  # (every N steps, save(step))
        self._beat = 0.0

    def __call__(self) -> None:
        self.step += 1
        self.progress.update(step=self.step)
        if self.checkpoint is not None and self.step % self.checkpoint[0] == 0:
            self.checkpoint[1](self.step)
        now = time.monotonic()
        if now - self._beat >= HEARTBEAT_SECONDS:
            self._beat = now
            if self.store.jobs.heartbeat(self.job_id):
                raise TrainingCancelled()


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
    start: int = 0,
) -> Any:
    from mlx_lm.tuner.callbacks import TrainingCallback

    class JobCallback(TrainingCallback):
        """Loss reports → job events, the bar's loss and tokens/s, and the run's history."""

        def on_train_loss_report(self, info: dict[str, Any]) -> None:
            if store.jobs.heartbeat(job_id):  # cancelled: no report after the job says so
                raise TrainingCancelled()
            step, loss, tps = (
                info["iteration"] + start,
                float(info["train_loss"]),
                float(info["tokens_per_second"]),
            )
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
            step, loss = info["iteration"] + start, float(info["val_loss"])
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


def lora_parameters(base_path: Path, params: LocalParams | None = None) -> dict[str, Any]:
    """mlx-lm's ``lora_parameters``: rank, scale, dropout and the modules to adapt — the job's
    ``lora_keys``, else the model family's usual ones (None: mlx-lm's default, every linear)."""
    from fmscript.ai import families
    from fmscript.ai.modeldir import read_config

    params = params or LocalParams()
    keys = list(params.lora_keys) or families.lora_keys(read_config(base_path))
    lora: dict[str, Any] = {
        "rank": params.lora_rank,
        "scale": params.lora_scale,
        "dropout": params.lora_dropout,
    }
    return {**lora, "keys": keys} if keys else lora


def adapt(model: Any, params: LocalParams, lora: dict[str, Any]) -> None:
    """Make the model's last ``lora_layers`` blocks trainable as ``fine_tune_type`` says: LoRA or
    DoRA adapters on the ``lora`` modules (the rest frozen), or the blocks' own weights (full)."""
    from mlx_lm.tuner import linear_to_lora_layers

    from fmscript.ai.errors import BAD_PARAMETER, ai_error

    model.freeze()
    if params.fine_tune_type == "full":
        for layer in model.layers[-params.lora_layers :]:
            layer.unfreeze()
        return
    try:
        linear_to_lora_layers(model, params.lora_layers, dict(lora), use_dora=params.fine_tune_type == "dora")
    except ValueError as exc:
        raise ai_error(f"cannot adapt the model's layers ({exc})", BAD_PARAMETER) from None
    if not _has_trainable(model):
        raise ai_error(f"lora_keys {lora.get('keys')} name no module of this model's layers", BAD_PARAMETER)


def _has_trainable(model: Any) -> bool:
    from mlx.utils import tree_flatten

    return bool(tree_flatten(model.trainable_parameters()))


def schedule(max_steps: int) -> tuple[int, int]:
    """(steps per loss report, steps per validation) for a run of ``max_steps``."""
    return max(1, min(10, max_steps // 50)), max(10, min(200, max_steps // 5))


def side_batches(max_steps: int) -> tuple[int, int]:
    """(batches per loss probe, batches per validation): forward passes outside the training
    steps, each kept to about a tenth of the steps (a 4-step run on a big model probes 1 batch,
    not 8, and validates on 1, not 25)."""
    _, eval_every = schedule(max_steps)
    n_evals = 2 + max_steps // eval_every
    probe = max(1, min(LOSS_PROBE_BATCHES, max_steps // 10))
    return probe, max(1, min(VAL_BATCHES, max_steps // (10 * n_evals) or 1))


def _probe_loss(model: Any, dataset: Any, params: LocalParams, iterate: Any) -> float:
    """Mean loss over the first few batches (the same batches before and after training)."""
    from mlx_lm.tuner.trainer import evaluate

    return float(
        evaluate(
            model,
            dataset,
            params.batch_size,
            min(side_batches(params.max_steps)[0], len(dataset) // params.batch_size),
            MAX_SEQ_LENGTH,
            loss=mlx_data.masked_loss,
            iterate_batches=iterate,
        )
    )


def _adapter_folder(
    store: Store, job: Job, params: LocalParams, base_path: Path, lora: dict[str, Any]
) -> Path:
    """A fresh ``<home>/models/.tmp-<job>`` folder holding the adapter config mlx_lm.load reads."""
    out = model_tmp_dir(store.home, job.id)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    adapter_config = {
        "fine_tune_type": params.fine_tune_type,
        "num_layers": params.lora_layers,
        "lora_parameters": dict(lora),
        "grad_checkpoint": params.grad_checkpoint,
        "mask_prompt": params.mask_prompt,
        "model": str(base_path),
        "base_model": job.model,
        "batch_size": params.batch_size,
        "iters": params.max_steps,
        "learning_rate": params.learning_rate,
        "seed": params.seed,
        "max_seq_length": MAX_SEQ_LENGTH,
        "mask": "assistant" if params.mask_prompt else "none",
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
    optimizer = optim.Adam(learning_rate=params.learning_rate)
    start = _resume(store, job_id, params, model, optimizer)
    checkpoint = (
        (params.save_every, _checkpointer(store.home, job_id, model, optimizer, out))
        if params.save_every and training_world(params.batch_size)[0] == 0  # other ranks keep nothing
        else None
    )
    args = TrainingArgs(
        batch_size=params.batch_size,
        iters=total - start,
        val_batches=side_batches(total)[1],
        grad_checkpoint=params.grad_checkpoint,
        steps_per_report=report_every,
        steps_per_eval=eval_every,
        steps_per_save=total + 1,  # checkpoints: _checkpointer, numbered on from a resume point
        max_seq_length=MAX_SEQ_LENGTH,
        adapter_file=str(out / "adapters.safetensors"),
    )
    progress.start(name, total, completed=start)
    loop_started = time.monotonic()
    try:
        with _quiet_trainer():
            train(
                model,
                optimizer,
                data[0],
                data[1],
                args,
                loss=mlx_data.masked_loss,
                iterate_batches=mlx_data.make_batches(
                    _StepHook(store, job_id, progress, start, checkpoint),
                    params.seed,
                    params.mask_prompt,
                    params.pack_sequences,
                ),
                training_callback=_callback(
                    store, job_id, total, progress, history, (model, best) if best else None, start
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
    if checkpoint is not None and total % params.save_every == 0 and not history.get("stopped_at"):
        shutil.copyfile(out / "adapters.safetensors", out / f"{total:07d}_adapters.safetensors")
    history["loop_seconds"] = time.monotonic() - loop_started
    history["resumed_at"] = start or None
    return history


def _resume(store: Store, job_id: str, params: LocalParams, model: Any, optimizer: Any) -> int:
    """Load ``resume_from``'s resume point into the model and optimizer; the step it was saved at."""
    from mlx.utils import tree_unflatten

    if not params.resume_from:
        return 0
    point = load_resume_point(resume_dir(store.home, params.resume_from))
    if point is None or point.step >= params.max_steps:
        raise ai_error(f"job {params.resume_from} has no resume point left to train from", UNKNOWN_JOB)
    model.update(tree_unflatten(point.adapter))
    optimizer.state = tree_unflatten(point.optimizer)
    store.jobs.add_event(
        job_id, "info", f"Resuming {params.resume_from} from step {point.step} of {params.max_steps}",
        {"resumed_from": params.resume_from, "step": point.step},
    )  # fmt: skip
    return point.step


def _checkpointer(home: Path, job_id: str, model: Any, optimizer: Any, out: Path) -> Callable[[int], None]:
    """save(step): the adapter beside the final one, and a resume point (adapter + optimizer)."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    def save(step: int) -> None:
        weights = dict(tree_flatten(model.trainable_parameters()))
        mx.save_safetensors(str(out / f"{step:07d}_adapters.safetensors"), weights)
        save_resume_point(resume_dir(home, job_id), step, weights, optimizer.state)

    return save


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
        fine_tune_type=params.fine_tune_type,
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


def _warn_slow_quantized(store: Store, job_id: str, base_path: Path, progress: TrainingProgress) -> None:
    """mlx's CPU backend has no fast quantized matmul: a quantized base trains very slowly there
    (a 0.5B 4-bit model did not finish one step in 10 minutes on 2 cores). Say so before training."""
    import mlx.core as mx

    from fmscript.ai.modeldir import facts

    quantization = facts(base_path).quantization
    if mx.default_device() == mx.cpu and "bit" in quantization:
        message = (
            f"the base model is quantized ({quantization}) and mlx runs on the CPU here, which has no "
            "fast quantized kernels: training will be slow; a float (bf16) base or a GPU is much faster"
        )
        store.jobs.add_event(job_id, "warn", message)
        progress.message(f"warning: {message}")


def _base_path(store: Store, job: Job, settings: Settings) -> Path:
    """The job's base model folder; a hub id queued before it was here is downloaded now, with
    job events for its progress."""
    from fmscript.ai import hub

    if job.base_model_path and Path(job.base_model_path).is_dir():
        return Path(job.base_model_path)

    def event(level: str, message: str, data: dict[str, Any]) -> None:
        store.jobs.add_event(job.id, level, message, data)

    return hub.ensure_local(store, job.model, settings, events=event)


def _check_memory(
    store: Store, job_id: str, base_path: Path, params: LocalParams, train_data: Any, lora: dict[str, Any]
) -> None:
    """Estimate the peak memory before training; refuse when it exceeds the machine's."""
    from fmscript.ai import train_memory
    from fmscript.ai.errors import BAD_PARAMETER, ai_error
    from fmscript.ai.hub import human_size

    longest = max(len(train_data[i][0]) for i in range(len(train_data)))
    guess = train_memory.estimate(
        base_path,
        lora_layers=params.lora_layers,
        batch_size=params.batch_size,
        seq_len=min(longest, MAX_SEQ_LENGTH),
        fine_tune_type=params.fine_tune_type,
        lora_rank=params.lora_rank,
        n_keys=len(lora.get("keys") or ()) or 7,
        grad_checkpoint=params.grad_checkpoint,
    )
    machine = train_memory.physical_memory()
    message = f"Estimated peak memory: {human_size(guess.total)}" + (
        f" of the machine's {human_size(machine)}" if machine else ""
    )
    store.jobs.add_event(
        job_id, "info", message, {"estimated_peak_bytes": guess.total, "machine_bytes": machine}
    )
    if machine and guess.total > machine:
        raise ai_error(
            f"this training needs about {human_size(guess.total)} of memory, more than this machine's "
            f"{human_size(machine)}: lower batch_size or lora_layers, set grad_checkpoint, or use a "
            "smaller or quantized base model",
            BAD_PARAMETER,
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
    train_data, val_data, held_out = mlx_data.split_datasets(store, job_id, name, params, examples, tokenizer)
    if params.n_epochs:
        rows = len(train_data)
        if params.pack_sequences:  # an epoch is as many packed rows as the examples fill
            rows = mlx_data.packed_row_count([len(train_data[i][0]) for i in range(len(train_data))])
        steps = steps_for_epochs(rows, params.n_epochs, params.batch_size)
        params = dataclasses.replace(params, max_steps=steps)
        store.jobs.add_event(
            job_id, "info", f"{params.n_epochs} epochs of {len(train_data)} examples in batches of "
            f"{params.batch_size}: {steps} steps", {"n_epochs": params.n_epochs, "total_steps": steps},
        )  # fmt: skip
    _check_memory(store, job_id, base_path, params, train_data, lora)
    data = (train_data, val_data)
    probe = mlx_data.make_batches(None, params.seed, params.mask_prompt, params.pack_sequences)
    initial_loss = _probe_loss(model, data[0], params, probe)
    history = _train_loop(store, job_id, name, model, params, data, out, progress)
    final_loss = _probe_loss(model, data[0], params, probe)
    return _card(
        job, params, base_path, file, len(examples), data, (initial_loss, final_loss), history, lora, held_out
    )


def train_job(
    store: Store, job: Job, progress: TrainingProgress, settings: Settings | None = None
) -> ModelCard:
    """Train one claimed job; write adapter + card into ``<home>/models/<name>``; return the card."""
    mlx_generate.import_mlx()
    import mlx.core as mx
    import mlx_lm
    import numpy as np

    from fmscript.ai.engines.mlx_cpu import speed_up_frozen_layers

    started = time.monotonic()
    job_id = job.id
    params = LocalParams.from_dict(job.params)
    # fmscript worker --ranks-per-host: every rank trains its share of each batch; rank 0 alone
    # keeps the adapter and the card (the other ranks' store writes nothing: ai/jobs/rank.py)
    rank, world_size = training_world(params.batch_size)
    base_path = _base_path(store, job, settings or Settings())
    file, examples = mlx_data.job_examples(store, job.file_id, params.method)

    mx.random.seed(params.seed)
    np.random.seed(params.seed)
    model, tokenizer = mlx_generate.load_model(base_path)
    params = params.capped(len(model.layers))
    for note in params.notes:
        store.jobs.add_event(job_id, "warn", note)
    lora = lora_parameters(base_path, params)
    adapt(model, params, lora)
    speed_up_frozen_layers(model)  # mlx CPU: frozen float matmuls in their fast layout
    _warn_slow_quantized(store, job_id, base_path, progress)
    lead = rank == 0
    out = _adapter_folder(store, job, params, base_path, lora) if lead else Path(tempfile.mkdtemp())
    if params.method == "dpo":
        from fmscript.ai.engines.mlx_dpo import train_job_dpo

        if params.validation_file:
            split = (
                examples,
                mlx_data.job_examples(store, params.validation_file, "dpo", validation=True)[1],
            )
        else:
            split = mlx_data.split_examples(examples, params.batch_size, params.seed)
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
        world_size=world_size,
    )
    if not lead:
        shutil.rmtree(out, ignore_errors=True)
        return card
    card.write(out)
    install_model(store, job, out)
    for done in {job_id, params.resume_from} - {""}:
        shutil.rmtree(resume_dir(store.home, done), ignore_errors=True)  # nothing left to resume
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
