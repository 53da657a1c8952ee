"""Lookup declarations (``fmscript.data.lookups``): what a malformed ``fmscript_lookups`` table
reports, lookups naming what the file lacks, chained lookups and next lower values."""

from __future__ import annotations

import pytest

from fmscript.data.lookups import lookups, run_lookups
from fmscript.data.sqlite_file import FMFile
from fmscript.errors import ScriptRuntimeError

SCHEMA = """
CREATE TABLE P ("K" NUMBER, "Code" TEXT, "Name" TEXT);
CREATE TABLE R ("K" NUMBER, "Code" TEXT);
CREATE TABLE N ("Code" TEXT, "Name" TEXT);
INSERT INTO P VALUES (7, '', '');
INSERT INTO R VALUES (5, 'lo'), (10, 'hi');
INSERT INTO N VALUES ('lo', 'Low'), ('hi', 'High');
CREATE TABLE fmscript_relationships (left_to TEXT, left_field TEXT, right_to TEXT, right_field TEXT);
INSERT INTO fmscript_relationships VALUES ('P', 'K', 'R', 'K'), ('P', 'Code', 'N', 'Code');
"""


def _file(columns: str, *rows: str) -> FMFile:
    sql = SCHEMA + f"CREATE TABLE fmscript_lookups ({columns});\n"
    sql += "".join(f"INSERT INTO fmscript_lookups VALUES {r};\n" for r in rows)
    return FMFile.from_sql(sql)


FULL = "starting_to, field, related_to, source_field, if_no_match, use_value, dont_copy_if_empty"


def test_a_missing_column_or_an_unknown_choice_is_error_103() -> None:
    with pytest.raises(ScriptRuntimeError) as e:
        lookups(_file("starting_to, field, related_to"))
    assert e.value.code == 103 and "source_field" in str(e.value)
    with pytest.raises(ScriptRuntimeError) as e:
        lookups(_file(FULL, "('P', 'Code', 'R', 'Code', 'sometimes', NULL, 1)"))
    assert e.value.code == 103 and "sometimes" in str(e.value)


def test_lookups_naming_what_the_file_lacks_are_left_out() -> None:
    file = _file(
        FULL,
        "('P', 'Nope', 'R', 'Code', NULL, NULL, 1)",  # no such target field
        "('P', 'Code', 'Missing', 'Code', NULL, NULL, 1)",  # no such TO
        "('P', 'Code', 'R', 'Nope', NULL, NULL, 1)",  # no such source field
        "('P', 'Code', 'R', 'Code', 'lower', NULL, 1)",
    )
    assert [(r.table, r.field, sorted(r.match_fields)) for r in lookups(file)] == [("P", "Code", ["k"])]


def test_next_lower_value_then_a_chained_lookup() -> None:
    # K 7 matches no R record: the next lower match value (5) gives 'lo'; Code is the match field
    # of the Name lookup, which runs in turn.
    file = _file(
        FULL,
        "('P', 'Code', 'R', 'Code', 'copy next lower value', NULL, 1)",
        "('P', 'Name', 'N', 'Name', 'do not copy', NULL, 1)",
    )
    assert run_lookups(file, "P", 1, ["K"]) == ["Code", "Name"]
    assert (file.get("P", 1, "Code"), file.get("P", 1, "Name")) == ("lo", "Low")
