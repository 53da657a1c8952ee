"""Embedding vectors: CosineSimilarity, GetEmbedding, GetEmbeddingAsText, GetEmbeddingAsFile,
PredictFromModel (a regression model's prediction for a vector), and GetRAGSpaceInfo (the RAG
spaces the embeddings live in: ``ai/rag.py``).

Claris (21.0): a vector is text — a JSON array of numbers — or container data, FileMaker's binary
form, "which can be smaller than when stored as text and can improve performance". *Choice*:
FileMaker does not publish its binary layout; fmscript's container form is :data:`MAGIC` followed
by the vector's float32 values, little-endian (a container value in fmscript is its bytes; the
file name GetEmbeddingAsFile is given is not kept). GetEmbeddingAsText writes each float32 in its
shortest form, as FileMaker's example shows (``[-0.06650865,0.0034368848,…]``).

CosineSimilarity ( v1 ; v2 ) is from −1 to 1; vectors of different lengths, empty vectors, a
zero vector or data that is no vector give "?". GetEmbedding asks the account's provider (error
877 when no such AI account is configured, 882 when the request fails; "?" either way, as Claris
documents).
"""

from __future__ import annotations

import json
import math
import struct
from decimal import Context, Decimal

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.evaluation import note_error
from fmscript.calc.functions.registry import function
from fmscript.calc.values import ERROR_TEXT, Value, fit, make_number, to_text
from fmscript.errors import AI_ACCOUNT_MISSING, AI_REQUEST_INVALID, FMScriptError

MAGIC = b"FVE1"  # fmscript's container form of an embedding vector (".fve", as Claris names it)


def encode(vector: list[float]) -> bytes:
    """A vector as container data."""
    return MAGIC + struct.pack(f"<{len(vector)}f", *vector)


def decode(data: bytes) -> list[float] | None:
    """Container data as a vector, or None when it is not one."""
    body = data[len(MAGIC) :]
    if not data.startswith(MAGIC) or not body or len(body) % 4:
        return None
    vector = list(struct.unpack(f"<{len(body) // 4}f", body))
    return vector if all(map(math.isfinite, vector)) else None


def _float32_text(x: float) -> str:
    """The shortest decimal that reads back as the same float32."""
    stored = struct.unpack("<f", struct.pack("<f", x))[0]
    for digits in range(6, 10):
        text = f"{stored:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == stored:
            break
    if "e" in text:
        text = repr(float(text))
    return text[:-2] if text.endswith(".0") else text


def as_text(vector: list[float]) -> str:
    """A vector as FileMaker's text form, a JSON array."""
    return "[" + ",".join(_float32_text(x) for x in vector) + "]"


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is no JSON number")


def vector_of(value: Value | bytes) -> list[float] | None:
    """A vector from container data or a JSON array of numbers; None when it is neither. A
    vector's numbers are finite: NaN and Infinity (which Python's JSON reader would accept) and
    numbers beyond a double (1e999) make it no vector, so no similarity or prediction is NaN."""
    if isinstance(value, bytes):
        return decode(value)
    try:
        data = json.loads(to_text(value), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list) or not data:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in data):
        return None
    try:
        vector = [float(x) for x in data]
    except OverflowError:  # an integer beyond a double
        return None
    return vector if all(map(math.isfinite, vector)) else None


def cosine(a: list[float], b: list[float]) -> float | None:
    """The cosine similarity of two vectors (None: different lengths or a zero vector)."""
    if len(a) != len(b):
        return None
    try:
        norms = math.fsum(x * x for x in a) * math.fsum(y * y for y in b)
    except OverflowError:
        norms = math.inf
    if norms == 0 or not math.isfinite(norms):
        # Squares beyond a double (1e200) or below it (1e-200): scale both to at most 1 (the
        # cosine is the same); a vector of zeros has none.
        sa, sb = max(map(abs, a)), max(map(abs, b))
        if sa == 0 or sb == 0 or (sa == 1 and sb == 1) or not (math.isfinite(sa) and math.isfinite(sb)):
            return None  # NaN or Infinity in a vector (a provider's): no similarity
        return cosine([x / sa for x in a], [y / sb for y in b])
    # sqrt(aa * bb) rather than sqrt(aa) * sqrt(bb): a vector with itself gives exactly 1.
    return max(-1.0, min(1.0, math.fsum(x * y for x, y in zip(a, b)) / math.sqrt(norms)))


@function("CosineSimilarity", 2)
def cosine_similarity(ctx: CalcContext, v1: Value, v2: Value) -> Value:
    a, b = vector_of(v1), vector_of(v2)
    similarity = cosine(a, b) if a is not None and b is not None else None
    return ERROR_TEXT if similarity is None else fit(make_number(repr(similarity)))


@function("GetEmbeddingAsText", 1)
def get_embedding_as_text(ctx: CalcContext, data: Value) -> Value:
    vector = vector_of(data)
    return ERROR_TEXT if vector is None else as_text(vector)


@function("GetEmbeddingAsFile", 1, 2)
def get_embedding_as_file(ctx: CalcContext, text: Value, name: Value = "") -> Value | bytes:
    vector = vector_of(text)
    return ERROR_TEXT if vector is None else encode(vector)


@function("GetEmbedding", 3)
def get_embedding(ctx: CalcContext, account: Value, model: Value, data: Value) -> Value | bytes:
    embed = getattr(ctx, "embed_texts", None)
    if embed is None:
        note_error(AI_ACCOUNT_MISSING, "no AI account is configured here")
        return ERROR_TEXT
    text = to_text(data) if not isinstance(data, bytes) else ""
    try:
        [vector] = embed(to_text(account).strip(), to_text(model).strip(), [text])
    except FMScriptError as exc:
        note_error(exc.code if exc.code is not None else AI_REQUEST_INVALID, exc.message)
        return ERROR_TEXT
    return encode(vector)


@function("GetRAGSpaceInfo", 1, 2)
def get_rag_space_info(ctx: CalcContext, account: Value, space_id: Value = "") -> Value:
    """Claris getragspaceinfo.html (22.0): the account's spaces, or one space's entries, as JSON;
    "?" when the RAG account is invalid or does not exist (error 877 in EvaluationError)."""
    info = getattr(ctx, "rag_space_info", None)
    if info is None:
        note_error(AI_ACCOUNT_MISSING, "no RAG account is configured here")
        return ERROR_TEXT
    try:
        return str(info(to_text(account), to_text(space_id)))
    except FMScriptError as exc:
        note_error(exc.code if exc.code is not None else AI_REQUEST_INVALID, exc.message)
        return ERROR_TEXT


@function("PredictFromModel", 2)
def predict_from_model(ctx: CalcContext, name: Value, v1: Value) -> Value:
    """Claris "PredictFromModel" (22.0): the prediction of a regression model trained or loaded by
    Configure Regression Model (its name case-sensitive) for the features ``v1`` — a JSON array
    of numbers or embedding container data; "?" when no model of that name is in memory or the
    features are not a vector of the model's length. The number shows the double's exact decimal
    expansion to 20 significant digits, as the page's example result (256.96153846153845279) does."""
    predict = getattr(ctx, "predict_from_model", None)
    vector = vector_of(v1)
    result = predict(to_text(name), vector) if predict is not None and vector is not None else None
    if result is None or not math.isfinite(result):
        return ERROR_TEXT
    return make_number(Context(prec=20).plus(Decimal(result)))
