"""The open file as design and record functions see it (``fmscript.calc.functions.design.FileView``),
and the Get ( … ) values that come from the file: one adapter over the step context, so the calc
layer never imports the data layer."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fmscript.calc import values as V
from fmscript.calc.functions.sql import SQLQueryError
from fmscript.calc.sql_dialect import fm_sql_to_sqlite
from fmscript.calc.values import Value
from fmscript.data.relationships import FLIPPED, Hop
from fmscript.data.schema import quote_ident
from fmscript.steps.sql_functions import install as install_sql_functions

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile
    from fmscript.steps.state import StepContext

# GetTableDDL's column types (Claris example: varchar(255), int, datetime, varbinary(4096)).
_DDL_TYPES = {
    "text": "varchar(255)",
    "number": "int",
    "date": "datetime",
    "time": "datetime",
    "timestamp": "datetime",
    "container": "varbinary(4096)",
}

# RelationInfo writes operators as the Claris example does (``>=``).
_PRINTED = {"≥": ">=", "≤": "<="}

# What a read-only SELECT may do (sqlite3 authorizer action codes).
_ALLOWED = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}


class RunFileView:
    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.data = ctx.data
        self.file: FMFile = ctx.data.require_file()

    # ------------------------------------------------------------------ names
    def file_name(self) -> str:
        path = self.file.path
        return path.stem if path is not None else "Untitled"

    def is_file(self, name: str) -> bool:
        wanted = name.strip().casefold()
        stem = self.file_name().casefold()
        return wanted == stem or (wanted.rsplit(".", 1)[0] == stem and "." in wanted)

    def table_names(self) -> list[str]:
        """Claris TableNames: the file's table occurrences (every table, then declared ones)."""
        return self.file.occurrences()

    def base_table_names(self) -> list[str]:
        return self.file.tables()

    def relation_info(self, table: str) -> list[tuple[str, list[str], list[str]]] | None:
        """(connected occurrence, its side's options, match lines) per relationship of ``table``."""
        graph = self.file.graph
        occurrence = graph.occurrence(table)
        if occurrence is None:
            return None
        infos = []
        for relationship in graph.relationships:
            for hop in (Hop(relationship, True), Hop(relationship, False)):
                if hop.source.casefold() != occurrence.casefold():
                    continue
                side = hop.side
                flags = (
                    ("Delete", side.delete_related),
                    ("Create", side.allow_creation),
                    ("Sorted", side.sort_field),
                )
                options = [word for word, on in flags if on]
                lines = [
                    f"{hop.target}::{target} {_PRINTED.get(FLIPPED[op], FLIPPED[op])} {occurrence}::{source}"
                    for source, op, target in hop.pairs()
                ]
                infos.append((hop.target, options, lines))
        return infos

    def layout_names(self) -> list[str]:
        return self.file.layouts()

    def script_names(self) -> list[str]:
        folder = self.ctx.script_dir
        return sorted((p.stem for p in folder.glob("*.fmscript")), key=str.casefold)

    def field_names(self, layout_or_table: str) -> list[str] | None:
        try:
            table = self.file.table_for_layout(layout_or_table)
        except KeyError:
            return None
        return [f.name for f in self.file.fields(table)]

    def field_type(self, field: str) -> str | None:
        table, _, name = field.rpartition("::")
        t = self.file.resolve_table(table) if table else self.data.current_table()
        if t is None or self.file.resolve_field(t, name) is None:
            return None
        f = self.file.field(t, name)
        storage = "Global" if f.is_global else "Standard"
        indexed = "Indexed" if not f.is_global and f.name.casefold() in self._indexed(t) else "Unindexed"
        return f"{storage} {f.type.value.capitalize()} {indexed} 1"

    def _indexed(self, table: str) -> set[str]:
        conn = self.file.connection
        names: set[str] = set()
        for row in conn.execute("SELECT name FROM pragma_index_list(?)", (table,)):
            for col in conn.execute("SELECT name FROM pragma_index_info(?)", (row[0],)):
                if col[0]:
                    names.add(str(col[0]).casefold())
        return names

    def next_serial(self, field: str) -> str | None:
        """GetNextSerialValue: the next serial number of ``[Table::]Field`` ("" when the field has
        no auto-enter serial number, None when it is not a field of the file)."""
        from fmscript.data import serials

        table, _, name = field.rpartition("::")
        t = self.file.resolve_table(table.strip()) if table else self.data.current_table()
        f = self.file.resolve_field(t, name.strip()) if t is not None else None
        if t is None or f is None:
            return None
        declared = {
            str(row[1]).casefold(): str(row[2] or "")
            for row in self.file.connection.execute(f"PRAGMA table_info({quote_ident(t)})")
        }
        if not serials.is_serial(declared.get(f.casefold(), "")):
            return ""
        value = serials.next_value(self.file.connection, t, f)
        return V.to_text(V.make_number(value)) if isinstance(value, (int, float)) else str(value)

    def table_ddl(self, table: str) -> str | None:
        t = self.file.resolve_table(table)
        if t is None:
            return None
        conn = self.file.connection
        comments = _column_comments(conn, t)
        info = conn.execute("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (t,)).fetchall()
        fields = {f.name: f for f in self.file.fields(t)}
        lines = []
        for name, _pk in info:
            comment = comments.get(name.casefold())
            line = f'"{name}" {_DDL_TYPES[fields[name].type.value]},'
            lines.append(line + (f" /*{comment}*/" if comment else ""))
        keys = [name for name, pk in sorted(info, key=lambda r: r[1]) if pk]
        tail = [f"PRIMARY KEY ({', '.join(keys)})"] if keys else []
        for row in conn.execute('SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)', (t,)):
            tail.append(f"FOREIGN KEY ({row[1]}) REFERENCES {row[0]}({row[2] or 'rowid'})")
        if tail:
            tail = [line + "," for line in tail[:-1]] + tail[-1:]
        elif lines:
            last = lines[-1]
            comma = last.index(",", len(last.split(" /*")[0]) - 1)
            lines[-1] = last[:comma] + last[comma + 1 :]
        return f'CREATE TABLE "{t}" (\n' + "\n".join(lines + tail) + "\n);"

    def base_table(self, table: str | None) -> str:
        return (self.file.resolve_table(table) if table else self.data.current_table()) or ""

    def field_comment(self, field: str) -> str | None:
        table, _, name = field.rpartition("::")
        t = self.file.resolve_table(table) if table else self.data.current_table()
        f = self.file.resolve_field(t, name) if t is not None else None
        if t is None or f is None:
            return None
        return _column_comments(self.file.connection, t).get(f.casefold(), "")

    # ------------------------------------------------------------------ records
    def found_set_ids(self) -> list[int]:
        if self.data.layout is None:
            return []
        fs = self.data.found_set()
        return [self.file.record_id(fs.table, rid) for rid in fs.ids]

    def nth_record(self, table: str | None, field: str, number: int) -> tuple[bool, Value]:
        t, f = self.data.resolve_field(table, field)
        if self.file.field(t, f).is_global:
            return True, self.file.get(t, None, f)
        related = self.data.related_ids(table) if table is not None else None
        # Claris GetNthRecord: a related field gives the nth related record's value.
        ids = related if related is not None else self._ids(t)
        if not 1 <= number <= len(ids):
            return False, ""
        return True, self.data.record_value(t, ids[number - 1], f)

    def _ids(self, table: str) -> list[int]:
        data = self.data
        if data.layout is not None and data.current_table() == table:
            return list(data.found_set().ids)
        for fs in data.found_sets.values():
            if fs.table == table:
                return list(fs.ids)
        return self.file.record_ids(table)

    # ------------------------------------------------------------------ SQL
    def _occurrence_views(self, conn: sqlite3.Connection) -> None:
        """ExecuteSQL names table occurrences (Claris: "Executes an SQL query statement for the
        specified table occurrence"): each declared occurrence is a temporary view of its table,
        which lives only on this connection (never written to the file)."""
        for occurrence, table in self.file.graph.declared():
            exists = conn.execute(
                "SELECT 1 FROM sqlite_temp_master WHERE type = 'view' AND name = ?", (occurrence,)
            ).fetchone()
            if exists is None and self.file.resolve_table(occurrence) == table:
                conn.execute(
                    f"CREATE TEMP VIEW {quote_ident(occurrence)} AS SELECT * FROM main.{quote_ident(table)}"
                )

    def _column_type(self, name: str) -> str | None:
        types = getattr(self, "_types", None)
        if types is None:
            types = self._types = _column_types(self.file)
        return types.get(name.casefold())

    def query(self, sql: str, arguments: list[Value]) -> list[tuple[Value, ...]]:
        conn = self.file.connection
        self._occurrence_views(conn)
        install_sql_functions(conn)
        sql = fm_sql_to_sqlite(sql, self._column_type)
        params = [V.to_sqlite(a) if not isinstance(a, bytes) else bytes(a) for a in arguments]

        def authorize(action: int, arg1: Any, arg2: Any, db: Any, source: Any) -> int:
            if action not in _ALLOWED:
                return sqlite3.SQLITE_DENY
            if action == sqlite3.SQLITE_READ and str(arg1).lower().startswith(("fmscript_", "sqlite_")):
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK

        conn.set_authorizer(authorize)
        with _bounded(conn) as budget:
            try:
                return budget.fetch(conn.execute(sql, params))
            except (sqlite3.Error, ValueError, OverflowError) as exc:
                message = str(exc)
                if "not authorized" in message:
                    message = "only SELECT statements can be used (ExecuteSQL is read-only)"
                elif budget.exhausted or message == "interrupted":
                    message = f"the query ran past {SQL_STEPS:,} SQLite steps (fmscript's work limit)"
                elif "too big" in message:
                    message = f"a value is larger than {SQL_VALUE_BYTES:,} bytes or the result than {SQL_BYTES:,} (fmscript's limits)"
                raise SQLQueryError(message) from None
            finally:
                conn.set_authorizer(None)


# ExecuteSQL's bounds: a recursive CTE without end or randomblob(1e9) must answer "?" rather than
# run for ever or fill memory. SQLite's progress handler stops the statement after SQL_STEPS virtual
# machine instructions (about a second); SQLITE_LIMIT_LENGTH caps any one string or blob at SQL_VALUE_BYTES, and the rows
# read back are capped at SQL_BYTES in all (their size in memory, roughly).
SQL_STEPS = 20_000_000
SQL_VALUE_BYTES = 10_000_000
SQL_BYTES = 50_000_000
_PROGRESS_EVERY = 10_000


class _Budget:
    def __init__(self) -> None:
        self.calls = 0
        self.exhausted = False

    def progress(self) -> int:
        self.calls += 1
        self.exhausted = self.calls * _PROGRESS_EVERY > SQL_STEPS
        return 1 if self.exhausted else 0

    def fetch(self, cursor: sqlite3.Cursor) -> list[tuple[Value, ...]]:
        rows: list[tuple[Value, ...]] = []
        size = 0
        while batch := cursor.fetchmany(256):
            for row in batch:
                # What the row costs in memory, roughly: the tuple and each value's object.
                size += 64 + sum(len(v) + 48 if isinstance(v, str | bytes) else 32 for v in row)
                rows.append(tuple(row))
            if size > SQL_BYTES:
                raise sqlite3.DataError("string or blob too big")
        return rows


@contextlib.contextmanager
def _bounded(conn: sqlite3.Connection) -> Iterator[_Budget]:
    budget = _Budget()
    length = conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQL_VALUE_BYTES)
    conn.set_progress_handler(budget.progress, _PROGRESS_EVERY)
    try:
        yield budget
    finally:
        conn.set_progress_handler(None, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, length)


