"""Find requests: each find-mode operator, multi-request OR, omit, and error 400.

Record ids 1..6 are the rows of PEOPLE in order.
"""

from __future__ import annotations

import datetime as dt

import pytest

from fmscript.data import FindRequest, FMFile, find
from fmscript.errors import ScriptRuntimeError

PEOPLE = """
CREATE TABLE "People" (
    "Name" TEXT, "Notes" TEXT, "Age" NUMBER, "Joined" DATE, "Start" TIME, "Seen" TIMESTAMP, "City" TEXT
);
INSERT INTO "People" VALUES
 ('John Smith',   'All for one and one for all.', 30,   '2024-01-05', '09:00:00', '2024-01-05 10:30:00', 'Boston'),
 ('Jane Smithson','We will forever remember.',    10.0, '2024-03-15', '13:30:00', '2024-03-15 08:00:00', 'boston'),
 ('Bob Johnson',  'Back and forth it went.',      45,   '2023-12-31', '17:45:00', '2023-12-31 23:59:00', 'New York'),
 ('Alice Jones',  'Wherefore art thou Romeo?',    10,   '2024-02-29', '08:15:00', '2024-02-29 12:00:00', 'new york city'),
 ('',             'Before there was art, there was an artist.', NULL, NULL, NULL, NULL, 'Tokyo 東京'),
 ('Zoë O''Brien', 'e-mail me at zoe@example.com', 'unknown', 'soon', NULL, NULL, NULL);
"""


@pytest.fixture(scope="module")
def fm() -> FMFile:
    return FMFile.from_sql(PEOPLE)


TODAY = dt.date(2024, 3, 15)

# (field, criterion as typed in Find mode, matching record ids). Source page in the comment.
CASES = [
    # Finding text and characters: every word matches the start of a word, any order, any case
    ("Name", "smith", [1, 2]),
    ("Name", "SMITH john", [1]),
    ("Notes", "for", [1, 2, 3]),  # for, forever, forth; not Wherefore / Before
    ("City", "boston", [1, 2]),
    ("City", "new york", [3, 4]),
    ("City", "東京", [5]),
    ("City", "東", [5]),
    ("Notes", "e-mail", [6]),  # punctuation separates words
    ("Name", "o'brien", [6]),
    # Find operators: = whole word / empty, == whole field
    ("Name", "=smith", [1]),
    ("City", "=new =york", [3, 4]),
    ("Name", "=", [5]),
    ("City", "=", [6]),
    ("City", "==", [6]),
    ("City", "==new york", [3]),
    ("Name", "==john smith", [1]),
    ("Name", "==john", []),
    ("Name", "==John*", [1]),
    # wildcards and escapes
    ("Name", "*son", [2, 3]),
    ("Name", "J@hn", [1, 3]),
    ("Notes", "#", []),
    ("Notes", r"zoe\@example.com", [6]),
    # phrases: from a word start, or anywhere with *"..."
    ("Notes", '"one and one"', [1]),
    ("Notes", '"ne and"', []),
    ("Notes", '*"ne and"', [1]),
    ("Notes", "“forever remember”", [2]),
    # Finding empty or non-empty fields
    ("Name", "*", [1, 2, 3, 4, 6]),
    ("Age", "*", [1, 2, 3, 4, 6]),
    # Finding duplicate values
    ("City", "!", [1, 2]),
    ("Age", "!", [2, 4]),
    # Finding numbers: numeric comparison
    ("Age", "10", [2, 4]),
    ("Age", "10.0", [2, 4]),
    ("Age", ">20", [1, 3]),
    ("Age", "> 20", [1, 3]),
    ("Age", "<=10", [2, 4]),
    ("Age", "≤10", [2, 4]),
    ("Age", "≥45", [3]),
    ("Age", ">=45", [3]),
    ("Age", "<30", [2, 4]),
    ("Age", "?", [6]),  # not a number
    ("Age", "unknown", [6]),
    ("Age", "=", [5]),
    # Finding ranges of information
    ("Age", "10...30", [1, 2, 4]),
    ("Age", "10..30", [1, 2, 4]),
    ("Age", "10…30", [1, 2, 4]),
    ("Age", "30...", [1, 3]),
    ("Age", "...10", [2, 4]),
    ("Name", "b...c", [3]),
    # Finding dates (M/D/YYYY or ISO; year and month spans)
    ("Joined", "1/5/2024", [1]),
    ("Joined", "2024-01-05", [1]),
    ("Joined", "2024", [1, 2, 4]),
    ("Joined", "2/2024", [4]),
    ("Joined", "2024-02", [4]),
    ("Joined", "<1/1/2024", [3]),
    ("Joined", "1/1/2024...2/29/2024", [1, 4]),
    ("Joined", "//", [2]),
    ("Joined", "<//", [1, 3, 4]),
    ("Joined", "?", [6]),  # invalid date
    # times
    ("Start", "9:00", [1]),
    ("Start", "1:30 PM", [2]),
    ("Start", ">12:00", [2, 3]),
    ("Start", "8:00...9:00", [1, 4]),
    # timestamps: a date alone is the whole day
    ("Seen", "1/5/2024", [1]),
    ("Seen", "2024-03-15 08:00:00", [2]),
    ("Seen", "12/31/2023 23:59", [3]),
    ("Seen", ">2/29/2024", [2]),
    ("Seen", "//", [2]),
]


