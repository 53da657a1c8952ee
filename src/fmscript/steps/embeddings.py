"""Embeddings: Insert Embedding, Insert Embedding in Found Set, Perform Semantic Find, and the way
the provider lookup they share with GetEmbedding (``StepContext.embed_texts``).

Claris (21.0): a text field or a variable gets the vector as text (a JSON array), a container
field as binary data (fmscript's form: ``calc.functions.vectors``). The provider is the account's
(:func:`fmscript.ai.providers.embeddings`): Local (mlx-lm, mean-pooled), OpenAI and Custom (the
embeddings API).

Insert Embedding in Found Set: an empty Source Field sends nothing and leaves the target as it
was; with Replace target contents Off a target that has data is skipped; Continue on error leaves
failed records empty and goes on, else the step stops at the first error; Show summary prints the
counts (updated, skipped, errors) as its dialog would show them. Parameters (Claris' keys):
``MaxRecPerCall`` (records per request, 1–500, default 20) and ``MaxRetryPerWorker`` (attempts
after a failed request, 1–100, default 5) are honoured; ``MaxWaitPerRetry``, ``TruncateEnabled``
and ``TruncateTokenLimit`` are checked and otherwise have nothing to tune in fmscript.

Perform Semantic Find reads every candidate's vector once and computes the similarities in bulk
(numpy); records whose target holds no vector of the query's length are left out. The found set
is the most similar records, most similar first (ties keep the record order), at most Return count
(default 10), limited by the Cosine similarity condition when one is given; none → error 401.
Save result gets ``[{"cosineSimilarity":…,"recordId":…},…]`` in that order (fmscript's shape:
Claris documents "a JSON array of record IDs and their cosine similarity values").
"""

from __future__ import annotations

import json
from typing import Any

from fmscript.calc import values as V
from fmscript.calc.functions.vectors import MAGIC, as_text, encode, vector_of
from fmscript.data.schema import FieldType
from fmscript.errors import (
    AI_ACCOUNT_MISSING,
    DATA_MISSING,
    FIELD_MISSING,
    NAME_INVALID,
    NO_RECORDS_MATCH,
    OUT_OF_RANGE,
    FMScriptError,
    ScriptRuntimeError,
)
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast

DEFAULT_RETURN_COUNT = 10
_PARAMETER_RANGES = {
    "MaxRecPerCall": (1, 500, 20),
    "MaxRetryPerWorker": (1, 100, 5),
    "MaxWaitPerRetry": (20, 3_600_000, 60_000),
    "TruncateTokenLimit": (0, 100_000, 8185),
    "TruncateEnabled": (0, 1, 1),
}


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def _is_container(ctx: StepContext, table: str | None, field: str) -> bool:
    t, f = ctx.data.resolve_field(table, field)
    return ctx.data.require_file().field(t, f).type is FieldType.CONTAINER


def _stored(ctx: StepContext, target: ast.Target, vector: list[float]) -> Any:
    """The vector as the target keeps it: binary in a container field, else a JSON array."""
    if target.kind != "variable" and _is_container(ctx, target.table, target.field or ""):
        return encode(vector)
    return as_text(vector)


def insert_embedding(ctx: StepContext, step: ast.Step) -> None:
    target = step.opt("target")
    if target is None:
        raise ScriptRuntimeError("Insert Embedding needs a Target", code=DATA_MISSING)
    data = ctx.evaluator.evaluate(step.opt("input")) if step.opt("input") is not None else ""
    [vector] = ctx.embed_texts(
        _text(ctx, step.opt("account_name")).strip(),
        _text(ctx, step.opt("embedding_model")).strip(),
        [V.to_text(data)],
    )
    write_target(ctx, target, _stored(ctx, target, vector))
    return None


# ----------------------------------------------------------------------------- in found set


def _parameters(ctx: StepContext, step: ast.Step) -> dict[str, int]:
    text = _text(ctx, step.opt("parameters")).strip()
    given: object = {}
    if text:
        try:
            given = json.loads(text)
        except (ValueError, RecursionError):
            raise ScriptRuntimeError("Parameters is not a JSON object", code=NAME_INVALID) from None
    if not isinstance(given, dict):
        raise ScriptRuntimeError("Parameters must be a JSON object", code=NAME_INVALID)
    chosen = {}
    for key, (low, high, default) in _PARAMETER_RANGES.items():
        value = given.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ScriptRuntimeError(
                f"Parameters: {key} must be a number from {low} to {high}", code=OUT_OF_RANGE
            )
        chosen[key] = int(value)
    return chosen


