"""The "FileMaker file": a SQLite database seen through FileMaker's eyes.

- A table occurrence is a SQLite table (``sqlite_*`` and ``fmscript_*`` tables are bookkeeping).
- A field is a column; its FileMaker type comes from the declared column type (``schema.py``), and
  ``GLOBAL`` in that type gives it global storage: one value per file, kept in the side table
  ``fmscript_globals`` and readable/settable whatever the current record (or none).
- A record is a row, identified by its SQLite rowid; creation order is rowid order.
- A layout is named after its table unless ``fmscript_layouts(layout, table_occurrence)`` says
  otherwise (tables stay reachable under their own name too).

FileMaker names are case-insensitive, may contain spaces, punctuation or CJK characters: every
identifier sent to SQLite is quoted by ``quote_ident`` and every value is a bound parameter.

``set`` writes through at once (autocommit). Scripts change records through the open-record
buffer instead (``stage`` / ``new_record(open=True)`` / ``commit_records`` / ``revert_records``,
see ``open_records.py``): changes are held until the record is committed, and every read here
(``get``, ``record``, ``raw_rows``, ``record_ids``) sees them, as the window that made them does.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from fmscript.data import serials
from fmscript.data.convert import Value, from_storage, to_storage
from fmscript.data.open_records import RecordBuffer
from fmscript.data.relationships import GraphError, Related, read_graph
from fmscript.data.schema import Field, FieldType, field_type_for, fold, quote_ident
from fmscript.data.transactions import Transaction
from fmscript.errors import (
    CANNOT_CREATE_FILE,
    CANNOT_OPEN_FILE,
    FIELD_MISSING,
    FILE_READ_ONLY,
    NO_RECORD,
    RECORD_IN_USE,
    RELATIONSHIP_MISSING,
    TABLE_MISSING,
    VALUE_INVALID,
    VALUE_NOT_UNIQUE,
    ScriptRuntimeError,
)

_GLOBALS = "fmscript_globals"
_LAYOUTS = "fmscript_layouts"
_SQLITE_HEADER = b"SQLite format 3\x00"
_DB_SUFFIXES = (".sqlite", ".sqlite3", ".db")

# How long a write waits for another process's lock before error 301 (SQLite's busy timeout).
LOCK_WAIT_SECONDS = 2.0


# A .sql file builds an in-memory database and nothing else: ATTACH (and VACUUM INTO, which
# attaches) would create or change files anywhere, load_extension would run native code.
_REFUSED = "ATTACH, DETACH, VACUUM INTO and load_extension cannot be used in a .sql file"


def _load_authorizer(
    action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None
) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() == "load_extension":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


class SQLLoadError(ScriptRuntimeError, ValueError):
    """A ``.sql`` text SQLite cannot run (still a ValueError, as callers knew it)."""


class _Connection(sqlite3.Connection):
    """A connection whose "database is locked" (after LOCK_WAIT_SECONDS) is FileMaker's error 301,
    capturable like any step error, and whose other failures are clean step errors too."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as e:
            text = str(e).lower()
            if "locked" in text or "busy" in text:
                raise ScriptRuntimeError(
                    f"the database is locked by another process ({e})", code=RECORD_IN_USE
                ) from None
            raise
        except sqlite3.DatabaseError as e:
            # A damaged or foreign file; other database errors (constraints, an authorizer's
            # "not authorized") stay as they are for their callers.
            if any(m in str(e).lower() for m in ("not a database", "malformed", "disk i/o")):
                raise ScriptRuntimeError(f"the database cannot be read: {e}", code=CANNOT_OPEN_FILE) from None
            raise


def _connect(target: str) -> sqlite3.Connection:
    return sqlite3.connect(
        target, isolation_level=None, check_same_thread=False, timeout=LOCK_WAIT_SECONDS, factory=_Connection
    )


def _is_internal(name: str) -> bool:
    low = name.lower()
    return low.startswith("sqlite_") or low.startswith("fmscript_")


