"""The relationships graph (``fmscript.data.relationships``): reading the declaration, paths,
operators, many source records, and the key cache following changes."""

from __future__ import annotations

import pytest

from fmscript.data.relationships import Hop
from fmscript.data.sqlite_file import FMFile
from fmscript.errors import ScriptRuntimeError

SCHEMA = """
CREATE TABLE A ("K" NUMBER, "Tag" TEXT);
CREATE TABLE B ("K" NUMBER, "Tag" TEXT, "N" NUMBER);
CREATE TABLE C ("BK" NUMBER);
INSERT INTO A VALUES {a};
INSERT INTO B VALUES (1, 'x', 10), (2, 'Y', 20), (3, 'z', 30), (NULL, 'x', 40), (12, 'q', 50);
INSERT INTO C VALUES (10), (20), (50);
CREATE TABLE fmscript_table_occurrences (name TEXT, base_table TEXT);
INSERT INTO fmscript_table_occurrences VALUES ('B2', 'B'), ('Nowhere', 'Missing');
CREATE TABLE fmscript_relationships (left_to TEXT, left_field TEXT, right_to TEXT, right_field TEXT, operator TEXT);
"""


def _file(rows: str, *relationships: str, a: str = "(1, 'X'), (2, 'y'), (3, NULL)") -> FMFile:
    sql = SCHEMA.format(a=a) + "".join(
        f"INSERT INTO fmscript_relationships VALUES {r};\n" for r in (rows, *relationships) if r
    )
    return FMFile.from_sql(sql)


def _related(file: FMFile, source: str, target: str, ids: list[int]) -> list[int]:
    hops = file.graph.path(source, target)
    assert hops is not None
    return file.related.along(hops, file.resolve_table(source) or source, ids)[1]


def test_occurrences_and_paths() -> None:
    file = _file("('A', 'K', 'B2', 'K', '=')", "('B2', 'N', 'C', 'BK', '=')")
    assert file.occurrences() == ["A", "B", "C", "B2"]  # Nowhere's table is missing: no TO
    assert file.resolve_table("b2") == "B"
    assert file.graph.path("A", "A") == []
    assert file.graph.path("A", "B") is None  # B itself is not in the graph
    hops = file.graph.path("C", "A")
    assert hops is not None and [h.forward for h in hops] == [False, False]
    assert _related(file, "A", "C", [1]) == [1]  # A 1 -> B2 (K 1, N 10) -> C (BK 10)


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("=", [2]),
        ("≠", [1, 3, 5]),
        ("<>", [1, 3, 5]),
        ("<", [3, 5]),
        ("≤", [2, 3, 5]),
        (">", [1]),
        (">=", [1, 2]),
        ("×", [1, 2, 3, 4, 5]),
    ],
)
def test_operators(operator: str, expected: list[int]) -> None:
    file = _file(f"('A', 'K', 'B', 'K', '{operator}')")
    assert _related(file, "A", "B", [2]) == expected  # A::K = 2 against B::K 1, 2, 3, empty, 12


def test_text_keys_ignore_case_and_empty_keys_match_nothing() -> None:
    file = _file("('A', 'Tag', 'B', 'Tag', '=')")
    assert _related(file, "A", "B", [1]) == [1, 4]  # 'X' matches 'x' twice
    assert _related(file, "A", "B", [3]) == []  # an empty key


def test_rows_written_the_other_way_round_are_one_relationship() -> None:
    file = _file("('A', 'K', 'B', 'K', '=')", "('B', 'Tag', 'A', 'Tag', '=')")
    assert len(file.graph.relationships) == 1
    assert [len(r.predicates) for r in file.graph.relationships] == [2]
    assert _related(file, "A", "B", [1]) == [1]  # K 1 and Tag x
    assert _related(file, "A", "B", [2]) == [2]
    assert Hop(file.graph.relationships[0], False).pairs()[1] == ("Tag", "=", "Tag")


def test_many_source_records_and_changes() -> None:
    values = ", ".join(f"({i}, 'x')" for i in range(1, 21))
    file = _file("('A', 'K', 'B', 'K', '=')", a=values)
    assert _related(file, "A", "B", list(range(1, 21))) == [1, 2, 3, 5]
    file.stage("B", 4, "K", 7)  # an open record's change is seen at once
    assert _related(file, "A", "B", [7]) == [4]
    file.revert_records()
    assert _related(file, "A", "B", [7]) == []


def test_an_unknown_operator_is_an_error() -> None:
    with pytest.raises(ScriptRuntimeError, match="unknown operator"):
        _file("('A', 'K', 'B', 'K', 'like')")