@pytest.mark.parametrize(("field", "criterion", "expected"), CASES, ids=[f"{f}:{c}" for f, c, _ in CASES])
def test_single_criterion(fm: FMFile, field: str, criterion: str, expected: list[int]) -> None:
    assert find(fm, "People", [FindRequest([(field, criterion)])], today=TODAY) == expected


MULTI = [
    # Finding records based on criteria in multiple fields: AND within a request
    ([FindRequest([("Name", "smith"), ("City", "boston")])], [1, 2]),
    ([FindRequest([("Name", "smith"), ("Age", "10")])], [2]),
    ([FindRequest([("Name", "smith"), ("Age", "")])], [1, 2]),  # an empty criterion is ignored
    ([FindRequest([("Name", "smith"), ("Name", "john")])], [1]),
    # several Find requests: OR
    ([FindRequest([("Name", "smith")]), FindRequest([("City", "tokyo")])], [1, 2, 5]),
    # Omitting records: omit requests remove from what was found so far
    ([FindRequest([("City", "boston")]), FindRequest([("Name", "john")], omit=True)], [2]),
    ([FindRequest([("Name", "smith")], omit=True)], [3, 4, 5, 6]),  # lone omit: all but matches
    # processed in order
    (
        [
            FindRequest([("Name", "smith")]),
            FindRequest([("Age", "10")], omit=True),
            FindRequest([("Age", "10")]),
        ],
        [1, 2, 4],
    ),
    (
        [
            FindRequest([("Name", "smith")]),
            FindRequest([("Age", "10")]),
            FindRequest([("Age", "10")], omit=True),
        ],
        [1],
    ),
    # qualified names are accepted for the table being searched
    ([FindRequest([("people::name", "jones")])], [4]),
    ([FindRequest([("::Name", "jones")])], [4]),
    # nothing found is an empty list; the caller reports error 401
    ([FindRequest([("Name", "nobody")])], []),
]


@pytest.mark.parametrize(("requests", "expected"), MULTI)
def test_requests(fm: FMFile, requests: list[FindRequest], expected: list[int]) -> None:
    assert find(fm, "People", requests, today=TODAY) == expected


@pytest.mark.parametrize(
    "requests",
    [
        [],
        [FindRequest([])],
        [FindRequest([("Name", ""), ("City", "   ")])],
        [FindRequest([("Name", "smith")]), FindRequest([("City", "")])],
    ],
)
def test_empty_criteria_is_error_400(fm: FMFile, requests: list[FindRequest]) -> None:
    with pytest.raises(ScriptRuntimeError) as info:
        find(fm, "People", requests)
    assert info.value.code == 400


@pytest.mark.parametrize(
    ("table", "field", "code"),
    [("People", "No Such Field", 102), ("Other", "Name", 106), ("People", "Other::Name", 102)],
)
def test_unknown_names(fm: FMFile, table: str, field: str, code: int) -> None:
    with pytest.raises(ScriptRuntimeError) as info:
        find(fm, table, [FindRequest([(field, "x")])])
    assert info.value.code == code


def test_find_on_global_field_is_all_or_nothing() -> None:
    fm = FMFile.from_sql(
        'CREATE TABLE "G" ("K" TEXT GLOBAL, "V" TEXT); INSERT INTO "G" VALUES (\'key\', \'a\'), (NULL, \'b\');'
    )
    assert find(fm, "G", [FindRequest([("K", "key")])]) == [1, 2]
    assert find(fm, "G", [FindRequest([("K", "other")])]) == []


def test_find_request_is_immutable_and_hashable() -> None:
    request = FindRequest([("Name", "x")], omit=True)
    assert request.criteria == (("Name", "x"),)
    assert hash(request) == hash(FindRequest((("Name", "x"),), True))
