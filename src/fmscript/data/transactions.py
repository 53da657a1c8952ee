"""Transactions: Open Transaction … Commit Transaction / Revert Transaction (FileMaker 19.6.1+).

Claris "Open Transaction": a transaction is a set of changes to one or more records, in one or
more tables, that are committed together or, if an error occurs, reverted together. Record
changes after Open Transaction are held until Commit Transaction or Revert Transaction.

Here the open-record buffer (``open_records.py``) still holds each record's field changes until
the record is committed (leaving it, Commit Records/Requests …); while a transaction is open those
record commits — and deletions — go into one SQLite savepoint that only Commit Transaction
releases (makes durable) and Revert Transaction rolls back. So a transaction spans any number of
records and tables and lands as one, and a process killed halfway leaves the file as it was.

Claris "Revert Transaction": it does not revert auto-enter serial number increments (the next
serial values, ``fmscript_serials``, are put back after the rollback) nor Truncate Table (the
tables truncated inside the transaction are emptied again after the rollback: what the truncate
deleted stays deleted, and the records the transaction added after it are reverted anyway). A validation error when the transaction commits reverts it as a
whole (Claris: "automatically reverts when … field changes don't match the field's validation").
Closing the file (the end of a run) commits an open transaction, as FileMaker does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from fmscript.data import serials
from fmscript.errors import ScriptRuntimeError

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile

_SAVEPOINT = "fm_transaction"


@attrs.define
class Transaction:
    """The transaction a file has open (at most one: nested Open Transaction joins it)."""

    depth: int = 1  # Open Transaction in a sub-script joins the open one (Claris: nested transactions)
    truncated: list[str] = attrs.field(factory=list)  # Truncate Table inside it: not reverted

    @classmethod
    def open(cls, file: FMFile) -> Transaction:
        """Commit the open record (Claris: Open Transaction first tries to exit and commit the
        active record), then start the transaction; an open one is joined instead."""
        if file.transaction is not None:
            file.transaction.depth += 1
            return file.transaction
        file.commit_records()
        file.connection.execute(f"SAVEPOINT {_SAVEPOINT}")
        file.transaction = cls()
        return file.transaction

    def commit(self, file: FMFile) -> dict[int, int]:
        """Write the open records and make every change of the transaction durable; returns the
        real ids of the new records. A validation error reverts the whole transaction, then
        raises it."""
        try:
            mapping = file.commit_records()
        except ScriptRuntimeError:
            self.revert(file)
            raise
        file.transaction = None
        file.connection.execute(f"RELEASE {_SAVEPOINT}")
        return mapping

    def revert(self, file: FMFile) -> list[tuple[str, int]]:
        """Throw every change of the transaction away; returns the uncommitted new records."""
        dropped = file.revert_records()
        file.transaction = None
        conn = file.connection
        kept = serials.snapshot(conn)  # serial numbers used in the transaction stay used
        conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
        conn.execute(f"RELEASE {_SAVEPOINT}")
        serials.restore(conn, kept)
        for table in dict.fromkeys(self.truncated):
            file.delete_records(table, file.record_ids(table))
        return dropped
