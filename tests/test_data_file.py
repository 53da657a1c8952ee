"""FMFile: schema, layouts, records, globals, write-through, loading and saving."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from fmscript.calc.values import FMTime
from fmscript.data import Field, FieldType, FMFile
from fmscript.data.schema import field_type_for, quote_ident
from fmscript.errors import ScriptRuntimeError

SCHEMA = """
CREATE TABLE "Support QA" ("Question" TEXT, "Answer" TEXT, "Category" TEXT);
INSERT INTO "Support QA" VALUES ('How do I pay?', 'By card.', 'Billing');
INSERT INTO "Support QA" VALUES ('Where is my order?', 'Track it online.', 'Shipping');
CREATE TABLE "サポート 表" ("質問 (テキスト)" TEXT, "Line-Item #" NUMBER, "Due" DATE);
INSERT INTO "サポート 表" VALUES ('こんにちは', 3, '2024-01-05');
CREATE TABLE "Global" ("API Key" TEXT GLOBAL, "Counter" NUMBER GLOBAL, "Note" TEXT);
INSERT INTO "Global" VALUES ('sk-initial', 5, 'first');
INSERT INTO "Global" VALUES ('sk-second', 6, 'second');
CREATE TABLE "Empty Globals" ("G" TEXT GLOBAL);
"""


@pytest.fixture
def fm() -> FMFile:
    return FMFile.from_sql(SCHEMA)


# ---------------------------------------------------------------- schema


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("TEXT", (FieldType.TEXT, False)),
        ("VARCHAR(40)", (FieldType.TEXT, False)),
        ("", (FieldType.TEXT, False)),
        ("NUMBER", (FieldType.NUMBER, False)),
        ("NUMERIC", (FieldType.NUMBER, False)),
        ("INTEGER", (FieldType.NUMBER, False)),
        ("REAL", (FieldType.NUMBER, False)),
        ("DECIMAL(10,2)", (FieldType.NUMBER, False)),
        ("DATE", (FieldType.DATE, False)),
        ("TIME", (FieldType.TIME, False)),
        ("TIMESTAMP", (FieldType.TIMESTAMP, False)),
        ("DATETIME", (FieldType.TIMESTAMP, False)),
        ("BLOB", (FieldType.CONTAINER, False)),
        ("CONTAINER", (FieldType.CONTAINER, False)),
        ("TEXT GLOBAL", (FieldType.TEXT, True)),
        ("number global", (FieldType.NUMBER, True)),
    ],
)
def test_declared_type_mapping(declared: str, expected: tuple[FieldType, bool]) -> None:
    assert field_type_for(declared) == expected


def test_tables_skip_bookkeeping_and_keep_creation_order(fm: FMFile) -> None:
    fm.connection.execute('CREATE TABLE "fmscript_layouts" (layout TEXT, table_occurrence TEXT)')
    fm.get("Global", None, "API Key")  # creates fmscript_globals
    fm.connection.execute("ANALYZE")  # creates sqlite_stat1
    fm.refresh()
    assert fm.tables() == ["Support QA", "サポート 表", "Global", "Empty Globals"]


def test_fields_with_spaces_punctuation_and_cjk(fm: FMFile) -> None:
    assert fm.fields("サポート 表") == [
        Field("質問 (テキスト)", FieldType.TEXT, False),
        Field("Line-Item #", FieldType.NUMBER, False),
        Field("Due", FieldType.DATE, False),
    ]
    (rid,) = fm.record_ids("サポート 表")
    assert fm.get("サポート 表", rid, "質問 (テキスト)") == "こんにちは"
    assert fm.get("サポート 表", rid, "line-item #") == Decimal(3)
    assert fm.get("サポート 表", rid, "Due") == dt.date(2024, 1, 5)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("support qa", "Support QA"),
        ("SUPPORT QA", "Support QA"),
        ("サポート 表", "サポート 表"),
        ("nope", None),
    ],
)
def test_resolve_table_is_case_insensitive(fm: FMFile, name: str, expected: str | None) -> None:
    assert fm.resolve_table(name) == expected


@pytest.mark.parametrize(
    ("table", "name", "expected"),
    [
        ("support qa", "question", "Question"),
        ("Global", "api KEY", "API Key"),
        ("Global", "x", None),
        ("x", "y", None),
    ],
)
def test_resolve_field_is_case_insensitive(fm: FMFile, table: str, name: str, expected: str | None) -> None:
    assert fm.resolve_field(table, name) == expected


def test_quote_ident_doubles_quotes() -> None:
    assert quote_ident('a "b" c') == '"a ""b"" c"'


def test_without_rowid_table_is_rejected_clearly() -> None:
    fm = FMFile.from_sql('CREATE TABLE "K" ("id" TEXT PRIMARY KEY, "v" TEXT) WITHOUT ROWID;')
    with pytest.raises(ScriptRuntimeError, match="WITHOUT ROWID"):
        fm.record_ids("K")
    with pytest.raises(ScriptRuntimeError, match="WITHOUT ROWID"):
        fm.new_record("K")


def test_column_named_rowid_does_not_hide_records() -> None:
    fm = FMFile.from_sql('CREATE TABLE "T" ("rowid" TEXT, "v" TEXT); INSERT INTO "T" VALUES (\'x\', \'y\');')
    (rid,) = fm.record_ids("T")
    assert fm.get("T", rid, "rowid") == "x"
    assert fm.get("T", rid, "v") == "y"


# ---------------------------------------------------------------- layouts


def test_layout_defaults_to_table_name(fm: FMFile) -> None:
    assert fm.layouts() == ["Support QA", "サポート 表", "Global", "Empty Globals"]
    assert fm.table_for_layout("support qa") == "Support QA"


def test_layouts_table_maps_names() -> None:
    fm = FMFile.from_sql(
        SCHEMA
        + """
        CREATE TABLE fmscript_layouts (layout TEXT, table_occurrence TEXT);
        INSERT INTO fmscript_layouts VALUES ('サポート QA', 'Support QA');
        INSERT INTO fmscript_layouts VALUES ('Support_QA', 'support qa');
        INSERT INTO fmscript_layouts VALUES ('Broken', 'No Such Table');
        """
    )
    assert fm.layouts()[:3] == ["サポート QA", "Support_QA", "Broken"]
    assert "Support QA" in fm.layouts()  # tables stay reachable by their own name
    assert fm.table_for_layout("サポート qa") == "Support QA"
    assert fm.table_for_layout("SUPPORT_QA") == "Support QA"
    with pytest.raises(KeyError):
        fm.table_for_layout("Broken")
    with pytest.raises(KeyError):
        fm.table_for_layout("Nowhere")


# ---------------------------------------------------------------- records


def test_record_ids_get_and_record(fm: FMFile) -> None:
    ids = fm.record_ids("Support QA")
    assert len(ids) == 2 == fm.total_count("support qa")
    assert fm.record("Support QA", ids[1]) == {
        "Question": "Where is my order?",
        "Answer": "Track it online.",
        "Category": "Shipping",
    }


@pytest.mark.parametrize(
    ("declared", "value", "expected"),
    [
        ("NUMBER", Decimal("10.50"), Decimal("10.5")),
        ("NUMBER", "42", Decimal(42)),
        ("NUMBER", 7, Decimal(7)),
        ("NUMBER", "abc", "abc"),  # FileMaker keeps the text typed into a number field
        ("NUMBER", "1234.125", Decimal("1234.125")),
        ("NUMBER", Decimal("0.1") + Decimal("0.2"), Decimal("0.3")),
        ("DATE", dt.date(2024, 1, 5), dt.date(2024, 1, 5)),
        ("DATE", "1/5/2024", dt.date(2024, 1, 5)),
        ("DATE", "2024-01-05", dt.date(2024, 1, 5)),
        ("DATE", "soon", "soon"),
        ("TIME", "1:30 PM", FMTime(13 * 3600 + 30 * 60)),
        ("TIME", FMTime(Decimal("90.5")), FMTime(Decimal("90.5"))),
        ("TIME", dt.datetime(2024, 1, 5, 10, 30), FMTime(10 * 3600 + 30 * 60)),
        ("TIMESTAMP", dt.datetime(2024, 1, 5, 10, 30), dt.datetime(2024, 1, 5, 10, 30)),
        ("TIMESTAMP", dt.date(2024, 1, 5), dt.datetime(2024, 1, 5)),
        ("NUMBER", dt.date(1, 1, 2), Decimal(2)),  # a date as a number is its day number
        ("TIMESTAMP", "1/5/2024 10:30:00", dt.datetime(2024, 1, 5, 10, 30)),
        ("TEXT", Decimal("3.50"), "3.5"),
        ("TEXT", dt.date(2024, 1, 5), "1/5/2024"),
        ("TEXT", "", ""),
        ("CONTAINER", b"\x00\x01binary", b"\x00\x01binary"),
        ("CONTAINER", "image.png", "image.png"),
    ],
)
def test_set_converts_by_field_type(declared: str, value: object, expected: object) -> None:
    fm = FMFile.from_sql(f'CREATE TABLE "T" ("F" {declared});')
    rid = fm.new_record("T")
    fm.set("T", rid, "f", value)
    got = fm.get("T", rid, "F")
    assert got == expected
    assert type(got) is type(expected)


def test_date_field_stores_iso_text() -> None:
    fm = FMFile.from_sql('CREATE TABLE "T" ("D" DATE, "W" TIME);')
    rid = fm.new_record("T")
    fm.set("T", rid, "D", "3/9/2024")
    fm.set("T", rid, "W", "1:30 PM")
    assert fm.connection.execute('SELECT "D", "W" FROM "T"').fetchone() == ("2024-03-09", "13:30:00")
    assert fm.get("T", rid, "W").seconds == Decimal(13 * 3600 + 30 * 60)


def test_new_duplicate_delete(fm: FMFile) -> None:
    first, second = fm.record_ids("Support QA")
    copy = fm.duplicate_record("Support QA", first)
    assert fm.record("Support QA", copy) == fm.record("Support QA", first)
    new = fm.new_record("Support QA")
    assert fm.record_ids("Support QA") == [first, second, copy, new]
    assert fm.get("Support QA", new, "Question") == ""
    fm.delete_record("Support QA", second)
    assert fm.delete_records("Support QA", [copy, new, 999]) == 2
    assert fm.record_ids("Support QA") == [first]


def test_duplicate_skips_integer_primary_key() -> None:
    fm = FMFile.from_sql(
        'CREATE TABLE "T" ("id" INTEGER PRIMARY KEY, "v" TEXT); INSERT INTO "T" VALUES (7, \'a\');'
    )
    copy = fm.duplicate_record("T", 7)
    assert copy != 7
    assert fm.get("T", copy, "v") == "a"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda fm: fm.get("Support QA", 999, "Question"), 101),
        (lambda fm: fm.set("Support QA", 999, "Question", "x"), 101),
        (lambda fm: fm.delete_record("Support QA", 999), 101),
        (lambda fm: fm.duplicate_record("Support QA", 999), 101),
        (lambda fm: fm.get("Support QA", 1, "No Field"), 102),
        (lambda fm: fm.record_ids("No Table"), 106),
    ],
)
def test_errors_carry_filemaker_codes(fm: FMFile, call, code: int) -> None:
    with pytest.raises(ScriptRuntimeError) as info:
        call(fm)
    assert info.value.code == code


def test_unique_violation_is_error_504() -> None:
    fm = FMFile.from_sql('CREATE TABLE "T" ("v" TEXT UNIQUE); INSERT INTO "T" VALUES (\'a\');')
    with pytest.raises(ScriptRuntimeError) as info:
        fm.duplicate_record("T", 1)
    assert info.value.code == 504


# ---------------------------------------------------------------- globals


def test_global_initial_value_comes_from_first_row(fm: FMFile) -> None:
    assert fm.get("Global", None, "API Key") == "sk-initial"
    assert fm.get("Global", None, "Counter") == Decimal(5)
    assert fm.get("Empty Globals", None, "G") == ""


def test_global_is_one_value_per_file(fm: FMFile) -> None:
    first, second = fm.record_ids("Global")
    fm.set("Global", second, "API Key", "sk-new")
    assert fm.get("Global", None, "API Key") == "sk-new"
    assert fm.get("Global", first, "api key") == "sk-new"
    assert fm.record("Global", first)["API Key"] == "sk-new"
    assert fm.get("Global", first, "Note") == "first"  # non-global fields stay per record
    # The table's own rows are untouched: globals live in the side table.
    assert fm.connection.execute('SELECT "API Key" FROM "Global" ORDER BY rowid').fetchall() == [
        ("sk-initial",),
        ("sk-second",),
    ]


def test_global_settable_without_any_record(fm: FMFile) -> None:
    fm.set("Empty Globals", None, "G", "hello")
    assert fm.get("Empty Globals", None, "G") == "hello"
    assert fm.record_ids("Empty Globals") == []


def test_globals_survive_save_as_sql(fm: FMFile, tmp_path: Path) -> None:
    fm.set("Global", None, "API Key", "sk-saved")
    fm.save(tmp_path / "out.sql")
    again = FMFile.open(tmp_path / "out.sql")
    assert again.get("Global", None, "API Key") == "sk-saved"


# ---------------------------------------------------------------- files


def _make_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.close()


def test_write_through_is_immediate(tmp_path: Path) -> None:
    path = tmp_path / "file.sqlite"
    _make_db(path)
    fm = FMFile.open(path)
    rid = fm.record_ids("Support QA")[0]
    fm.set("Support QA", rid, "Answer", "Changed.")
    fm.set("Global", None, "API Key", "sk-through")
    with pytest.raises(ScriptRuntimeError):
        fm.set("Support QA", 999, "Answer", "a later step fails")
    # Another connection sees the change while fm is still open: nothing waits for a commit.
    other = FMFile.open(path)
    assert other.get("Support QA", rid, "Answer") == "Changed."
    assert other.get("Global", None, "API Key") == "sk-through"
    other.close()
    fm.close()
    with FMFile.open(path) as reopened:
        assert reopened.get("Support QA", rid, "Answer") == "Changed."


def test_open_missing_database(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FMFile.open(tmp_path / "missing.sqlite")
    fm = FMFile.open(tmp_path / "new.db", create=True)
    assert fm.tables() == []


def test_sql_load_then_save_as_sqlite(tmp_path: Path) -> None:
    sql = tmp_path / "sample.sql"
    sql.write_text(SCHEMA, encoding="utf-8")
    fm = FMFile.open(sql)
    assert fm.path is None  # .sql text lives in memory
    rid = fm.new_record("Support QA")
    fm.set("Support QA", rid, "Question", "Saved?")
    fm.save(tmp_path / "saved.sqlite")
    with FMFile.open(tmp_path / "saved.sqlite") as saved:
        assert saved.get("Support QA", rid, "Question") == "Saved?"
        assert saved.total_count("Support QA") == 3
    # The .sql source is never rewritten.
    assert sql.read_text(encoding="utf-8") == SCHEMA


def test_bad_sql_reports_source(tmp_path: Path) -> None:
    sql = tmp_path / "bad.sql"
    sql.write_text("CREATE TABLE (;", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.sql"):
        FMFile.open(sql)


def test_memory_file() -> None:
    fm = FMFile.memory()
    assert fm.tables() == [] and fm.layouts() == []


# ---------------------------------------------------------------- SQL injection is inert

PAYLOAD = '\'; DROP TABLE "Support QA"; --'


def test_sql_in_values_and_names_is_inert(fm: FMFile, tmp_path: Path) -> None:
    from fmscript.data import FindRequest, find, sort_ids

    table, field = f"x{PAYLOAD}", f"f{PAYLOAD}"
    fm.connection.execute(
        f"CREATE TABLE {quote_ident(table)} ({quote_ident(field)} TEXT, {quote_ident(PAYLOAD)} NUMBER)"
    )
    fm.connection.execute("CREATE TABLE fmscript_layouts (layout TEXT, table_occurrence TEXT)")
    fm.connection.execute("INSERT INTO fmscript_layouts VALUES (?, ?)", (PAYLOAD, table))
    fm.refresh()
    assert fm.table_for_layout(PAYLOAD) == table
    rid = fm.new_record(table)
    fm.set(table, rid, field, PAYLOAD)
    fm.set(table, rid, PAYLOAD, PAYLOAD)
    assert fm.get(table, rid, field) == PAYLOAD
    assert fm.get(table, rid, PAYLOAD) == PAYLOAD  # not numeric: kept as typed
    copy = fm.duplicate_record(table, rid)
    # Quotes are find operators ("phrase"), so the literal ones are escaped, as in FileMaker.
    escaped = PAYLOAD.replace('"', '\\"')
    assert find(fm, table, [FindRequest([(field, f"=={escaped}")])]) == [rid, copy]
    assert find(fm, table, [FindRequest([(field, "drop table")])]) == [rid, copy]
    assert find(fm, table, [FindRequest([(PAYLOAD, "*")])]) == [rid, copy]
    assert sort_ids(fm, table, [copy, rid], [(field, True), (PAYLOAD, False)]) == [copy, rid]
    fm.set("Support QA", 1, "Question", PAYLOAD)
    fm.delete_record(table, copy)
    fm.save(tmp_path / "after.sqlite")
    assert fm.resolve_table("Support QA") == "Support QA"
    assert fm.total_count("Support QA") == 2
    assert fm.get("Support QA", 1, "Question") == PAYLOAD
    with FMFile.open(tmp_path / "after.sqlite") as saved:
        assert saved.total_count("Support QA") == 2


def test_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite"
    _make_db(path)
    fm = FMFile(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None))
    assert fm.get("Global", None, "API Key") == "sk-initial"  # initial value, no side table
    with pytest.raises(ScriptRuntimeError) as info:
        fm.set("Support QA", 1, "Answer", "x")
    assert info.value.code == 6