def _field(step: ast.Step, key: str, label: str) -> ast.Target:
    target = step.opt(key)
    if not isinstance(target, ast.Target):
        raise ScriptRuntimeError(f"Insert Embedding in Found Set needs a {label}", code=FIELD_MISSING)
    return target


def insert_embedding_in_found_set(ctx: StepContext, step: ast.Step) -> None:
    source, target = (
        _field(step, "source_field", "Source Field"),
        _field(step, "target_field", "Target Field"),
    )
    account = _text(ctx, step.opt("account_name")).strip()
    model = _text(ctx, step.opt("embedding_model")).strip()
    params = _parameters(ctx, step)
    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    src_t, src_f = ctx.data.resolve_field(source.table, source.field or "")
    dst_t, dst_f = ctx.data.resolve_field(target.table, target.field or "")
    binary = file.field(dst_t, dst_f).type is FieldType.CONTAINER
    replace = bool(step.opt("replace"))
    work: list[tuple[int, str]] = []
    skipped = 0
    for rid in list(fs.ids):
        text = V.to_text(file.get(src_t, rid, src_f))
        if not text or (not replace and file.get(dst_t, rid, dst_f) not in ("", b"")):
            skipped += 1  # nothing to send, or a target that already has data
            continue
        work.append((rid, text))
    progress = ctx.options.reporter.training()
    progress.start("Insert Embedding in Found Set", len(work))
    updated = failed = 0
    try:
        for start in range(0, len(work), params["MaxRecPerCall"]):
            batch = work[start : start + params["MaxRecPerCall"]]
            try:
                vectors = _with_retries(
                    ctx, account, model, [t for _, t in batch], params["MaxRetryPerWorker"]
                )
            except FMScriptError:
                if not step.opt("continue_on_error"):
                    raise
                failed += len(batch)  # left empty, easy to find and address
                continue
            for (rid, _), vector in zip(batch, vectors):
                file.set(dst_t, rid, dst_f, encode(vector) if binary else as_text(vector))
            updated += len(batch)
            progress.update(step=start + len(batch))
    finally:
        progress.close()
    if step.opt("show_summary"):
        print(
            f"Insert Embedding in Found Set: {updated} updated, {skipped} skipped, {failed} errors",
            file=ctx.out,
        )
    return None


def _with_retries(
    ctx: StepContext, account: str, model: str, texts: list[str], retries: int
) -> list[list[float]]:
    for attempt in range(retries + 1):
        try:
            return ctx.embed_texts(account, model, texts)
        except FMScriptError as exc:
            # A missing account or model does not come back on a second try.
            if (
                exc.code in (AI_ACCOUNT_MISSING, DATA_MISSING, NAME_INVALID, OUT_OF_RANGE)
                or attempt == retries
            ):
                raise
    raise AssertionError("unreachable")


# ----------------------------------------------------------------------------- semantic find

_CONDITIONS = (">", "≥", "<", "≤", "=", "≠")


def _compare(op: str, similarity: float, threshold: float) -> bool:
    if op == ">":
        return similarity > threshold
    if op == "≥":
        return similarity >= threshold
    if op == "<":
        return similarity < threshold
    if op == "≤":
        return similarity <= threshold
    return similarity == threshold if op == "=" else similarity != threshold


_CONDITION_WORDS = {
    "greater than": ">", "greater than or equal": "≥", "greater than or equal to": "≥", ">=": "≥",
    "less than": "<", "less than or equal": "≤", "less than or equal to": "≤", "<=": "≤",
    "equal": "=", "equal to": "=", "equals": "=", "not equal": "≠", "not equal to": "≠", "<>": "≠",
    # the comparison words of the ja / zh script workspace
    "より大きい": ">", "以上": "≥", "より小さい": "<", "未満": "<", "以下": "≤", "等しい": "=", "等しくない": "≠",
    "大于": ">", "大于或等于": "≥", "大于等于": "≥", "小于": "<", "小于或等于": "≤", "小于等于": "≤",
    "等于": "=", "不等于": "≠",
}  # fmt: skip


def _condition(ctx: StepContext, step: ast.Step) -> tuple[str, float] | None:
    written = step.opt("condition")
    if written is None:
        return None
    word = " ".join(str(written).strip().strip('"').lower().split())
    op = _CONDITION_WORDS.get(word, word)
    if op not in _CONDITIONS:
        raise ScriptRuntimeError(
            f"Cosine similarity condition {written!r} is not a comparison", code=NAME_INVALID
        )
    value = (
        V.to_number(ctx.evaluator.evaluate(step.opt("condition_value")))
        if step.opt("condition_value")
        else None
    )
    if value is None or not -1 <= value <= 1:
        raise ScriptRuntimeError("Cosine similarity value must be a number from -1 to 1", code=OUT_OF_RANGE)
    return op, float(value)


