"""CosineSimilarity — comparing embedding vectors without a model.

Claris (21.0): CosineSimilarity ( v1 ; v2 ) returns the cosine similarity of two embedding vectors,
from −1 to 1. *Choice*: fmscript has no container data, so a vector is a JSON array of numbers (the
text form GetEmbeddingAsText returns); vectors of different lengths, empty vectors or a zero vector
give "?".
"""

from __future__ import annotations

import json
import math

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import ERROR_TEXT, Value, fit, make_number, to_text


def _vector(value: Value) -> list[float] | None:
    try:
        data = json.loads(to_text(value))
    except ValueError:
        return None
    if not isinstance(data, list) or not data:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in data):
        return None
    return [float(x) for x in data]


@function("CosineSimilarity", 2)
def cosine_similarity(ctx: CalcContext, v1: Value, v2: Value) -> Value:
    a, b = _vector(v1), _vector(v2)
    if a is None or b is None or len(a) != len(b):
        return ERROR_TEXT
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    if norm == 0:
        return ERROR_TEXT
    return fit(make_number(repr(math.fsum(x * y for x, y in zip(a, b)) / norm)))
