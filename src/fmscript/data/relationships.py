"""Table occurrences and relationships: FileMaker's relationships graph, declared in the file.

Two bookkeeping tables beside ``fmscript_layouts`` declare the graph (both optional):

- ``fmscript_table_occurrences(name, base_table)``: a table occurrence (TO) named ``name`` shows
  the records of ``base_table``. Every table is also an occurrence of its own name.
- ``fmscript_relationships(left_to, left_field, right_to, right_field)``: one row per match pair;
  several rows with the same two TOs are one multi-predicate relationship (all pairs must match).
  Optional columns, with their defaults: ``operator`` ('=': also ≠ <> < ≤ <= > ≥ >= and × for
  all records), ``sort_field`` (a field of the right TO; related records are otherwise in creation
  order), ``sort_order`` ('ascending' | 'descending'), ``allow_creation`` (0: Set Field through
  the relationship creates a right-hand record when there is none), ``delete_related`` (0:
  deleting a left-hand record deletes its right-hand related records), and the same four for the
  other direction: ``left_sort_field``, ``left_sort_order``, ``left_allow_creation``,
  ``left_delete_related``.

How related records are found (Claris "Working with related tables", "Relationship operators"):
the match fields' values of the source record(s) are compared with the target records' values,
converted to the target field's type; text compares ignoring case (the default index language);
a text key holding several lines (a return-separated list) matches each line ("multikey");
an empty key matches nothing (except with ×). A path through several TOs follows each
relationship in turn. The graph has no cycles in FileMaker; where a file declares one, the
shortest path wins.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.data.convert import from_storage, to_storage
from fmscript.data.find import value_key
from fmscript.data.schema import FieldType, fold, quote_ident

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile

OCCURRENCES = "fmscript_table_occurrences"
RELATIONSHIPS = "fmscript_relationships"

# Operators as FileMaker prints them, with their ASCII spellings.
_OPERATORS = {
    "=": "=", "==": "=", "≠": "≠", "<>": "≠", "!=": "≠", "<": "<", ">": ">", "≤": "≤", "<=": "≤",
    "≥": "≥", ">=": "≥", "×": "×", "x": "×", "*": "×",
}  # fmt: skip
FLIPPED = {"=": "=", "≠": "≠", "<": ">", ">": "<", "≤": "≥", "≥": "≤", "×": "×"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "≠": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "≤": lambda a, b: a <= b,
    "≥": lambda a, b: a >= b,
}


class GraphError(ValueError):
    """A relationships table that cannot be read (an unknown operator, a missing column)."""


@attrs.frozen
class Predicate:
    left_field: str
    operator: str  # one of = ≠ < ≤ > ≥ ×
    right_field: str


@attrs.frozen
class Side:
    """What one end of a relationship does when reached through it."""

    sort_field: str | None = None
    descending: bool = False
    allow_creation: bool = False
    delete_related: bool = False  # deleting a record on the other side deletes these records


@attrs.frozen
class Relationship:
    left: str  # table occurrence names, as declared
    right: str
    predicates: tuple[Predicate, ...]
    right_side: Side = Side()  # the right TO's records as seen from the left
    left_side: Side = Side()


@attrs.frozen
class Hop:
    """One relationship followed in one direction."""

    relationship: Relationship
    forward: bool  # left -> right

    @property
    def source(self) -> str:
        return self.relationship.left if self.forward else self.relationship.right

    @property
    def target(self) -> str:
        return self.relationship.right if self.forward else self.relationship.left

    @property
    def side(self) -> Side:
        return self.relationship.right_side if self.forward else self.relationship.left_side

    def pairs(self) -> list[tuple[str, str, str]]:
        """(source field, operator as read from the source, target field) for each predicate."""
        if self.forward:
            return [(p.left_field, p.operator, p.right_field) for p in self.relationship.predicates]
        return [(p.right_field, FLIPPED[p.operator], p.left_field) for p in self.relationship.predicates]


class Graph:
    """The file's table occurrences (name -> base table) and relationships."""

    def __init__(self, occurrences: dict[str, tuple[str, str]], relationships: list[Relationship]) -> None:
        self._occurrences = occurrences  # folded TO name -> (TO name, base table)
        self.relationships = relationships
        self._edges: dict[str, list[Hop]] = {}
        for r in relationships:
            self._edges.setdefault(fold(r.left), []).append(Hop(r, True))
            self._edges.setdefault(fold(r.right), []).append(Hop(r, False))

    def occurrence(self, name: str) -> str | None:
        """The TO's name as declared (case-insensitive lookup), or None."""
        entry = self._occurrences.get(fold(name))
        return entry[0] if entry else None

    def base_table(self, name: str) -> str | None:
        entry = self._occurrences.get(fold(name))
        return entry[1] if entry else None

    def occurrence_names(self) -> list[str]:
        return [name for name, _base in self._occurrences.values()]

    def declared(self) -> list[tuple[str, str]]:
        """(TO, base table) for the occurrences whose name is not their table's."""
        return [(n, b) for n, b in self._occurrences.values() if fold(n) != fold(b)]

    def path(self, start: str, goal: str) -> list[Hop] | None:
        """The relationships from TO ``start`` to TO ``goal`` (``[]`` when they are the same TO),
        or None when they are not related."""
        a, b = fold(start), fold(goal)
        if a == b:
            return []
        previous: dict[str, tuple[str, Hop]] = {}
        queue = deque([a])
        while queue:
            here = queue.popleft()
            for hop in self._edges.get(here, ()):
                there = fold(hop.target)
                if there == a or there in previous:
                    continue
                previous[there] = (here, hop)
                if there == b:
                    hops = []
                    while there != a:
                        there, step = previous[there]
                        hops.append(step)
                    return hops[::-1]
                queue.append(there)
        return None


