"""Random forest regression for Configure Regression Model and PredictFromModel.

Claris "Configure Regression Model" (22.0): the Random Forest algorithm "combines multiple
decision trees"; "each tree in the forest is trained on a random subset of the training data and
features", which "helps prevent overfitting". fmscript grows CART regression trees: each tree on a
bootstrap sample of the records (drawn with replacement, as many as there are), each split the
best variance reduction over a random subset of the features; a forest predicts the mean of its
trees' leaf values.

Parameters (a JSON object; keys as Claris names them, case-insensitive; other keys are ignored):

- ``numTrees``: trees in the forest (1–1000, default 100);
- ``maxDepth``: the deepest a tree grows (1–100, default 20);
- ``minSamplesSplit``: the fewest records a node needs to be split (2–…, default 2);
- ``maxFeatures``: features tried per split — a count, or a fraction (0, 1] of them (default
  one third, at least 1, as is usual for regression forests);
- ``seed``: the random seed (default 1): the same data and parameters give the same model.

*Choices* (the page leaves them open): the random draws use Python's Mersenne Twister
(``random.Random``), whose sequence is the same on every platform, so a model and its predictions
are reproducible; the split search uses numpy (imported only here). A model saved as container
data is fmscript's form: ``FRF1`` and zlib-compressed JSON of the trees (no code is ever loaded).
"""

from __future__ import annotations

import json
import math
import random
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import numpy as np

MAGIC = b"FRF1"
ALGORITHM = "Random Forest"


class RegressionError(ValueError):
    """Parameters or data a forest cannot be trained on, or data that is no saved model."""


@attrs.frozen
class Params:
    num_trees: int = 100
    max_depth: int = 20
    min_samples_split: int = 2
    max_features: float | None = None  # None: one third; <= 1: a fraction; > 1: a count
    seed: int = 1


# (Claris' key, attribute, lowest, highest, integer?)
_KEYS = (
    ("numtrees", "num_trees", 1, 1000, True),
    ("maxdepth", "max_depth", 1, 100, True),
    ("minsamplessplit", "min_samples_split", 2, 1_000_000, True),
    ("maxfeatures", "max_features", 0, 1_000_000, False),
    ("seed", "seed", 0, 2**32 - 1, True),
)