def _column_types(file: Any) -> dict[str, str]:
    """Folded column name -> FileMaker field type, over every table (the first table wins)."""
    types: dict[str, str] = {}
    for table in file.tables():
        for f in file.fields(table):
            types.setdefault(f.name.casefold(), f.type.value)
    return types


def _column_comments(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """``-- comment`` (or ``/* comment */``) written after a column in the CREATE TABLE text."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    comments: dict[str, str] = {}
    for line in (row[0] if row and row[0] else "").splitlines():
        match = re.match(
            r'\s*(?:"((?:[^"]|"")+)"|\[([^\]]+)\]|`([^`]+)`|(\w+))\s.*?(?:--\s*(.*?)|/\*\s*(.*?)\s*\*/)\s*$',
            line,
        )
        if match:
            name = next(g for g in match.groups()[:4] if g).replace('""', '"')
            text = (match.group(5) or match.group(6) or "").strip()
            if text:
                comments[name.casefold()] = text
    return comments


def _sort_state(ctx: StepContext) -> Decimal:
    # Claris Get ( SortState ): 0 unsorted, 1 sorted, 2 semi-sorted (not reachable here).
    data = ctx.data
    return Decimal(1 if data.layout is not None and data.found_set().sort_order else 0)


def _layout_number(ctx: StepContext) -> Decimal:
    data = ctx.data
    if data.layout is None or data.file is None:
        return Decimal(0)
    names = [n.casefold() for n in data.file.layouts()]
    return Decimal(names.index(data.layout.casefold()) + 1) if data.layout.casefold() in names else Decimal(0)


def _file_size(ctx: StepContext) -> Decimal:
    path = ctx.data.file.path if ctx.data.file is not None else None
    return Decimal(path.stat().st_size) if path is not None and path.exists() else Decimal(0)


def _request_count(ctx: StepContext) -> Decimal:
    mode = ctx.data.find_mode
    return Decimal(len(mode.requests)) if mode is not None else Decimal(0)


# Get ( … ) values computed from the file and the window (StepContext.get_info looks here after INFO).
FILE_INFO: dict[str, Any] = {
    "SortState": _sort_state,
    "LayoutNumber": _layout_number,
    "LayoutCount": lambda c: Decimal(len(c.data.file.layouts())) if c.data.file is not None else Decimal(0),
    "RequestCount": _request_count,
    "FileSize": _file_size,
    "RecordOpenState": lambda c: Decimal(c.data.record_open_state()),
    "RecordOpenCount": lambda c: Decimal(c.data.record_open_count()),
}