def _query_vector(ctx: StepContext, step: ast.Step) -> list[float]:
    if step.opt("query_by") == "Vector data":
        vector = vector_of(ctx.evaluator.evaluate(step.opt("vector"))) if step.opt("vector") else None
        if vector is None:
            raise ScriptRuntimeError("the query's vector data is not an embedding vector", code=NAME_INVALID)
        return vector
    [vector] = ctx.embed_texts(
        _text(ctx, step.opt("account_name")).strip(),
        _text(ctx, step.opt("embedding_model")).strip(),
        [_text(ctx, step.opt("text"))],
    )
    return vector


def _return_count(ctx: StepContext, step: ast.Step) -> int:
    if step.opt("return_count") is None:
        return DEFAULT_RETURN_COUNT
    n = V.to_number(ctx.evaluator.evaluate(step.opt("return_count")))
    if n is None or n < 1:
        raise ScriptRuntimeError("Return count must be a number 1 or more", code=OUT_OF_RANGE)
    return int(n)


def similarities(query: list[float], stored: list[object]) -> list[float | None]:
    """Cosine similarity of ``query`` with each stored vector (container data or a JSON array);
    None where a record holds no vector of the query's length."""
    where, sims = _bulk_similarities(query, stored)
    out: list[float | None] = [None] * len(stored)
    for i, sim in zip(where.tolist(), sims.tolist()):
        out[i] = sim
    return out


def _bulk_similarities(query: list[float], stored: list[object]) -> tuple[Any, Any]:
    """(positions in ``stored`` that hold a vector, their similarities): numpy arrays, computed
    with one matrix product (no Python work per number)."""
    import numpy as np

    q = np.asarray(query, dtype=np.float32)  # float32, as the vectors are stored: half the memory
    size = 4 * len(q) + len(MAGIC)
    rows, where = [], []
    for i, value in enumerate(stored):
        if isinstance(value, bytes):
            if len(value) == size and value.startswith(MAGIC):
                rows.append(np.frombuffer(value, dtype="<f4", offset=len(MAGIC)))
                where.append(i)
        elif value not in ("", None):
            v = vector_of(value)  # type: ignore[arg-type]
            if v is not None and len(v) == len(q):
                rows.append(np.asarray(v, dtype=np.float32))
                where.append(i)
    if not rows or not np.any(q):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    m = np.vstack(rows)
    norms = np.sqrt(np.einsum("ij,ij->i", m, m, dtype=np.float64) * float(q @ q))
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = np.clip((m @ q).astype(np.float64) / norms, -1.0, 1.0)
    keep = ~np.isnan(sims)  # a zero vector has no direction
    return np.asarray(where, dtype=np.int64)[keep], sims[keep]


def _best(
    where: Any, sims: Any, ids: list[int], count: int, condition: tuple[str, float] | None
) -> list[tuple[float, int]]:
    """The ``count`` most similar (similarity, record id), most similar first; ties keep the
    record order (a stable sort); only those meeting the condition."""
    import numpy as np

    if condition is not None:
        op, threshold = condition
        keep = np.array([_compare(op, s, threshold) for s in sims.tolist()], dtype=bool)
        where, sims = where[keep], sims[keep]
    order = np.argsort(-sims, kind="stable")[:count]
    return [(float(sims[i]), ids[int(where[i])]) for i in order]


def perform_semantic_find(ctx: StepContext, step: ast.Step) -> None:
    target = step.opt("target_field")
    if target is None:
        raise ScriptRuntimeError("Perform Semantic Find needs a Target field", code=FIELD_MISSING)
    count = _return_count(ctx, step)
    condition = _condition(ctx, step)
    query = _query_vector(ctx, step)
    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    t, f = ctx.data.resolve_field(target.table, target.field or "")
    ids = list(fs.ids) if step.opt("record_set") == "Current found set" else file.record_ids(fs.table)
    stored = [row[0] for row in file.iter_records(t, [f], ids)] if t == fs.table else []
    found = _best(*_bulk_similarities(query, stored), ids, count, condition)
    fs.replace_ids([rid for _, rid in found])
    ctx.data.find_mode = None
    save = step.opt("save_result")
    if save is not None:
        result = [{"cosineSimilarity": s, "recordId": rid} for s, rid in found]
        write_target(ctx, save, json.dumps(result, separators=(",", ":")))
    if not found:
        raise ScriptRuntimeError("no records match the request", code=NO_RECORDS_MATCH)
    return None
