"""Found sets: navigation, omit, show omitted/all, constrain/extend, sorting."""

from __future__ import annotations

import pytest

from fmscript.data import FindRequest, FMFile, FoundSet, sort_ids

ITEMS = """
CREATE TABLE "Items" ("Name" TEXT, "Qty" NUMBER, "Due" DATE, "Kind" TEXT);
INSERT INTO "Items" VALUES
 ('banana', 10,   '2024-03-01', 'fruit'),
 ('Apple',  2,    '2024-01-15', 'fruit'),
 ('cherry', NULL, NULL,         'fruit'),
 ('apple',  2.5,  '2023-12-01', 'tree'),
 ('',       '1,000 pcs', '2024-02-10', 'tree'),
 ('Date',   -1,   '2024-01-15', NULL);
"""


@pytest.fixture
def fm() -> FMFile:
    return FMFile.from_sql(ITEMS)


def names(fm: FMFile, ids: list[int]) -> list[str]:
    return [fm.get("Items", rid, "Name") for rid in ids]


# ---------------------------------------------------------------- navigation


def test_navigation() -> None:
    fs = FoundSet("T", [10, 20, 30])
    assert (fs.current, fs.current_id, fs.count, len(fs)) == (1, 10, 3, 3)
    assert fs.previous() is False and fs.current == 1
    assert fs.next() and fs.next() and fs.current_id == 30
    assert fs.next() is False and fs.current == 3  # Exit after last: the caller sees False
    assert fs.first() and fs.current == 1
    assert fs.last() and fs.current == 3
    assert fs.goto(2) and fs.current_id == 20
    for out_of_range in (0, 4, -1):
        assert fs.goto(out_of_range) is False and fs.current == 2
    assert fs.goto_id(30) and fs.current == 3
    assert fs.goto_id(99) is False


def test_empty_found_set_has_no_current_record() -> None:
    fs = FoundSet("T", [])
    assert (fs.current, fs.current_id) == (0, None)
    assert not fs.first() and not fs.last() and not fs.next() and not fs.previous()
    assert fs.omit_current() is None


@pytest.mark.parametrize(
    ("start", "omitted", "ids_after", "current_after"),
    [(1, 10, [20, 30], 1), (2, 20, [10, 30], 2), (3, 30, [10, 20], 2)],
)
def test_omit_current_makes_next_current(
    start: int, omitted: int, ids_after: list[int], current_after: int
) -> None:
    fs = FoundSet("T", [10, 20, 30], current=start)
    assert fs.omit_current() == omitted
    assert (fs.ids, fs.current) == (ids_after, current_after)


def test_omit_multiple() -> None:
    fs = FoundSet("T", [10, 20, 30, 40], current=2)
    assert fs.omit_multiple(2) == [20, 30]
    assert (fs.ids, fs.current_id) == ([10, 40], 40)


def test_show_omitted_only_and_show_all() -> None:
    fs = FoundSet("T", [30, 10], current=2, sort_order=[("x", True)])
    fs.show_omitted_only([10, 20, 30, 40])
    assert (fs.ids, fs.current, fs.is_sorted) == ([20, 40], 1, False)
    fs.show_all([10, 20, 30, 40])
    assert (fs.ids, fs.current) == ([10, 20, 30, 40], 1)


def test_add_and_remove_records() -> None:
    fs = FoundSet("T", [10, 20, 30], current=3)
    fs.add_record(40)
    assert (fs.ids, fs.current_id) == ([10, 20, 30, 40], 40)
    fs.goto(3)
    fs.remove_records([10, 30])
    assert (fs.ids, fs.current_id) == ([20, 40], 40)
    fs.remove_records([20, 40])
    assert (fs.ids, fs.current) == ([], 0)


def test_copy_is_independent() -> None:
    fs = FoundSet("T", [1, 2])
    other = fs.copy()
    other.omit_current()
    assert fs.ids == [1, 2]


# ---------------------------------------------------------------- constrain / extend


def test_constrain_keeps_order_and_narrows(fm: FMFile) -> None:
    fs = FoundSet("Items", [4, 2, 1, 5])
    fs.constrain(fm, [FindRequest([("Kind", "fruit")])])
    assert fs.ids == [2, 1]
    fs.constrain(fm, [FindRequest([("Name", "apple")], omit=True)])
    assert fs.ids == [1]
    fs.constrain(fm, [FindRequest([("Name", "nothing")])])
    assert (fs.ids, fs.current) == ([], 0)


def test_extend_adds_matches_in_creation_order(fm: FMFile) -> None:
    fs = FoundSet("Items", [4], current=1)
    fs.extend(fm, [FindRequest([("Name", "banana")]), FindRequest([("Qty", "<0")])])
    assert fs.ids == [1, 4, 6]
    assert fs.current_id == 4


# ---------------------------------------------------------------- sorting


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        # text ignores case and is stable (Apple before apple: creation order); empty first
        ([("Name", True)], ["", "Apple", "apple", "banana", "cherry", "Date"]),
        ([("Name", False)], ["Date", "cherry", "banana", "Apple", "apple", ""]),
        # numbers numerically (2 < 2.5 < 10; "1,000 pcs" sorts by its digits); empty first
        ([("Qty", True)], ["cherry", "Date", "Apple", "apple", "banana", ""]),
        ([("Qty", False)], ["", "banana", "apple", "Apple", "Date", "cherry"]),
        # dates chronologically, then a second key
        ([("Due", True), ("Name", False)], ["cherry", "apple", "Date", "Apple", "", "banana"]),
        ([("Kind", True), ("Due", False)], ["Date", "banana", "Apple", "cherry", "", "apple"]),
        ([], ["banana", "Apple", "cherry", "apple", "", "Date"]),
    ],
)
def test_sort_ids(fm: FMFile, order: list[tuple[str, bool]], expected: list[str]) -> None:
    assert names(fm, sort_ids(fm, "Items", fm.record_ids("Items"), order)) == expected


def test_sort_and_unsort_found_set(fm: FMFile) -> None:
    fs = FoundSet("Items", [1, 2, 4], current=3)
    fs.sort(fm, [("name", True)])
    assert names(fm, fs.ids) == ["Apple", "apple", "banana"]
    assert (fs.current, fs.is_sorted, fs.sort_order) == (1, True, [("name", True)])
    fs.unsort(fm)
    assert (fs.ids, fs.is_sorted) == ([1, 2, 4], False)