# ---------------------------------------------------------------------- reading the declaration


def _has_table(conn: sqlite3.Connection, name: str) -> list[str]:
    """The columns of a bookkeeping table (lower case), or [] when the file has none."""
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = ?", (name,)
    ).fetchone()
    if row is None:
        return []
    return [str(r[1]).lower() for r in conn.execute("SELECT * FROM pragma_table_info(?)", (row[0],))]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _flag(value: Any) -> bool:
    return _text(value).lower() not in ("", "0", "no", "off", "false")


def _side(row: dict[str, Any], prefix: str) -> Side:
    return Side(
        sort_field=_text(row.get(prefix + "sort_field")) or None,
        descending=_text(row.get(prefix + "sort_order")).lower().startswith("desc"),
        allow_creation=_flag(row.get(prefix + "allow_creation")),
        delete_related=_flag(row.get(prefix + "delete_related")),
    )


def read_graph(conn: sqlite3.Connection, tables: dict[str, str]) -> Graph:
    """The graph a file declares; ``tables``: folded table name -> table name."""
    occurrences = {key: (name, name) for key, name in tables.items()}
    if "base_table" in _has_table(conn, OCCURRENCES):
        for name, base in conn.execute(
            f"SELECT name, base_table FROM {quote_ident(OCCURRENCES)} ORDER BY rowid"
        ):
            table = tables.get(fold(_text(base)))
            if _text(name) and table is not None:
                occurrences.setdefault(fold(_text(name)), (_text(name), table))
    columns = _has_table(conn, RELATIONSHIPS)
    if not columns:
        return Graph(occurrences, [])
    required = ["left_to", "left_field", "right_to", "right_field"]
    missing = [c for c in required if c not in columns]
    if missing:
        raise GraphError(f"{RELATIONSHIPS} needs the columns {', '.join(missing)}")
    optional = ["operator", "sort_field", "sort_order", "allow_creation", "delete_related"]
    optional += ["left_" + c for c in optional[1:]]
    wanted = required + [c for c in optional if c in columns]
    select = ", ".join(quote_ident(c) for c in wanted)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for values in conn.execute(f"SELECT {select} FROM {quote_ident(RELATIONSHIPS)} ORDER BY rowid"):
        row = dict(zip(wanted, values))
        left, right = _text(row["left_to"]), _text(row["right_to"])
        if fold(left) not in occurrences or fold(right) not in occurrences:
            continue  # FileMaker shows such a relationship as <table missing>: nothing is related
        key = (fold(left), fold(right))
        if (key[1], key[0]) in groups:  # the same two TOs written the other way round
            row = _reversed(row)
            key = (key[1], key[0])
        groups.setdefault(key, []).append(row)
    relationships = [_relationship(rows, occurrences) for rows in groups.values()]
    return Graph(occurrences, relationships)


