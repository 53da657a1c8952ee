"""The random forest behind Configure Regression Model (``fmscript.ai.regression``): parameters,
what a forest learns, reproducibility, and the saved form."""

from __future__ import annotations

import pytest

from fmscript.ai.regression import MAGIC, Params, RegressionError, from_bytes, parse_params, to_bytes, train

ROWS = [[float(i), float(i % 3)] for i in range(20)]
TARGETS = [10.0 if i < 10 else 50.0 for i in range(20)]  # a step at x = 9.5


def test_parameters_are_read_case_insensitively_and_checked() -> None:
    assert parse_params("") == Params()
    assert parse_params('{"NUMTREES": 5, "maxDepth": "3", "other": true}') == Params(num_trees=5, max_depth=3)
    assert parse_params('{"maxFeatures": 0.5}').max_features == 0.5
    for bad, words in [
        ("[1]", "JSON object"),
        ("{numTrees: 1}", "not a JSON object"),
        ('{"numTrees": 0}', "from 1 to 1000"),
        ('{"numTrees": 2.5}', "whole number"),
        ('{"seed": "x"}', "must be a number"),
        ('{"maxFeatures": 0}', "from 0"),
    ]:
        with pytest.raises(RegressionError, match=words):
            parse_params(bad)


def test_a_forest_learns_a_step_and_is_reproducible() -> None:
    forest = train(ROWS, TARGETS, Params(num_trees=25, max_features=1.0))
    assert forest.dimensions == 2 and forest.samples == 20 and len(forest.trees) == 25
    assert forest.predict([2.0, 2.0]) < 20 < 40 < forest.predict([17.0, 2.0])
    again = train(ROWS, TARGETS, Params(num_trees=25, max_features=1.0))
    assert again.predict([9.0, 0.0]) == forest.predict([9.0, 0.0])
    other = train(ROWS, TARGETS, Params(num_trees=25, max_features=1.0, seed=2))
    assert other.trees != forest.trees  # the seed changes the bootstrap samples


def test_a_split_falls_midway_between_the_values_it_separates() -> None:
    # Seed 2's bootstrap sample holds both sides of the step: one split at 1.5, pure leaves.
    forest = train(
        [[0.0], [1.0], [2.0], [3.0]], [1.0, 1.0, 5.0, 5.0], Params(num_trees=1, max_depth=1, seed=2)
    )
    tree = forest.trees[0]
    assert (tree.feature, tree.threshold[0]) == ((0, -1, -1), 1.5)
    assert (forest.predict([0.0]), forest.predict([1.5]), forest.predict([3.0])) == (1.0, 1.0, 5.0)


def test_saved_models_round_trip_and_bad_data_is_refused() -> None:
    forest = train(ROWS, TARGETS, Params(num_trees=3))
    blob = to_bytes(forest)
    assert blob.startswith(MAGIC) and from_bytes(blob) == forest
    with pytest.raises(RegressionError, match="not a saved regression model"):
        from_bytes(b"FVE1....")
    with pytest.raises(RegressionError, match="damaged"):
        from_bytes(MAGIC + b"garbage")
    with pytest.raises(RegressionError, match="no training records"):
        train([], [], Params())


def test_non_finite_and_deeply_nested_parameters_are_refused() -> None:
    for bad, words in [
        ('{"numTrees": NaN}', "from 1 to 1000"),
        ('{"numTrees": Infinity}', "from 1 to 1000"),
        ('{"maxDepth": "1e400"}', "from 1 to 100"),
        ('{"numTrees": 1e9}', "from 1 to 1000"),
        ('{"seed": ' + "1" * 400 + "}", "from 0"),
        ("[" * 100_000, "not a JSON object"),
    ]:
        with pytest.raises(RegressionError, match=words):
            parse_params(bad)


def _saved(forest_json: dict[str, object]) -> bytes:
    import json
    import zlib

    return MAGIC + zlib.compress(json.dumps(forest_json).encode())


def test_a_tampered_saved_model_is_refused_not_looped_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import zlib

    good = json.loads(zlib.decompress(to_bytes(train(ROWS, TARGETS, Params(num_trees=1, seed=2)))[4:]))
    assert good["trees"][0]["feature"][0] >= 0  # the root splits
    tampered = {
        "a child pointing back (PredictFromModel would loop)": ("left", 0),
        "a feature past the vector": ("feature", 7),
        "a non-integer child": ("right", 1.5),
        "a NaN leaf": ("value", float("nan")),
    }
    for why, (key, value) in tampered.items():
        data = json.loads(json.dumps(good))
        data["trees"][0][key][0] = value
        with pytest.raises(RegressionError, match="damaged"):
            from_bytes(_saved(data))
            pytest.fail(why)
    with pytest.raises(RegressionError, match="damaged: no trees"):
        from_bytes(_saved({**good, "trees": []}))
    monkeypatch.setattr("fmscript.ai.regression.MAX_SAVED", 10_000)  # a zip bomb, scaled down
    with pytest.raises(RegressionError, match="inflates to more than 10000"):
        from_bytes(MAGIC + zlib.compress(b" " * 10_001))
