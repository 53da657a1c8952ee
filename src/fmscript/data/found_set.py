"""Found sets: which records a window shows, in what order, and which one is current.

FileMaker behaviour followed (Claris help pages read: "Go to Record/Request/Page", "Omit Record",
"Omit Multiple Records", "Show Omitted Only", "Constrain Found Set", "Extend Found Set",
"Sort Records", "Sort Records by Field", "Sorting records" (its field-type table); *Choice* marks
what those pages leave open):
  - record numbers are 1-based; an empty found set has no current record (``current == 0``).
  - Next on the last record and Previous on the first stay put (the caller decides what
    "Exit after last" does with the False they return).
  - Omit Record hides the current record and makes the next one current (the new last one when
    the omitted record was last).
  - Show Omitted Only swaps to the records not in the found set; Show All Records shows every
    record. Both leave the found set unsorted, first record current.
  - Constrain narrows the found set to the records that also match the requests (a logical AND,
    the found set keeps its order); Extend adds the records matching the requests (a logical OR).
  - Sorting ("Sorting records"): text alphabetically ignoring case, numbers numerically
    (non-numeric characters ignored), dates/times/timestamps chronologically; equal keys keep
    their previous order (stable). *Choice*: empty values come first in ascending order and last
    in descending order. Unsort goes back to creation order.
  - *Choice*: Go to Record by number out of range does not move (``goto`` returns False; the
    step decides the error); after Sort/Unsort the first record is current.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fmscript.data.find import FindRequest, find, value_key

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile


def sort_ids(file: FMFile, table: str, ids: Sequence[int], order: Sequence[tuple[str, bool]]) -> list[int]:
    """``ids`` sorted by ``order`` = ``[(field name, ascending), ...]`` (first field first)."""
    if not order:
        return list(ids)
    fields = [file.field(table, name) for name, _asc in order]
    rows = dict(file.raw_rows(table, [f.name for f in fields], ids))
    result = [rid for rid in ids if rid in rows]
    keys = [({rid: rows[rid][i] for rid in result}, f.type, order[i][1]) for i, f in enumerate(fields)]
    return sort_by(result, keys)


SortKey = tuple[dict[int, Any], Any, bool]  # stored value per record id, FieldType, ascending


def sort_by(ids: Sequence[int], keys: Sequence[SortKey]) -> list[int]:
    """``ids`` sorted by ``keys`` (first key first), each a stored value per record (a related
    field's key is its first related record's value)."""
    result = list(ids)
    # Sort by the last key first: Python's sort is stable, also with reverse=True.
    for values, ftype, ascending in reversed(keys):

        def sort_key(rid: int, values: dict[int, Any] = values, ftype: Any = ftype) -> tuple:
            key = value_key(values.get(rid), ftype)
            return (0,) if key is None else (1, key)

        result.sort(key=sort_key, reverse=not ascending)
    return result


@dataclass
class FoundSet:
    """The records of one table a window shows: ``ids`` in display order, ``current`` 1-based."""

    table: str
    ids: list[int]
    current: int = 1
    sort_order: list[tuple[str, bool]] | None = field(default=None)

    def __post_init__(self) -> None:
        self.ids = list(self.ids)
        self._clamp()

    # ------------------------------------------------------------------ state

    @property
    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def current_id(self) -> int | None:
        """The current record's id, or None when the found set is empty."""
        return self.ids[self.current - 1] if self.ids else None

    @property
    def is_sorted(self) -> bool:
        return bool(self.sort_order)

    def copy(self) -> FoundSet:
        order = list(self.sort_order) if self.sort_order else None
        return FoundSet(self.table, list(self.ids), self.current, order)

    def _clamp(self) -> None:
        self.current = 0 if not self.ids else min(max(self.current, 1), len(self.ids))

    def _replace(self, ids: Iterable[int], *, keep_sort: bool = False) -> None:
        self.ids = list(ids)
        self.current = 1
        if not keep_sort:
            self.sort_order = None
        self._clamp()

    # ------------------------------------------------------------------ navigation

    def first(self) -> bool:
        self.current = 1
        self._clamp()
        return bool(self.ids)

    def last(self) -> bool:
        self.current = len(self.ids)
        return bool(self.ids)

    def next(self) -> bool:
        """Move to the next record; False (staying put) on the last record or when empty."""
        if self.current >= len(self.ids):
            return False
        self.current += 1
        return True

    def previous(self) -> bool:
        """Move to the previous record; False (staying put) on the first record or when empty."""
        if self.current <= 1:
            return False
        self.current -= 1
        return True

    def goto(self, n: int) -> bool:
        """Go to record number ``n`` (1-based); False, without moving, when out of range."""
        if not 1 <= n <= len(self.ids):
            return False
        self.current = n
        return True

    def goto_id(self, rid: int) -> bool:
        """Make the record with id ``rid`` current if it is in the found set."""
        if rid not in self.ids:
            return False
        self.current = self.ids.index(rid) + 1
        return True

    # ------------------------------------------------------------------ changing the set

    def constrain(self, file: FMFile, requests: Sequence[FindRequest]) -> None:
        """Keep only the records that also match ``requests`` (keeps the order)."""
        matched = set(find(file, self.table, requests))
        self._replace((rid for rid in self.ids if rid in matched), keep_sort=True)

    def extend(self, file: FMFile, requests: Sequence[FindRequest]) -> None:
        """Add the records matching ``requests``; the result is in creation order, unsorted."""
        have = set(self.ids)
        matched = find(file, self.table, requests)
        current_id = self.current_id
        ordered = [rid for rid in file.record_ids(self.table) if rid in have or rid in matched]
        self._replace(ordered)
        if current_id is not None:
            self.goto_id(current_id)

    def omit_current(self) -> int | None:
        """Omit the current record; the next one (or the new last one) becomes current."""
        if not self.ids:
            return None
        rid = self.ids.pop(self.current - 1)
        self._clamp()
        return rid

    def omit_multiple(self, n: int) -> list[int]:
        """Omit ``n`` records starting with the current one (Omit Multiple Records)."""
        if not self.ids or n <= 0:
            return []
        start = self.current - 1
        omitted = self.ids[start : start + n]
        del self.ids[start : start + n]
        self._clamp()
        return omitted

    def show_omitted_only(self, all_ids: Iterable[int]) -> None:
        """Swap to the records of ``all_ids`` (creation order) that are not in the found set."""
        have = set(self.ids)
        self._replace(rid for rid in all_ids if rid not in have)

    def show_all(self, all_ids: Iterable[int]) -> None:
        self._replace(all_ids)

    def replace_ids(self, ids: Iterable[int]) -> None:
        """A new found set (after Perform Find): unsorted, first record current."""
        self._replace(ids)

    def add_record(self, rid: int) -> None:
        """A new or duplicated record joins the found set at the end and becomes current."""
        if rid not in self.ids:
            self.ids.append(rid)
        self.current = self.ids.index(rid) + 1

    def rename_ids(self, mapping: dict[int, int]) -> None:
        """New records got their real ids when committed (provisional id -> real id)."""
        if mapping and any(rid in mapping for rid in self.ids):
            self.ids = [mapping.get(rid, rid) for rid in self.ids]

    def remove_records(self, rids: Iterable[int]) -> None:
        """Forget deleted records; the current position stays (clamped), as after Delete Record."""
        gone = set(rids)
        if not gone:
            return
        position = self.current
        before = sum(1 for rid in self.ids[: max(position - 1, 0)] if rid in gone)
        self.ids = [rid for rid in self.ids if rid not in gone]
        self.current = position - before
        self._clamp()

    # ------------------------------------------------------------------ sorting

    # After a sort FileMaker shows the sorted set from its first record (scripts still write
    # Go to Record [First] after Sort Records; doing the same here keeps them equivalent).

    def sort(self, file: FMFile, order: Sequence[tuple[str, bool]]) -> None:
        """Sort the found set by ``[(field, ascending), ...]``; the first record becomes current."""
        self.ids = sort_ids(file, self.table, self.ids, order)
        self.sort_order = list(order)
        self.current = 1
        self._clamp()

    def sort_by(self, keys: Sequence[SortKey], order: Sequence[tuple[str, bool]]) -> None:
        """Sort by prepared keys (``sort_by``); ``order`` is what Get ( SortState ) remembers."""
        self.ids = sort_by(self.ids, keys)
        self.sort_order = list(order)
        self.current = 1
        self._clamp()

    def unsort(self, file: FMFile) -> None:
        """Back to creation order (Unsort Records); the first record becomes current."""
        have = set(self.ids)
        self._replace(rid for rid in file.record_ids(self.table) if rid in have)


__all__ = ["FoundSet", "SortKey", "sort_by", "sort_ids"]