def _reversed(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["left_to"], out["right_to"] = row["right_to"], row["left_to"]
    out["left_field"], out["right_field"] = row["right_field"], row["left_field"]
    out["operator"] = FLIPPED.get(_operator(row.get("operator")), "=")
    for name in ("sort_field", "sort_order", "allow_creation", "delete_related"):
        out[name], out["left_" + name] = row.get("left_" + name), row.get(name)
    return out


def _operator(value: Any) -> str:
    text = _text(value) or "="
    op = _OPERATORS.get(text.lower())
    if op is None:
        raise GraphError(f"{RELATIONSHIPS}: unknown operator {text!r} (use = ≠ < ≤ > ≥ or ×)")
    return op


def _relationship(rows: list[dict[str, Any]], occurrences: dict[str, tuple[str, str]]) -> Relationship:
    first = rows[0]
    predicates = tuple(
        Predicate(_text(r["left_field"]), _operator(r.get("operator")), _text(r["right_field"])) for r in rows
    )

    def side(prefix: str) -> Side:
        # The options may be written on any one of the relationship's rows.
        sides = [_side(r, prefix) for r in rows]
        return next((s for s in sides if s != Side()), Side())

    return Relationship(
        occurrences[fold(_text(first["left_to"]))][0],
        occurrences[fold(_text(first["right_to"]))][0],
        predicates,
        side(""),
        side("left_"),
    )


# ---------------------------------------------------------------------- related records


def _keys(value: Any, target: FieldType) -> set[Any]:
    """The match keys a value stands for in a field of type ``target``: one per line of a text
    value (a multikey), none for an empty value."""
    if value == "" or value is None:
        return set()
    pieces: Iterable[Any] = value.replace("\n", "\r").split("\r") if isinstance(value, str) else (value,)
    keys = set()
    for piece in pieces:
        if isinstance(piece, str) and not piece.strip():
            continue
        key = value_key(to_storage(piece, target), target)
        if key is not None:
            keys.add(key)
    return keys


@attrs.define
class _Target:
    """A target table's match keys: ``rows[i] = (rid, [keys per field])`` in creation order, and
    for each field an index key -> row positions (for ``=``)."""

    stamp: Any
    rows: list[tuple[int, list[set[Any]]]]
    index: list[dict[Any, list[int]]]


class Related:
    """Related-record lookups over one file, with each target table's keys cached until the
    file changes (``FMFile.change_count``)."""

    def __init__(self, file: FMFile) -> None:
        self.file = file
        self._cache: dict[tuple[str, tuple[str, ...]], _Target] = {}

    def _target(self, table: str, fields: Sequence[str], types: Sequence[FieldType]) -> _Target:
        key = (table, tuple(fields))
        stamp = self.file.change_count()
        cached = self._cache.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached
        rows = [
            (rid, [_keys(from_storage(raw, t), t) for raw, t in zip(values, types)])
            for rid, values in self.file.raw_rows(table, list(fields))
        ]
        index: list[dict[Any, list[int]]] = [{} for _ in fields]
        for position, (_rid, keys) in enumerate(rows):
            for i, field_keys in enumerate(keys):
                for k in field_keys:
                    index[i].setdefault(k, []).append(position)
        target = _Target(stamp, rows, index)
        self._cache[key] = target
        return target

    def _source_values(self, table: str, fields: list[str], ids: Sequence[int]) -> list[list[Any]]:
        """The source records' match field values (few records: one indexed read each)."""
        file = self.file
        if len(ids) <= 8:
            return [[file.get(table, rid, f) for f in fields] for rid in ids]
        types = [file.field(table, f).type for f in fields]
        return [
            [from_storage(raw, t) for raw, t in zip(values, types)]
            for _rid, values in file.raw_rows(table, fields, ids)
        ]

    def follow(self, hop: Hop, source_table: str, source_ids: Sequence[int], target_table: str) -> list[int]:
        """The records of ``target_table`` related to any of ``source_ids`` through ``hop``, in
        the relationship's sort order (else creation order)."""
        file = self.file
        pairs = hop.pairs()
        sources = [file.field(source_table, s).name for s, _op, _t in pairs]
        targets = [file.field(target_table, t) for _s, _op, t in pairs]
        ops = [op for _s, op, _t in pairs]
        target = self._target(target_table, [f.name for f in targets], [f.type for f in targets])
        rows = target.rows
        if all(op == "×" for op in ops):
            matched = set(range(len(rows)))
        else:
            matched = set()
            first = next((i for i, op in enumerate(ops) if op == "="), None)
            for values in self._source_values(source_table, sources, source_ids):
                wanted = [_keys(v, t.type) if op != "×" else set() for v, t, op in zip(values, targets, ops)]
                if any(not w and op != "×" for w, op in zip(wanted, ops)):
                    continue  # an empty match field relates to nothing
                if first is not None:  # candidates from the index of an "=" pair
                    candidates: Iterable[int] = sorted(
                        {p for k in wanted[first] for p in target.index[first].get(k, ())}
                    )
                else:
                    candidates = range(len(rows))
                for position in candidates:
                    if position not in matched and all(
                        _matches(op, w, k) for op, w, k in zip(ops, wanted, rows[position][1])
                    ):
                        matched.add(position)
        ids = [rows[p][0] for p in sorted(matched)]  # creation order
        side = hop.side
        if side.sort_field and file.resolve_field(target_table, side.sort_field) is not None:
            from fmscript.data.found_set import sort_ids

            ids = sort_ids(file, target_table, ids, [(side.sort_field, not side.descending)])
        return ids

    def nearest(self, hop: Hop, source_table: str, rid: int, target_table: str, higher: bool) -> int | None:
        """LookupNext's record: the one whose match value is the next higher (or lower) than the
        source record's, through a one-field ``=`` relationship; None when there is none."""
        pairs = hop.pairs()
        if len(pairs) != 1 or pairs[0][1] != "=":
            return None
        target = self.file.field(target_table, pairs[0][2])
        wanted = sorted(_keys(self.file.get(source_table, rid, pairs[0][0]), target.type))
        if not wanted:
            return None
        key, best = wanted[0], None
        for candidate, (keys,) in self._target(target_table, [target.name], [target.type]).rows:
            for k in keys:
                try:
                    beyond = k > key if higher else k < key
                    if beyond and (best is None or (k < best[0] if higher else k > best[0])):
                        best = (k, candidate)
                except TypeError:  # a key of another kind (text in a number field) never matches
                    continue
        return best[1] if best else None

    def along(
        self, hops: Sequence[Hop], source_table: str, source_ids: Sequence[int]
    ) -> tuple[str, list[int]]:
        """Follow a path; returns (the last table, its related record ids)."""
        table, ids = source_table, list(source_ids)
        graph = self.file.graph
        for hop in hops:
            target = graph.base_table(hop.target) or hop.target
            ids = self.follow(hop, table, ids, target) if ids else []
            table = target
        return table, ids


def cascade(file: FMFile, table: str, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
    """The records deleting ``ids`` of ``table`` also deletes: through every relationship whose
    other side has "Delete related records in this table when a record is deleted in the other
    table", from any occurrence of ``table``, and on from those records (each record once)."""
    graph, seen = file.graph, {(table, rid) for rid in ids}
    plan: list[tuple[str, list[int]]] = []
    queue = [(table, list(ids))]
    while queue:
        source, rids = queue.pop(0)
        for relationship in graph.relationships:
            for hop in (Hop(relationship, True), Hop(relationship, False)):
                if not hop.side.delete_related or graph.base_table(hop.source) != source:
                    continue
                target = graph.base_table(hop.target) or hop.target
                related = [
                    r for r in file.related.follow(hop, source, rids, target) if (target, r) not in seen
                ]
                if related:
                    seen.update((target, r) for r in related)
                    plan.append((target, related))
                    queue.append((target, related))
    return plan


def creation_values(file: FMFile, hop: Hop, source_table: str, rid: int) -> dict[str, Any] | None:
    """The match-field values a record created through ``hop`` gets (the source record's keys),
    or None when it cannot be created: FileMaker creates related records only through ``=``
    predicates whose source values are not empty."""
    target = file.graph.base_table(hop.target) or hop.target
    values: dict[str, Any] = {}
    for source_field, op, target_field in hop.pairs():
        value = file.get(source_table, rid, source_field)
        if op != "=" or value == "":
            return None
        values[file.field(target, target_field).name] = value
    return values


def _matches(op: str, wanted: set[Any], keys: set[Any]) -> bool:
    if op == "×":
        return True
    if not keys:
        return False
    if op == "=":
        return not wanted.isdisjoint(keys)
    compare = _COMPARE[op]  # source value (a) op target value (b)
    for a in wanted:
        for b in keys:
            try:
                if compare(a, b):
                    return True
            except TypeError:  # keys of different kinds (a date against text) never match
                continue
    return False


__all__ = [
    "FLIPPED",
    "creation_values",
    "Graph",
    "GraphError",
    "Hop",
    "Predicate",
    "Related",
    "Relationship",
    "Side",
    "read_graph",
]
