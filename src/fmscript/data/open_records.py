"""Open records: field changes held until the record is committed, as in FileMaker.

FileMaker opens a record when a script (or a user) first changes one of its fields or creates it;
the changes are only written when the record is *committed* (Commit Records/Requests, or leaving
the record: going to another record or layout, a new record, a find, a sort …) and Revert
Record/Request throws them away. Get ( RecordOpenState ) is 0 for a closed record, 1 for a new
record not committed yet, 2 for a changed record not committed yet.

Here the buffer lives in memory beside the SQLite connection and a commit writes each record with
one statement inside one transaction, so a process killed while a record is open leaves the
database exactly as it was before the uncommitted change — no half-written record. A new record
gets a provisional (negative) id until its INSERT gives it a real one; its column defaults are
evaluated when it is created, as FileMaker's auto-enter values are.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

CLOSED, NEW, MODIFIED = 0, 1, 2


@dataclass
class OpenRecord:
    table: str
    rid: int  # negative: a new record that has no row yet
    values: dict[str, Any] = field(default_factory=dict)  # field name -> stored value

    @property
    def is_new(self) -> bool:
        return self.rid < 0


class RecordBuffer:
    """The open records of one file, keyed by (table, id)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, int], OpenRecord] = {}
        self._next_new = -1
        self.version = 0  # counts changes (readers cache what they computed from the records)

    # ------------------------------------------------------------------ state
    def __len__(self) -> int:
        return len(self._records)

    def __bool__(self) -> bool:
        return bool(self._records)

    def keys(self) -> list[tuple[str, int]]:
        return list(self._records)

    def get(self, table: str, rid: int | None) -> OpenRecord | None:
        if rid is None:
            return None
        return self._records.get((table, rid))

    def state(self, table: str, rid: int | None) -> int:
        record = self.get(table, rid)
        if record is None:
            return CLOSED
        return NEW if record.is_new else MODIFIED

    def new_ids(self, table: str) -> list[int]:
        """Provisional ids of the table's new records, in creation order."""
        return sorted((rid for t, rid in self._records if t == table and rid < 0), reverse=True)

    # ------------------------------------------------------------------ changes
    def open_new(self, table: str, defaults: dict[str, Any]) -> int:
        self.version += 1
        rid = self._next_new
        self._next_new -= 1
        self._records[(table, rid)] = OpenRecord(table, rid, dict(defaults))
        return rid

    def open(self, table: str, rid: int) -> None:
        """Open a record without changing it (Open Record/Request)."""
        self._records.setdefault((table, rid), OpenRecord(table, rid))

    def stage(self, table: str, rid: int, name: str, stored: Any) -> None:
        self.version += 1
        record = self._records.setdefault((table, rid), OpenRecord(table, rid))
        record.values[name] = stored

    def drop(self, table: str, rids: list[int] | None = None) -> list[int]:
        """Forget open records of ``table`` (all, or ``rids``); returns the provisional ids dropped."""
        self.version += 1
        gone = [key for key in self._records if key[0] == table and (rids is None or key[1] in rids)]
        for key in gone:
            del self._records[key]
        return [rid for _t, rid in gone if rid < 0]

    def revert(self) -> list[tuple[str, int]]:
        """Throw every open change away; returns the (table, provisional id) of new records."""
        self.version += 1
        new = [key for key in self._records if key[1] < 0]
        self._records.clear()
        return new

    def commit(self, conn: sqlite3.Connection, quote: Any, rowid_of: Any) -> dict[int, int]:
        """Write every open record in one transaction; returns {provisional id: real id}.

        ``quote`` quotes identifiers; ``rowid_of(table)`` names the rowid column to update by.
        On an error nothing is written and the records stay open (the caller reports it).
        """
        if not self._records:
            return {}
        mapping: dict[int, int] = {}
        # A savepoint, not BEGIN: inside an open transaction (Open Transaction) the records join
        # it and are only made durable by Commit Transaction; outside one it is a transaction.
        conn.execute("SAVEPOINT fm_commit")
        try:
            for record in self._records.values():
                names = list(record.values)
                if record.is_new:
                    if names:
                        cols = ", ".join(quote(n) for n in names)
                        marks = ", ".join("?" for _ in names)
                        sql = f"INSERT INTO {quote(record.table)} ({cols}) VALUES ({marks})"
                        cur = conn.execute(sql, [record.values[n] for n in names])
                    else:
                        cur = conn.execute(f"INSERT INTO {quote(record.table)} DEFAULT VALUES")
                    mapping[record.rid] = int(cur.lastrowid or 0)
                elif names:
                    sets = ", ".join(f"{quote(n)} = ?" for n in names)
                    sql = f"UPDATE {quote(record.table)} SET {sets} WHERE {rowid_of(record.table)} = ?"
                    conn.execute(sql, [*(record.values[n] for n in names), record.rid])
        except BaseException:
            conn.execute("ROLLBACK TO fm_commit")
            conn.execute("RELEASE fm_commit")
            raise
        conn.execute("RELEASE fm_commit")
        self._records.clear()
        self.version += 1
        return mapping