class FMFile:
    """A FileMaker file backed by one SQLite connection. Use :meth:`open` or :meth:`memory`."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self._conn = connection
        self._path = path  # the database file written through to; None when in memory
        self.buffer = RecordBuffer()  # open (uncommitted) records
        self.transaction: Transaction | None = None  # Open Transaction … Commit/Revert Transaction
        self.refresh()

    # ------------------------------------------------------------------ opening and saving

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False) -> FMFile:
        """Open ``.sqlite``/``.db`` on disk (write-through) or load ``.sql`` text into memory.

        Any other suffix is sniffed: an existing file without a SQLite header is SQL text.
        A missing database raises FileNotFoundError unless ``create`` is set.
        """
        p = Path(path)
        suffix = p.suffix.lower()
        sniffed_sql = suffix not in _DB_SUFFIXES and p.exists() and not _looks_like_sqlite(p)
        if suffix == ".sql" or sniffed_sql:
            from fmscript.syntax.source import read_text

            return cls.from_sql(read_text(p, "SQL"), source=str(p))
        if not p.exists() and not create:
            raise FileNotFoundError(f"{p}: no such database file")
        try:
            conn = _connect(str(p))
        except sqlite3.Error as e:
            raise ScriptRuntimeError(f"{p}: cannot open the database: {e}", code=CANNOT_OPEN_FILE) from None
        try:
            # Every record commit is a transaction. A file in WAL mode (PRAGMA journal_mode=WAL, the
            # owner's choice) commits without a disk sync at synchronous=NORMAL, still safe when the
            # process is killed (about 0.02 ms instead of 15 ms a commit); other modes keep their syncs.
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                conn.execute("PRAGMA synchronous=NORMAL")
            return cls(conn, p.resolve())
        except ScriptRuntimeError as e:
            conn.close()
            if e.code == RECORD_IN_USE:
                raise
            raise ScriptRuntimeError(
                f"{p}: not a SQLite database ({e.message})", code=CANNOT_OPEN_FILE
            ) from None

    @classmethod
    def memory(cls) -> FMFile:
        """An empty in-memory file."""
        return cls(_connect(":memory:"))

    @classmethod
    def from_sql(cls, text: str, *, source: str = "<sql>") -> FMFile:
        """A fresh in-memory file built by running SQL text (a ``.sql`` sample)."""
        conn = _connect(":memory:")
        conn.set_authorizer(_load_authorizer)
        try:
            conn.executescript(text)
        except sqlite3.Error as e:
            conn.close()
            why = _REFUSED if "authoriz" in str(e) else str(e)
            raise SQLLoadError(f"{source}: cannot load the SQL: {why}", code=CANNOT_OPEN_FILE) from None
        finally:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed above
                conn.set_authorizer(None)
        return cls(conn)

    @property
    def path(self) -> Path | None:
        """The database file changes are written to, or None for an in-memory file."""
        return self._path

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection (for tools and tests; scripts go through this class)."""
        return self._conn

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the whole database to ``path``: SQLite backup, or an SQL dump for ``.sql``."""
        p = Path(path)
        if self.transaction is not None:
            self.transaction.commit(self)  # saving (or closing) the file ends the transaction
        if self._path is not None and p.exists() and p.resolve() == self._path:
            return  # already written through
        try:
            if p.suffix.lower() == ".sql":
                p.write_text("\n".join(self._conn.iterdump()) + "\n", encoding="utf-8")
                return
            dest = sqlite3.connect(str(p), timeout=LOCK_WAIT_SECONDS)
            try:
                self._conn.backup(dest)
            finally:
                dest.close()
        except (OSError, sqlite3.Error) as e:
            reason = getattr(e, "strerror", None) or str(e)
            raise ScriptRuntimeError(
                f"cannot save the database to {p}: {reason}", code=CANNOT_CREATE_FILE
            ) from None

    def close(self) -> None:
        if self.transaction is not None:
            self.transaction.commit(self)  # FileMaker commits a transaction when its file closes
        self._conn.close()

    def __enter__(self) -> FMFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ schema

    def refresh(self) -> None:
        """Re-read tables, fields and layouts (after the schema was changed behind our back)."""
        self._tables: dict[str, str] = {}  # folded name -> canonical name
        self._without_rowid: set[str] = set()
        self._fields: dict[str, list[Field]] = {}
        self._field_index: dict[str, dict[str, Field]] = {}
        self._rowid_name: dict[str, str] = {}
        rows = self._conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
        ).fetchall()
        for name, sql in rows:
            if _is_internal(name) or (sql or "").upper().startswith("CREATE VIRTUAL"):
                continue
            self._tables.setdefault(fold(name), name)
            if re.search(r"\bWITHOUT\s+ROWID\b", sql or "", re.IGNORECASE):
                self._without_rowid.add(name)
        self._layouts = self._read_layouts()
        try:
            self.graph = read_graph(self._conn, self._tables)
        except GraphError as e:
            raise ScriptRuntimeError(str(e), code=RELATIONSHIP_MISSING) from None
        self.related = Related(self)

    def tables(self) -> list[str]:
        """Table names in creation order."""
        return list(self._tables.values())

    def resolve_table(self, name: str) -> str | None:
        """The canonical name of a table, or of the table a table occurrence shows
        (case-insensitive), or None."""
        return self._tables.get(fold(name)) or self.graph.base_table(name)

    def occurrences(self) -> list[str]:
        """Table occurrence names: every table, then the declared occurrences."""
        return self.graph.occurrence_names()

    def change_count(self) -> tuple[int, int]:
        """Changes so far (rows written, open-record changes): equal stamps, same records."""
        return self._conn.total_changes, self.buffer.version

    def fields(self, table: str) -> list[Field]:
        """The fields of a table in column order."""
        canonical = self._table(table)
        if canonical not in self._fields:
            fields = []
            for _cid, name, declared, *_rest in self._conn.execute(
                "SELECT * FROM pragma_table_info(?)", (canonical,)
            ):
                ftype, is_global = field_type_for(declared or "")
                fields.append(Field(name, ftype, is_global))
            self._fields[canonical] = fields
            self._field_index[canonical] = {}
            for f in fields:
                self._field_index[canonical].setdefault(fold(f.name), f)
        return list(self._fields[canonical])

    def resolve_field(self, table: str, name: str) -> str | None:
        """The canonical name of a field of ``table`` (case-insensitive), or None."""
        canonical = self.resolve_table(table)
        if canonical is None:
            return None
        self.fields(canonical)
        f = self._field_index[canonical].get(fold(name))
        return f.name if f else None

    def field(self, table: str, name: str) -> Field:
        """The :class:`Field` named ``name`` (case-insensitive); error 102 when missing."""
        canonical = self._table(table)
        self.fields(canonical)
        f = self._field_index[canonical].get(fold(name))
        if f is None:
            raise ScriptRuntimeError(f"Field “{canonical}::{name}” is missing", code=FIELD_MISSING)
        return f

    # ------------------------------------------------------------------ layouts

    def _read_layouts(self) -> dict[str, tuple[str, str]]:
        """folded layout name -> (layout name, table occurrence name as written)."""
        layouts: dict[str, tuple[str, str]] = {}
        has_table = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = ?",
            (_LAYOUTS,),
        ).fetchone()
        if has_table:
            for layout, occurrence in self._conn.execute(
                f"SELECT layout, table_occurrence FROM {quote_ident(_LAYOUTS)} ORDER BY rowid"
            ):
                if layout:
                    layouts.setdefault(fold(str(layout)), (str(layout), str(occurrence or "")))
        return layouts

    def layouts(self) -> list[str]:
        """Layout names: the ``fmscript_layouts`` rows, then one per table not already named."""
        names = [layout for layout, _occ in self._layouts.values()]
        names += [t for t in self._tables.values() if fold(t) not in self._layouts]
        return names

    def occurrence_for_layout(self, name: str) -> str:
        """The table occurrence a layout shows (its name as declared); KeyError when missing."""
        entry = self._layouts.get(fold(name))
        if entry is None:
            return self.table_for_layout(name)
        self.table_for_layout(name)  # the same KeyError when the occurrence is missing
        return self.graph.occurrence(entry[1]) or entry[1]

    def table_for_layout(self, name: str) -> str:
        """The table behind a layout (case-insensitive); KeyError when there is no such layout."""
        entry = self._layouts.get(fold(name))
        if entry is not None:
            table = self.resolve_table(entry[1])
            if table is None:
                raise KeyError(f"layout “{entry[0]}” uses table occurrence “{entry[1]}”, which is missing")
            return table
        table = self.resolve_table(name)
        if table is None:
            raise KeyError(f"layout “{name}” is missing")
        return table

    # ------------------------------------------------------------------ records

    def record_ids(self, table: str) -> list[int]:
        """All record ids of a table in creation order."""
        t, rowid = self._record_table(table)
        ids = [r[0] for r in self._conn.execute(f"SELECT {rowid} FROM {quote_ident(t)} ORDER BY {rowid}")]
        return ids + self.buffer.new_ids(t)

    def total_count(self, table: str) -> int:
        t, _rowid = self._record_table(table)
        stored = int(self._conn.execute(f"SELECT count(*) FROM {quote_ident(t)}").fetchone()[0])
        return stored + len(self.buffer.new_ids(t))

    def has_record(self, table: str, rid: int) -> bool:
        t, rowid = self._record_table(table)
        if rid < 0:
            return self.buffer.get(t, rid) is not None
        sql = f"SELECT 1 FROM {quote_ident(t)} WHERE {rowid} = ?"
        return self._conn.execute(sql, (rid,)).fetchone() is not None

    def get(self, table: str, rid: int | None, field: str) -> Value:
        """A field's value in a record; global fields ignore ``rid`` (it may be None)."""
        f = self.field(table, field)
        t = self._table(table)
        if f.is_global:
            return from_storage(self._global_raw(t, f.name), f.type)
        t, rowid = self._record_table(t)
        open_record = self.buffer.get(t, rid)
        if open_record is not None and (f.name in open_record.values or open_record.is_new):
            return from_storage(open_record.values.get(f.name), f.type)
        row = self._conn.execute(
            f"SELECT {quote_ident(f.name)} FROM {quote_ident(t)} WHERE {rowid} = ?", (rid,)
        ).fetchone()
        if row is None:
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)
        return from_storage(row[0], f.type)

    def set(self, table: str, rid: int | None, field: str, value: Value) -> None:
        """Store a value, converted for the field's type; written through at once."""
        f = self.field(table, field)
        t = self._table(table)
        stored = to_storage(value, f.type)
        if f.is_global:
            self._ensure_globals()
            self._write(
                f"INSERT OR REPLACE INTO {_GLOBALS} (table_name, field_name, value) VALUES (?, ?, ?)",
                (t, f.name, stored),
            )
            return
        t, rowid = self._record_table(t)
        cur = self._write(
            f"UPDATE {quote_ident(t)} SET {quote_ident(f.name)} = ? WHERE {rowid} = ?", (stored, rid)
        )
        if cur.rowcount == 0:
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)

    def record(self, table: str, rid: int) -> dict[str, Value]:
        """All field values of a record (global fields included), by canonical field name."""
        t, rowid = self._record_table(table)
        fields = self.fields(t)
        cols = ", ".join(quote_ident(f.name) for f in fields)
        open_record = self.buffer.get(t, rid)
        if open_record is not None and open_record.is_new:
            row = tuple(open_record.values.get(f.name) for f in fields)
        else:
            row = self._conn.execute(
                f"SELECT {cols} FROM {quote_ident(t)} WHERE {rowid} = ?", (rid,)
            ).fetchone()
        if row is None:
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)
        if open_record is not None:
            row = tuple(open_record.values.get(f.name, raw) for f, raw in zip(fields, row))
        return {
            f.name: from_storage(self._global_raw(t, f.name) if f.is_global else raw, f.type)
            for f, raw in zip(fields, row)
        }

    def raw_rows(
        self, table: str, fields: list[str], ids: Iterable[int] | None = None
    ) -> list[tuple[int, tuple]]:
        """``(rid, stored values)`` for the named fields, in creation order (for finds and sorts).

        Values are as stored in SQLite (see ``convert.py``); global fields give the global value.
        """
        t, rowid = self._record_table(table)
        fs = [self.field(t, name) for name in fields]
        cols = "".join(", " + quote_ident(f.name) for f in fs)
        rows = self._conn.execute(f"SELECT {rowid}{cols} FROM {quote_ident(t)} ORDER BY {rowid}").fetchall()
        if self.buffer:
            rows = self._overlay(t, fs, rows)
        if ids is not None:
            wanted = set(ids)
            rows = [r for r in rows if r[0] in wanted]
        globals_ = {i: self._global_raw(t, f.name) for i, f in enumerate(fs) if f.is_global}
        if not globals_:
            return [(r[0], tuple(r[1:])) for r in rows]
        return [(r[0], tuple(globals_.get(i, v) for i, v in enumerate(r[1:]))) for r in rows]

    def new_record(self, table: str, *, open: bool = False) -> int:
        """Create an empty record (column defaults apply, like auto-enter) and return its id.

        ``open``: the record is only in the open-record buffer (a provisional negative id) until
        ``commit_records`` writes it."""
        t, _rowid = self._record_table(table)
        if open:
            return self.buffer.open_new(t, self._defaults(t))
        cur = self._write(f"INSERT INTO {quote_ident(t)} DEFAULT VALUES")
        return int(cur.lastrowid or 0)

    # ------------------------------------------------------------------ open records

    def stage(self, table: str, rid: int | None, field: str, value: Value) -> None:
        """Set a field in the open-record buffer (global fields are written at once)."""
        f = self.field(table, field)
        t = self._table(table)
        if f.is_global or rid is None:
            self.set(t, rid, f.name, value)
            return
        if not self.has_record(t, rid):
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)
        if self.buffer.get(t, rid) is None:
            self._lock_check()
        self.buffer.stage(t, rid, f.name, to_storage(value, f.type))

    def open_record(self, table: str, rid: int) -> None:
        """Open Record/Request: the record is open (locked) with no change yet."""
        t, _rowid = self._record_table(table)
        if not self.has_record(t, rid):
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)
        if self.buffer.get(t, rid) is None:
            self._lock_check()
        self.buffer.open(t, rid)

    def _lock_check(self) -> None:
        """FileMaker locks a record when a change opens it: while another process holds the
        database's write lock that is error 301 at once (after LOCK_WAIT_SECONDS), not at commit."""
        if self._path is None or self._conn.in_transaction:
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute("ROLLBACK")

    def commit_records(self) -> dict[int, int]:
        """Write every open record (one transaction); returns {provisional id: real id}.
        A validation failure (504, 509) writes nothing and leaves the records open."""
        try:
            return self.buffer.commit(self._conn, quote_ident, lambda t: self._record_table(t)[1])
        except sqlite3.IntegrityError as e:
            code = VALUE_NOT_UNIQUE if "UNIQUE" in str(e).upper() else VALUE_INVALID
            raise ScriptRuntimeError(f"Field validation failed: {e}", code=code) from e
        except sqlite3.OperationalError as e:
            if "readonly" in str(e).replace("-", "").lower():
                raise ScriptRuntimeError(f"The file is read-only: {e}", code=FILE_READ_ONLY) from e
            raise

    def revert_records(self) -> list[tuple[str, int]]:
        """Throw every open change away; returns the new records that disappear with them."""
        return self.buffer.revert()

    def record_id(self, table: str, rid: int) -> int:
        """Get ( RecordID ): a new record has its id before it is committed — the id its INSERT
        will get (the next rowid, counting the table's other new records)."""
        if rid >= 0:
            return rid
        t, rowid = self._record_table(table)
        top = self._conn.execute(f"SELECT max({rowid}) FROM {quote_ident(t)}").fetchone()[0] or 0
        try:
            seq = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (t,)).fetchone()
        except sqlite3.OperationalError:  # no AUTOINCREMENT table in this file
            seq = None
        base = max(int(top), int(seq[0]) if seq else 0)
        return base + self.buffer.new_ids(t).index(rid) + 1

    def open_state(self, table: str, rid: int | None) -> int:
        """Get ( RecordOpenState ) of a record: 0 closed, 1 new, 2 modified (not committed)."""
        return self.buffer.state(table, rid)

    def iter_records(
        self, table: str, fields: Sequence[str], ids: Sequence[int] | None = None
    ) -> Iterator[tuple[Value, ...]]:
        """The named fields' values (as :meth:`get` gives them, open records' changes included) of
        each record of ``ids``, in that order (every record in creation order when None), streamed
        from SQLite in constant memory.

        Records of ``ids`` that no longer exist are skipped. An ascending ``ids`` (an unsorted found
        set) is one scan in rowid order; any other order, or any open record, reads chunks of ids.
        """
        t, rowid = self._record_table(table)
        fs = [self.field(t, name) for name in fields]
        convert = [_converter(f.type, self._global_raw(t, f.name) if f.is_global else _NO_GLOBAL) for f in fs]
        cols = "".join(", " + quote_ident(f.name) for f in fs)
        select = f"SELECT {rowid}{cols} FROM {quote_ident(t)}"
        if self.buffer:
            ids = self.record_ids(t) if ids is None else ids
        elif ids is None or all(a < b for a, b in pairwise(ids)):
            rows = self._conn.execute(select + f" ORDER BY {rowid}")
            if ids is None:
                for row in rows:
                    yield tuple([c(v) for c, v in zip(convert, row[1:])])
                return
            n, j = len(ids), 0
            for row in rows:  # a merge of two ascending sequences
                while j < n and ids[j] < row[0]:
                    j += 1
                if j == n:
                    return
                if ids[j] == row[0]:
                    yield tuple([c(v) for c, v in zip(convert, row[1:])])
            return
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            found = {
                row[0]: row[1:] for row in self._conn.execute(f"{select} WHERE {rowid} IN ({marks})", chunk)
            }
            for rid in chunk:
                raw = found.get(rid)
                open_record = self.buffer.get(t, rid) if self.buffer else None
                if open_record is not None:  # changes not committed yet, or a new record
                    base = raw if raw is not None else (None,) * len(fs)
                    raw = tuple(open_record.values.get(f.name, v) for f, v in zip(fs, base))
                if raw is not None:
                    yield tuple([c(v) for c, v in zip(convert, raw)])

    def _defaults(self, table: str) -> dict[str, Any]:
        """Column defaults, evaluated now (what an INSERT would store), by field name."""
        values: dict[str, Any] = {}
        for _cid, name, declared, _notnull, default, _pk in self._conn.execute(
            "SELECT * FROM pragma_table_info(?)", (table,)
        ).fetchall():
            if default is not None:
                values[name] = self._conn.execute(f"SELECT {default}").fetchone()[0]
            if serials.is_serial(declared):  # auto-enter serial number (data/serials.py)
                values[name] = serials.take(self._conn, table, name)
        return values

    def _overlay(self, table: str, fields: list[Field], rows: list[Any]) -> list[Any]:
        """Rows with open changes applied and the table's new (provisional) records appended."""
        out = []
        for row in rows:
            record = self.buffer.get(table, row[0])
            if record is None:
                out.append(row)
            else:
                out.append((row[0], *(record.values.get(f.name, v) for f, v in zip(fields, row[1:]))))
        for rid in self.buffer.new_ids(table):
            record = self.buffer.get(table, rid)
            out.append((rid, *(record.values.get(f.name) if record else None for f in fields)))
        return out

    def duplicate_record(self, table: str, rid: int) -> int:
        """Copy a record (all fields but an INTEGER PRIMARY KEY) and return the new id."""
        t, rowid = self._record_table(table)
        cols = ", ".join(quote_ident(name) for name in self._copyable_columns(t))
        if not cols:
            if not self.has_record(t, rid):
                raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)
            return self.new_record(t)
        sql = f"INSERT INTO {quote_ident(t)} ({cols}) SELECT {cols} FROM {quote_ident(t)} WHERE {rowid} = ?"
        cur = self._write(sql, (rid,))
        if cur.rowcount == 0:
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)
        return int(cur.lastrowid or 0)

    def delete_record(self, table: str, rid: int) -> None:
        t, rowid = self._record_table(table)
        if self.buffer.drop(t, [rid]) or rid < 0:
            return  # a new record that was never committed just disappears
        cur = self._write(f"DELETE FROM {quote_ident(t)} WHERE {rowid} = ?", (rid,))
        if cur.rowcount == 0:
            raise ScriptRuntimeError(f"Record {rid} of “{t}” is missing", code=NO_RECORD)

    def delete_records(self, table: str, rids: Iterable[int]) -> int:
        """Delete several records in one transaction; returns how many were deleted."""
        t, rowid = self._record_table(table)
        rids = list(rids)
        deleted = len(self.buffer.drop(t, rids))
        rids = [rid for rid in rids if rid >= 0]
        sql = f"DELETE FROM {quote_ident(t)} WHERE {rowid} = ?"
        self._conn.execute("SAVEPOINT fm_delete")  # joins an open transaction (Open Transaction)
        try:
            for rid in rids:
                deleted += self._conn.execute(sql, (rid,)).rowcount
        except BaseException:
            self._conn.execute("ROLLBACK TO fm_delete")
            self._conn.execute("RELEASE fm_delete")
            raise
        self._conn.execute("RELEASE fm_delete")
        return deleted

    # ------------------------------------------------------------------ internals

    def _table(self, name: str) -> str:
        canonical = self.resolve_table(name)
        if canonical is None:
            raise ScriptRuntimeError(f"Table “{name}” is missing", code=TABLE_MISSING)
        return canonical

    def _record_table(self, name: str) -> tuple[str, str]:
        """Canonical table name and the (unshadowed) name to select its rowid by."""
        t = self._table(name)
        if t in self._without_rowid:
            raise ScriptRuntimeError(
                f"Table “{t}” is a WITHOUT ROWID table; fmscript identifies records by rowid "
                "and cannot use it (recreate it without WITHOUT ROWID)",
                code=TABLE_MISSING,
            )
        if t not in self._rowid_name:
            columns = {fold(f.name) for f in self.fields(t)}
            # A column may itself be called rowid; SQLite then offers _rowid_ and oid.
            free = [n for n in ("rowid", "_rowid_", "oid") if n not in columns]
            if not free:
                raise ScriptRuntimeError(f"Table “{t}” hides its rowid behind columns", code=TABLE_MISSING)
            self._rowid_name[t] = free[0]
        return t, self._rowid_name[t]

    def _copyable_columns(self, table: str) -> list[str]:
        info = self._conn.execute("SELECT name, type, pk FROM pragma_table_info(?)", (table,)).fetchall()
        pks = [row for row in info if row[2]]
        # An INTEGER PRIMARY KEY is the rowid itself: copying it would collide.
        alias = pks[0][0] if len(pks) == 1 and (pks[0][1] or "").upper() == "INTEGER" else None
        return [row[0] for row in info if row[0] != alias]

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.IntegrityError as e:
            message = str(e)
            code = VALUE_NOT_UNIQUE if "UNIQUE" in message.upper() else VALUE_INVALID
            raise ScriptRuntimeError(f"Field validation failed: {message}", code=code) from e
        except sqlite3.OperationalError as e:
            if "readonly" in str(e).replace("-", "").lower():
                raise ScriptRuntimeError(f"The file is read-only: {e}", code=FILE_READ_ONLY) from e
            raise

    def _ensure_globals(self) -> None:
        self._write(
            f"CREATE TABLE IF NOT EXISTS {_GLOBALS} "
            "(table_name TEXT NOT NULL, field_name TEXT NOT NULL, value, PRIMARY KEY (table_name, field_name))"
        )

    def _global_raw(self, table: str, field: str) -> Any:
        """The stored value of a global field, seeded from the table's first row on first use.

        Seeding lets a sample ``.sql`` file give globals their initial values with a plain INSERT.
        A read-only file cannot keep the side table: its globals read as their initial values.
        """
        try:
            self._ensure_globals()
        except ScriptRuntimeError:
            return self._first_row_value(table, field)
        row = self._conn.execute(
            f"SELECT value FROM {_GLOBALS} WHERE table_name = ? AND field_name = ?", (table, field)
        ).fetchone()
        if row is not None:
            return row[0]
        value = self._first_row_value(table, field)
        self._write(
            f"INSERT OR IGNORE INTO {_GLOBALS} (table_name, field_name, value) VALUES (?, ?, ?)",
            (table, field, value),
        )
        return value

    def _first_row_value(self, table: str, field: str) -> Any:
        order = "" if table in self._without_rowid else f" ORDER BY {self._record_table(table)[1]}"
        sql = f"SELECT {quote_ident(field)} FROM {quote_ident(table)}{order} LIMIT 1"
        first = self._conn.execute(sql).fetchone()
        return first[0] if first else None


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_HEADER
    except OSError:
        return False


_CHUNK = 500  # ids per query when reading records in a found set's own (sorted) order
_NO_GLOBAL = object()


def _converter(ftype: Any, global_raw: Any) -> Callable[[Any], Value]:
    """``from_storage`` for one field, with the common cases (text as text, empty) inlined."""
    if global_raw is not _NO_GLOBAL:
        value = from_storage(global_raw, ftype)
        return lambda _raw: value
    if ftype is FieldType.TEXT:
        return lambda raw: raw if raw.__class__ is str else from_storage(raw, ftype)
    return lambda raw: from_storage(raw, ftype)


__all__ = ["FMFile"]
