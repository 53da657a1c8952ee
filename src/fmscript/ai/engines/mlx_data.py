"""Training data for mlx-lm: chat examples → token batches with a loss mask, and the split.

* batches (:func:`make_batches`, mlx_lm.tuner.train's ``iterate_batches``) are drawn anew every
  epoch from examples of the same LENGTH_CLASS-token length class, padded to a multiple of
  PAD_MULTIPLE (mlx-lm pads to 32 and its fixed batches mix lengths; on a CPU a padded token costs
  as much as a real one);
* the loss mask (:func:`pack`) covers every assistant message (``weight`` 0 turns excluded) or,
  with ``mask_prompt`` off, every token; :func:`masked_loss` averages cross-entropy under it;
* with ``pack_sequences`` (:func:`pack_rows`) short examples are first concatenated into rows as
  long as the longest example, each keeping its own loss spans, so a batch carries more examples
  and less padding (TRL's and Axolotl's "packing"; as in their default, a packed example can attend
  to the ones before it in its row — the price of the speed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fmscript.ai import datasets
from fmscript.ai.datasets import MAX_SEQ_LENGTH
from fmscript.ai.errors import INVALID_TRAINING_DATA, ai_error
from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import FileRecord
from fmscript.ai.params import LocalParams

PAD_MULTIPLE = 8
LENGTH_CLASS = 32
VAL_MIN_EXAMPLES = 20


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


def masked_loss(model: Any, batch: Any, mask: Any) -> tuple[Any, Any]:
    import mlx.core as mx
    import mlx.nn as nn

    inputs, targets, weights = batch[:, :-1], batch[:, 1:], mask[:, 1:]
    logits = model(inputs)
    ce = nn.losses.cross_entropy(logits, targets) * weights
    ntoks = weights.sum()
    return ce.astype(mx.float32).sum() / ntoks, ntoks


def pack(
    items: list[tuple[list[int], list[tuple[int, int]]]], max_len: int, mask_prompt: bool = True
) -> tuple[Any, Any]:
    """A padded token batch and its loss mask (mask[b, t]: token t is a target): the assistant
    spans, or with ``mask_prompt`` off every token but the first and the padding."""
    import mlx.core as mx
    import numpy as np

    longest = max(len(tokens) for tokens, _ in items)
    width = min(max_len, 1 + PAD_MULTIPLE * -(-(longest - 1) // PAD_MULTIPLE))
    batch = np.zeros((len(items), width), np.int32)
    mask = np.zeros((len(items), width), np.bool_)
    for row, (tokens, spans) in enumerate(items):
        tokens = tokens[:width]
        batch[row, : len(tokens)] = tokens
        if not mask_prompt:
            spans = [(1, len(tokens))]
        for start, end in spans:
            mask[row, max(start, 1) : min(end, width)] = True
    return mx.array(batch), mx.array(mask)


Item = tuple[list[int], list[tuple[int, int]]]


def pack_rows(items: list[Item], row_length: int) -> list[Item]:
    """Examples packed into rows of at most ``row_length`` tokens, first fit decreasing (the longest
    first, each into the first row with room), their loss spans shifted with them. The rows are the
    same every epoch (their order is what changes), so an epoch is a known number of rows."""
    rows: list[tuple[list[int], list[tuple[int, int]]]] = []
    for index in sorted(range(len(items)), key=lambda i: -len(items[i][0])):
        tokens, spans = items[index]
        row = next((r for r in rows if len(r[0]) + len(tokens) <= row_length), None)
        if row is None:
            row = ([], [])
            rows.append(row)
        row[1].extend((start + len(row[0]), end + len(row[0])) for start, end in spans)
        row[0].extend(tokens)
    return rows


def packed_row_count(lengths: list[int], row_length: int | None = None) -> int:
    """How many rows :func:`pack_rows` makes of examples of these lengths."""
    width = row_length or max(lengths, default=1)
    return len(pack_rows([([0] * n, []) for n in lengths], width))


def _batches(
    items: list[tuple[list[int], list[tuple[int, int]]]],
    batch_size: int,
    max_len: int,
    rng: Any,
    mask_prompt: bool = True,
    shard: tuple[int, int] = (0, 1),
) -> list[tuple[Any, Any]]:
    """One epoch of padded batches; every example is in one (a short last batch takes neighbours).

    Examples are grouped by length class (LENGTH_CLASS tokens), in random order within a class when
    ``rng`` is given (training: the batches change every epoch) and by length otherwise (evaluation),
    so a batch pads little yet still mixes examples. With ``shard`` (rank, ranks) of a distributed
    run each rank packs every ranks-th row of each batch, from its rank on (mlx-lm's sharding): the
    ranks draw the same batches (same seed), each computes the gradient of its rows, and the
    trainer averages them, so a step still learns from ``batch_size`` examples.
    """
    keys = rng.random(len(items)) if rng is not None else [0.0] * len(items)
    order = sorted(
        range(len(items)),
        key=lambda i: ((len(items[i][0]) - 1) // LENGTH_CLASS, keys[i], len(items[i][0])),
    )
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if len(groups[-1]) < batch_size:
        groups[-1] = order[-batch_size:]
    rank, ranks = shard
    return [pack([items[i] for i in group[rank::ranks]], max_len, mask_prompt) for group in groups]


def make_batches(
    hook: Callable[[], None] | None, shuffle_seed: int, mask_prompt: bool = True, packing: bool = False
) -> Any:
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
        if packing:  # rows as long as the longest example, packed once
            width = min(max_seq_length, max(len(tokens) for tokens, _ in items))
            items = pack_rows(items, width)
            batch_size = min(batch_size, len(items))
        shard = (comm_group.rank(), comm_group.size()) if comm_group is not None else (0, 1)
        if batch_size < shard[1]:
            raise ValueError(f"batch_size {batch_size} leaves some of the {shard[1]} ranks without examples")
        rng = np.random.default_rng(shuffle_seed if seed is None else seed)
        while True:
            batches = _batches(items, batch_size, max_seq_length, rng if loop else None, mask_prompt, shard)
            for index in rng.permutation(len(batches)) if loop else range(len(batches)):
                yield batches[index]
                if loop and hook is not None:
                    hook()
            if not loop:
                return

    return iterate


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


def job_examples(
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


def split_datasets(
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
            job_examples(store, params.validation_file, "supervised", validation=True)[1],
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