def parse_params(text: str) -> Params:
    """The Parameters option's JSON object (empty: every default)."""
    if not text.strip():
        return Params()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise RegressionError(f"Parameters is not a JSON object: {e}") from None
    if not isinstance(data, dict):
        raise RegressionError("Parameters must be a JSON object")
    given = {str(k).casefold(): v for k, v in data.items()}
    values: dict[str, Any] = {}
    for key, attr, low, high, integer in _KEYS:
        if key not in given:
            continue
        value = given[key]
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise RegressionError(f"Parameters: {key} must be a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RegressionError(f"Parameters: {key} must be a number")
        if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity or 1e400
            raise RegressionError(f"Parameters: {key} must be from {low} to {high}")
        if integer and value != int(value):
            raise RegressionError(f"Parameters: {key} must be a whole number")
        if not low <= value <= high or (attr == "max_features" and value <= 0):
            raise RegressionError(f"Parameters: {key} must be from {low} to {high}")
        values[attr] = int(value) if integer else float(value)
    return Params(**values)


@attrs.frozen
class Tree:
    """Flat arrays: node i splits on ``feature[i]`` at ``threshold[i]`` (x <= t goes ``left``),
    or is a leaf (``feature[i] == -1``) predicting ``value[i]``."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def predict(self, x: Sequence[float]) -> float:
        i = 0
        feature, threshold = self.feature, self.threshold
        while feature[i] >= 0:
            i = self.left[i] if x[feature[i]] <= threshold[i] else self.right[i]
        return self.value[i]


@attrs.frozen
class Forest:
    dimensions: int
    trees: tuple[Tree, ...]
    samples: int  # training records
    params: Params

    def predict(self, x: Sequence[float]) -> float:
        return sum(t.predict(x) for t in self.trees) / len(self.trees)


def _features_per_split(params: Params, dimensions: int) -> int:
    m = params.max_features
    if m is None:
        return max(1, dimensions // 3)
    if m <= 1:
        return max(1, int(m * dimensions))
    return min(dimensions, int(m))


def train(rows: Sequence[Sequence[float]], targets: Sequence[float], params: Params) -> Forest:
    """A forest trained on ``rows`` (equal-length feature vectors) and their ``targets``."""
    try:
        import numpy as np
    except ImportError:
        raise RegressionError("Configure Regression Model needs numpy (pip install numpy)") from None
    if not rows:
        raise RegressionError("no training records")
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    n, d = x.shape
    rng = random.Random(params.seed)
    k = _features_per_split(params, d)
    trees = []
    for _ in range(params.num_trees):
        sample = np.fromiter((int(rng.random() * n) for _ in range(n)), dtype=np.int64, count=n)
        trees.append(_grow(x, y, sample, params, k, rng))
    return Forest(d, tuple(trees), n, params)


def _grow(
    x: np.ndarray, y: np.ndarray, sample: np.ndarray, params: Params, k: int, rng: random.Random
) -> Tree:
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    stack = [(sample, 0, -1, False)]  # (records, depth, parent, is the parent's right child)
    while stack:
        idx, depth, parent, is_right = stack.pop()
        node = len(feature)
        if parent >= 0:
            (right if is_right else left)[parent] = node
        feature.append(-1)
        threshold.append(0.0)
        left.append(-1)
        right.append(-1)
        value.append(float(y[idx].mean()))
        if depth >= params.max_depth or len(idx) < params.min_samples_split:
            continue
        split = _best_split(x, y, idx, k, rng)
        if split is None:
            continue
        f, t = split
        goes_left = x[idx, f] <= t
        feature[node], threshold[node] = f, t
        stack.append((idx[~goes_left], depth + 1, node, True))
        stack.append((idx[goes_left], depth + 1, node, False))
    return Tree(tuple(feature), tuple(threshold), tuple(left), tuple(right), tuple(value))


def _best_split(
    x: np.ndarray, y: np.ndarray, idx: np.ndarray, k: int, rng: random.Random
) -> tuple[int, float] | None:
    """(feature, threshold) of the split with the lowest summed squared error over ``k`` random
    features, or None when no split lowers it (a pure node, or all values equal)."""
    import numpy as np

    d = x.shape[1]
    features = rng.sample(range(d), k) if k < d else list(range(d))
    xs = x[np.ix_(idx, np.asarray(features, dtype=np.int64))]  # records × candidate features
    ys = y[idx]
    m = len(idx)
    order = np.argsort(xs, axis=0, kind="stable")
    sx = np.take_along_axis(xs, order, axis=0)
    sy = ys[order]
    csum = np.cumsum(sy, axis=0)[:-1]  # left sums for a split after row i
    csq = np.cumsum(sy * sy, axis=0)[:-1]
    total, total_sq = ys.sum(), float((ys * ys).sum())
    n_left = np.arange(1, m, dtype=np.float64)[:, None]
    n_right = m - n_left
    sse = (csq - csum * csum / n_left) + ((total_sq - csq) - (total - csum) ** 2 / n_right)
    sse[sx[:-1] == sx[1:]] = np.inf  # no threshold between equal values
    if not np.isfinite(sse).any():
        return None
    row, col = np.unravel_index(int(np.argmin(sse)), sse.shape)
    parent_sse = total_sq - total * total / m
    if sse[row, col] >= parent_sse - 1e-12 * max(1.0, abs(parent_sse)):
        return None
    return features[int(col)], float((sx[row, col] + sx[row + 1, col]) / 2)


# ---------------------------------------------------------------------- container data


def to_bytes(forest: Forest) -> bytes:
    data = {
        "algorithm": ALGORITHM,
        "dimensions": forest.dimensions,
        "samples": forest.samples,
        "params": attrs.asdict(forest.params),
        "trees": [attrs.asdict(t) for t in forest.trees],
    }
    return MAGIC + zlib.compress(json.dumps(data, separators=(",", ":")).encode())


MAX_SAVED = 256 * 1024 * 1024  # the most a saved model's JSON may inflate to (a zip bomb stops here)


def from_bytes(blob: bytes) -> Forest:
    """A saved model, checked node by node: container data from elsewhere must not make a
    prediction loop (a child that points back), index past a vector or divide by no trees."""
    if not blob.startswith(MAGIC):
        raise RegressionError("the data is not a saved regression model")
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(blob[len(MAGIC) :], MAX_SAVED)
        if inflate.unconsumed_tail:
            raise ValueError(f"it inflates to more than {MAX_SAVED} bytes")
        data = json.loads(text)
        trees = tuple(
            Tree(*(tuple(t[name]) for name in ("feature", "threshold", "left", "right", "value")))
            for t in data["trees"]
        )
        forest = Forest(int(data["dimensions"]), trees, int(data["samples"]), Params(**data["params"]))
        _check(forest)
        return forest
    except (ValueError, KeyError, TypeError, RecursionError, zlib.error) as e:
        raise RegressionError(f"the saved regression model is damaged: {e}") from None


def _check(forest: Forest) -> None:
    if forest.dimensions < 1 or not forest.trees:
        raise ValueError("no trees or no features")
    for tree in forest.trees:
        n = len(tree.feature)
        if n == 0 or any(len(a) != n for a in (tree.threshold, tree.left, tree.right, tree.value)):
            raise ValueError("a tree's arrays differ in length")
        for i in range(n):
            f = tree.feature[i]
            if type(f) is not int or not math.isfinite(tree.value[i]):
                raise ValueError(f"node {i} is no node")
            # A child always comes after its parent (as _grow numbers them): no cycles.
            if f >= 0 and not (
                f < forest.dimensions
                and math.isfinite(tree.threshold[i])
                and type(tree.left[i]) is int
                and type(tree.right[i]) is int
                and i < tree.left[i] < n
                and i < tree.right[i] < n
            ):
                raise ValueError(f"node {i} splits on no feature or has no children")
