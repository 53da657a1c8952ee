"""Direct Preference Optimization (DPO) on MLX: the loss, the training loop and preference scores.

DPO (Rafailov et al., 2023) trains on pairs of answers to the same conversation, one preferred:

    loss = -log σ( β · [(log π(y⁺) - log π_ref(y⁺)) - (log π(y⁻) - log π_ref(y⁻))] )

where log π(y) is the summed log-probability of the answer's tokens under the model being trained
and π_ref the reference model. Here the reference is the base model with the adapter switched off:
a LoRA/DoRA adapter starts with ``lora_b = 0``, so the model before the first step *is* the
reference, and its answer log-probabilities are computed once, before training, and kept per pair
(no second copy of the weights, no second forward pass per step). The reported *reward* of an answer
is β · (log π - log π_ref); the reward margin is preferred minus non-preferred, the preference
accuracy the share of pairs whose margin is positive.

mlx and numpy are imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from fmscript.ai import datasets
from fmscript.ai.datasets import MAX_SEQ_LENGTH
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import CardData, FileRecord, Job, ModelCard
from fmscript.ai.preference import as_chats

TokenSpans = tuple[list[int], list[tuple[int, int]]]
PAD_MULTIPLE = 8


@attrs.frozen
class PreferencePair:
    """One preference line, tokenized: (tokens, answer span) of the preferred and the other answer."""

    preferred: TokenSpans
    rejected: TokenSpans

    @property
    def length(self) -> int:
        return max(len(self.preferred[0]), len(self.rejected[0]))


@attrs.frozen
class DPOMetrics:
    """One step's (or one report's mean) DPO figures."""

    loss: float
    reward_margin: float
    preference_accuracy: float
    chosen_reward: float
    rejected_reward: float


def tokenize_pairs(tokenizer: Any, examples: Sequence[dict[str, Any]]) -> list[PreferencePair]:
    """Preference lines → token pairs (chat template of ``input`` + each answer; loss on the answer)."""
    pairs = []
    for example in examples:
        preferred, rejected = (datasets.chat_token_spans(tokenizer, chat) for chat in as_chats(example))
        pairs.append(PreferencePair(preferred, rejected))
    return pairs


def pack_pairs(pairs: Sequence[PreferencePair], max_len: int) -> tuple[Any, Any]:
    """A batch of 2·B rows (B preferred answers, then their B other answers) and its answer mask."""
    import mlx.core as mx
    import numpy as np

    rows = [p.preferred for p in pairs] + [p.rejected for p in pairs]
    longest = max(len(tokens) for tokens, _ in rows)
    width = min(max_len, PAD_MULTIPLE * -(-longest // PAD_MULTIPLE))
    batch = np.zeros((len(rows), width), np.int32)
    mask = np.zeros((len(rows), width), np.bool_)
    for row, (tokens, spans) in enumerate(rows):
        tokens = tokens[:width]
        batch[row, : len(tokens)] = tokens
        for start, end in spans:
            mask[row, max(start, 1) : min(end, width)] = True
    return mx.array(batch), mx.array(mask)


def sequence_logps(model: Any, batch: Any, mask: Any) -> Any:
    """Per row: the summed log-probability of the masked (answer) tokens given what precedes them."""
    import mlx.core as mx

    inputs, targets, weights = batch[:, :-1], batch[:, 1:], mask[:, 1:]
    logits = model(inputs).astype(mx.float32)
    logps = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
    picked = mx.take_along_axis(logps, targets[..., None], axis=-1).squeeze(-1)
    return (picked * weights).sum(axis=-1)


def dpo_terms(policy: Any, reference: Any, beta: float) -> tuple[Any, Any, Any]:
    """(loss, per-pair preferred reward, per-pair other reward) from the 2·B row log-probs."""
    import mlx.core as mx

    half = policy.shape[0] // 2
    rewards = beta * (policy - reference)
    chosen, rejected = rewards[:half], rewards[half:]
    # -log σ(x) = log(1 + e^{-x}), computed stably
    loss = mx.logaddexp(mx.zeros_like(chosen), -(chosen - rejected)).mean()
    return loss, chosen, rejected


def make_loss(beta: float, rpo_alpha: float = 0.0) -> Callable[..., Any]:
    """``loss(model, batch, mask, reference) -> (loss, (chosen rewards, rejected rewards))``.

    ``rpo_alpha`` > 0 adds that multiple of the preferred answers' mean per-token negative
    log-likelihood (RPO, Pang et al. 2024; TRL's ``rpo_alpha``): the preferred answer is also
    learned outright, not only ranked above the other one.
    """

    def loss(model: Any, batch: Any, mask: Any, reference: Any) -> tuple[Any, Any]:
        policy = sequence_logps(model, batch, mask)
        loss_value, chosen, rejected = dpo_terms(policy, reference, beta)
        if rpo_alpha:
            half = policy.shape[0] // 2
            tokens = mask[:half, 1:].sum()
            loss_value = loss_value - rpo_alpha * policy[:half].sum() / tokens
        return loss_value, (chosen, rejected)

    return loss


def metrics_of(loss: Any, chosen: Any, rejected: Any) -> DPOMetrics:
    margin = chosen - rejected
    return DPOMetrics(
        loss=float(loss),
        reward_margin=float(margin.mean()),
        preference_accuracy=float((margin > 0).mean()),
        chosen_reward=float(chosen.mean()),
        rejected_reward=float(rejected.mean()),
    )


def batches(pairs: Sequence[PreferencePair], batch_size: int, max_len: int, seed: int) -> Iterator[list[int]]:
    """Endless epochs of index batches (pairs of similar length together, batch order shuffled)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    while True:
        keys = rng.random(len(pairs))
        order = sorted(range(len(pairs)), key=lambda i: (pairs[i].length // 32, keys[i]))
        groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        if len(groups[-1]) < batch_size:
            groups[-1] = order[-batch_size:]
        for index in rng.permutation(len(groups)):
            yield groups[int(index)]


def reference_logps(model: Any, pairs: Sequence[PreferencePair], max_len: int, batch_size: int = 8) -> Any:
    """Each pair's answer log-probs under the model as it is now: ``(n_pairs, 2)`` (preferred, other)."""
    import mlx.core as mx

    out = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        logps = sequence_logps(model, *pack_pairs(chunk, max_len))
        mx.eval(logps)
        out.append(mx.stack([logps[: len(chunk)], logps[len(chunk) :]], axis=1))
    return mx.concatenate(out, axis=0)


@contextlib.contextmanager
def adapter_off(model: Any) -> Iterator[None]:
    """The model with every LoRA update switched off (scale 0): the base model, same weights.
    (A DoRA layer also rescales by its learned magnitude, so it is the base only before training.)"""
    layers = [m for _, m in model.named_modules() if hasattr(m, "lora_a") and hasattr(m, "scale")]
    saved = [m.scale for m in layers]
    for m in layers:
        m.scale = 0.0
    try:
        yield
    finally:
        for m, scale in zip(layers, saved, strict=True):
            m.scale = scale


def train_dpo(
    model: Any,
    pairs: Sequence[PreferencePair],
    *,
    steps: int,
    batch_size: int,
    learning_rate: float,
    beta: float,
    max_len: int,
    seed: int = 0,
    rpo_alpha: float = 0.0,
    report_every: int = 1,
    on_step: Callable[[int], None] | None = None,
    on_report: Callable[[int, DPOMetrics], None] | None = None,
) -> list[tuple[int, DPOMetrics]]:
    """Train the model's trainable parameters (the adapter) with the DPO loss; returns the reports.

    The reference log-probs are taken before the first step (the adapter is still the identity).
    ``on_step`` runs after every step (progress, heartbeat, cancel); ``on_report`` every
    ``report_every`` steps with the mean figures since the last report.
    """
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim

    if len(pairs) < batch_size:
        raise ValueError(f"{len(pairs)} preference pairs, fewer than batch_size {batch_size}")
    reference = reference_logps(model, pairs, max_len)
    loss_and_grad = nn.value_and_grad(model, make_loss(beta, rpo_alpha))
    optimizer = optim.Adam(learning_rate=learning_rate)
    model.train()
    reports: list[tuple[int, DPOMetrics]] = []
    window: list[DPOMetrics] = []
    order = batches(pairs, batch_size, max_len, seed)
    for step in range(1, steps + 1):
        indices = next(order)
        batch, mask = pack_pairs([pairs[i] for i in indices], max_len)
        ref = mx.concatenate([reference[mx.array(indices), 0], reference[mx.array(indices), 1]])
        (loss, (chosen, rejected)), grads = loss_and_grad(model, batch, mask, ref)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss, chosen, rejected)
        window.append(metrics_of(loss, chosen, rejected))
        if on_step is not None:
            on_step(step)
        if step % report_every == 0 or step == steps:
            mean = _mean(window)
            reports.append((step, mean))
            window = []
            if on_report is not None:
                on_report(step, mean)
    model.eval()
    return reports


def _mean(rows: Sequence[DPOMetrics]) -> DPOMetrics:
    fields = attrs.fields(DPOMetrics)
    return DPOMetrics(**{f.name: math.fsum(getattr(r, f.name) for r in rows) / len(rows) for f in fields})


@attrs.frozen
class PreferenceScore:
    """How a model ranks the answers of a preference set (log-probs summed over answer tokens, nats)."""

    n_pairs: int
    preference_accuracy: float
    reward_margin: float
    pairs: tuple[tuple[float, float], ...]  # (log p preferred, log p other) per line


def score_pairs(model: Any, pairs: Sequence[PreferencePair], max_len: int) -> PreferenceScore:
    """Share of pairs whose preferred answer is the likelier one, and the mean log-prob margin."""
    logps = reference_logps(model, pairs, max_len).tolist()
    rows = tuple((float(a), float(b)) for a, b in logps)
    n = len(rows)
    return PreferenceScore(
        n_pairs=n,
        preference_accuracy=sum(1 for a, b in rows if a > b) / n if n else 0.0,
        reward_margin=math.fsum(a - b for a, b in rows) / n if n else 0.0,
        pairs=rows,
    )


def train_job_dpo(
    store: Store,
    job: Job,
    params: Any,
    source: tuple[Any, FileRecord, dict[str, Any]],
    split: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    loaded: tuple[Any, Any],
    progress: Any,
    on_step: Callable[[], None],
    report_every: int,
) -> ModelCard:
    """A Local job with ``method: dpo``: split, train with events, score; the model card.

    ``source`` is (base model path, training file record, LoRA parameters), ``split`` the
    (training, validation) preference lines; ``on_step`` runs after each step (progress, heartbeat,
    cancel). The card has the SFT
    card's keys where they apply, plus ``method``, ``beta``, ``reward_margin`` and
    ``preference_accuracy``.

    ``model`` already carries its (identity) adapter. Events report the DPO loss as
    ``train_loss`` (so the loss curve draws it), with the reward margin and preference accuracy;
    the held-out pairs (10 %, from 20 lines on) are scored before and after as ``val_loss``.
    """
    started = time.monotonic()
    (model, tokenizer), (base_path, file, lora) = loaded, source
    job_id, total = job.id, params.max_steps
    train_set, val_set = split
    pairs, val_pairs = tokenize_pairs(tokenizer, train_set), tokenize_pairs(tokenizer, val_set)
    store.jobs.add_event(
        job_id,
        "info",
        f"Training {job.fine_tuned_model} with DPO (beta {params.beta:g}): {len(pairs)} training and "
        f"{len(val_pairs)} validation preference pairs, {total} steps, batch {params.batch_size}, "
        f"LoRA on {params.lora_layers} layers, lr {params.learning_rate:g}",
        {"n_train": len(pairs), "n_valid": len(val_pairs), "method": "dpo", "beta": params.beta},
    )
    val_reference = reference_logps(model, val_pairs, MAX_SEQ_LENGTH) if val_pairs else None
    val_before = _val_loss(model, val_pairs, params.beta, val_reference) if val_pairs else None

    def report(step: int, m: DPOMetrics) -> None:
        data = {"step": step, "train_loss": m.loss, "total_steps": total, **attrs.asdict(m)}
        del data["loss"]
        message = (
            f"Step {step}/{total}: DPO loss={m.loss:.4f}, reward margin={m.reward_margin:.4f}, "
            f"preference accuracy={m.preference_accuracy:.0%}"
        )
        store.jobs.add_event(job_id, "info", message, data)
        progress.update(step=step, loss=m.loss)

    progress.start(job.fine_tuned_model, total)
    try:
        reports = train_dpo(
            model, pairs, steps=total, batch_size=params.batch_size, learning_rate=params.learning_rate,
            beta=params.beta, max_len=MAX_SEQ_LENGTH, seed=params.seed, rpo_alpha=params.rpo_alpha,
            report_every=report_every, on_step=lambda _step: on_step(), on_report=report,
        )  # fmt: skip
    finally:
        progress.close()
    val_after = _val_loss(model, val_pairs, params.beta, val_reference) if val_pairs else None
    if val_after is not None:
        store.jobs.add_event(
            job_id, "info", f"Step {total}/{total}: validation DPO loss={val_after:.4f}",
            {"step": total, "val_loss": val_after, "total_steps": total},
        )  # fmt: skip
    first, last = reports[0][1], reports[-1][1]
    return ModelCard(
        name=job.fine_tuned_model,
        base_model=job.model,
        base_model_path=str(base_path),
        job_id=job_id,
        parameters=params.to_dict(),
        notes=list(params.notes),
        lora_parameters=dict(lora),
        data=CardData(
            file_id=file.id,
            training_file=job.training_file,
            sha256=file.sha256,
            n_examples=len(train_set) + len(val_set),
            n_train=len(pairs),
            n_valid=len(val_pairs),
        ),
        method="dpo",
        beta=params.beta,
        initial_train_loss=first.loss,
        final_train_loss=last.loss,
        last_reported_train_loss=last.loss,
        reward_margin=last.reward_margin,
        preference_accuracy=last.preference_accuracy,
        initial_val_loss=val_before,
        val_loss=val_after,
        steps=total,
        loop_seconds=time.monotonic() - started,
    )


def _val_loss(model: Any, pairs: Sequence[PreferencePair], beta: float, reference: Any) -> float:
    """The DPO loss of held-out pairs against their reference log-probs (taken before training:
    exact for LoRA, DoRA and full fine-tuning alike)."""
    import mlx.core as mx

    policy = reference_logps(model, pairs, MAX_SEQ_LENGTH)
    loss, _, _ = dpo_terms(
        mx.concatenate([policy[:, 0], policy[:, 1]]), mx.concatenate([reference[:, 0], reference[:, 1]]), beta
    )
    return float(loss)
