"""Lookups: FileMaker's "Looked-up value" auto-enter option, declared in the file.

A lookup copies a value from a related record into a field of the current record when the
relationship's match field changes (Claris "Defining lookups", "About lookups"). The file declares
its lookups beside ``fmscript_relationships`` in one optional table, one row per lookup field::

    CREATE TABLE fmscript_lookups (
        starting_to TEXT,      -- "Starting with table": the TO the lookup starts from
        field TEXT,            -- the lookup target field (a field of that TO's table)
        related_to TEXT,       -- "Lookup from related table": a TO related to starting_to
        source_field TEXT,     -- "Copy": the lookup source field of related_to
        if_no_match TEXT DEFAULT 'do not copy',  -- or 'copy next lower value',
                               -- 'copy next higher value', 'use' (then use_value)
        use_value TEXT,        -- the value copied with 'use'
        dont_copy_if_empty INTEGER DEFAULT 1);   -- "Don't copy contents if empty"

What a lookup copies: the source field of the first related record (in the relationship's sort
order, else creation order — Claris: "the first related record (the record the lookup will
copy)"). With no related record, *if no exact match* decides: do not copy (the target keeps its
value), copy the next lower or next higher match value's record (as ``LookupNext``: one ``=``
match pair), or use a fixed value. *Don't copy contents if empty* leaves the target unchanged
when the source value is empty. The match fields of a lookup are the starting TO's fields of the
relationship's first hop; a lookup whose target field is itself a match field of another lookup
triggers that one too (once per lookup).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.data.relationships import Graph, GraphError, Hop
from fmscript.data.schema import fold, quote_ident
from fmscript.errors import RELATIONSHIP_MISSING, ScriptRuntimeError

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile

LOOKUPS = "fmscript_lookups"

# "If no exact match, then": the words a file may write for each choice.
_NO_MATCH = {
    "": "none", "do not copy": "none", "don't copy": "none", "none": "none", "no": "none",
    "copy next lower value": "lower", "next lower": "lower", "lower": "lower",
    "copy next higher value": "higher", "next higher": "higher", "higher": "higher",
    "use": "use", "use value": "use",
}  # fmt: skip


@attrs.frozen
class Lookup:
    starting_to: str
    field: str  # the target field, in the starting TO's base table
    related_to: str
    source_field: str
    no_match: str = "none"  # none | lower | higher | use
    use_value: str = ""
    dont_copy_if_empty: bool = True


@attrs.frozen
class Resolved:
    """A lookup with its path and tables resolved against the file."""

    lookup: Lookup
    table: str  # the base table of starting_to (where the target field is)
    field: str  # the target field as the file spells it
    hops: tuple[Hop, ...]
    match_fields: frozenset[str]  # folded names of the starting table's match fields
    source_table: str
    source_field: str


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_lookups(conn: sqlite3.Connection) -> list[Lookup]:
    """The lookups a file declares (none when it has no ``fmscript_lookups`` table)."""
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = ?", (LOOKUPS,)
    ).fetchone()
    if row is None:
        return []
    columns = [str(r[1]).lower() for r in conn.execute("SELECT * FROM pragma_table_info(?)", (row[0],))]
    required = ["starting_to", "field", "related_to", "source_field"]
    missing = [c for c in required if c not in columns]
    if missing:
        raise GraphError(f"{LOOKUPS} needs the columns {', '.join(missing)}")
    wanted = required + [c for c in ("if_no_match", "use_value", "dont_copy_if_empty") if c in columns]
    select = ", ".join(quote_ident(c) for c in wanted)
    out = []
    for values in conn.execute(f"SELECT {select} FROM {quote_ident(row[0])} ORDER BY rowid"):
        r = dict(zip(wanted, values))
        choice = _text(r.get("if_no_match")).lower().replace("’", "'")
        no_match = _NO_MATCH.get(choice)
        if no_match is None:
            raise GraphError(
                f"{LOOKUPS}: unknown if_no_match {choice!r} (use 'do not copy', "
                "'copy next lower value', 'copy next higher value' or 'use')"
            )
        flag = r.get("dont_copy_if_empty", 1)
        out.append(
            Lookup(
                _text(r["starting_to"]),
                _text(r["field"]),
                _text(r["related_to"]),
                _text(r["source_field"]),
                no_match,
                "" if r.get("use_value") is None else str(r.get("use_value")),
                _text(flag).lower() not in ("0", "no", "off", "false"),
            )
        )
    return out


def _resolve(file: FMFile, graph: Graph, lookup: Lookup) -> Resolved | None:
    """None when the lookup names a TO, field or path the file does not have (FileMaker shows
    such a lookup as <missing> and copies nothing)."""
    table = graph.base_table(lookup.starting_to)
    source_table = graph.base_table(lookup.related_to)
    hops = graph.path(lookup.starting_to, lookup.related_to)
    if table is None or source_table is None or not hops:
        return None
    field = file.resolve_field(table, lookup.field)
    source_field = file.resolve_field(source_table, lookup.source_field)
    if field is None or source_field is None:
        return None
    match = frozenset(fold(source) for source, _op, _target in hops[0].pairs())
    return Resolved(lookup, table, field, tuple(hops), match, source_table, source_field)


# One resolved list per file, made again when the file re-reads its schema (a new graph).
_CACHE: weakref.WeakKeyDictionary[FMFile, tuple[Graph, list[Resolved]]] = weakref.WeakKeyDictionary()


def lookups(file: FMFile) -> list[Resolved]:
    graph = file.graph
    cached = _CACHE.get(file)
    if cached is not None and cached[0] is graph:
        return cached[1]
    try:
        declared = read_lookups(file.connection)
    except GraphError as e:
        raise ScriptRuntimeError(str(e), code=RELATIONSHIP_MISSING) from None
    resolved = [r for r in (_resolve(file, graph, lk) for lk in declared) if r is not None]
    _CACHE[file] = (graph, resolved)
    return resolved


def using_match_field(file: FMFile, table: str, field: str) -> list[Resolved]:
    """The lookups of ``table`` whose relationship has ``field`` as a match field."""
    key = fold(field)
    return [r for r in lookups(file) if r.table == table and key in r.match_fields]


def looked_up(file: FMFile, r: Resolved, rid: int) -> tuple[bool, Any]:
    """(copy?, value): what lookup ``r`` copies into record ``rid`` of its table."""
    _table, ids = file.related.along(r.hops, r.table, [rid])
    lookup = r.lookup
    if ids:
        value = file.get(r.source_table, ids[0], r.source_field)
    elif lookup.no_match in ("lower", "higher") and len(r.hops) == 1:
        found = file.related.nearest(r.hops[0], r.table, rid, r.source_table, lookup.no_match == "higher")
        if found is None:
            return False, None
        value = file.get(r.source_table, found, r.source_field)
    elif lookup.no_match == "use":
        return True, lookup.use_value
    else:
        return False, None
    if value == "" and lookup.dont_copy_if_empty:
        return False, None
    return True, value


def run_lookups(file: FMFile, table: str, rid: int, changed: Sequence[str]) -> list[str]:
    """Run the lookups triggered by a change of the fields ``changed`` of record ``rid``, staging
    the copied values in the open record; returns the target fields written. A written target
    that is a match field of another lookup triggers that lookup too (each lookup once)."""
    done: set[int] = set()
    written: list[str] = []
    queue = list(changed)
    while queue:
        field = queue.pop(0)
        for r in using_match_field(file, table, field):
            if id(r) in done:
                continue
            done.add(id(r))
            copy, value = looked_up(file, r, rid)
            if copy:
                file.stage(table, rid, r.field, value)
                written.append(r.field)
                queue.append(r.field)
    return written


__all__ = [
    "LOOKUPS",
    "Lookup",
    "Resolved",
    "lookups",
    "looked_up",
    "read_lookups",
    "run_lookups",
    "using_match_field",
]
