"""fmscript.data: the "FileMaker file" (a SQLite database), finds and found sets.

``FMFile`` (sqlite_file.py) gives tables, fields, layouts and records; ``find`` (find.py) runs
find requests with FileMaker's find-mode operators; ``FoundSet`` and ``sort_ids`` (found_set.py)
keep a window's records, order and current record.

``FMFile`` is loaded on first use: a script run without a file never imports sqlite3.
"""

from __future__ import annotations

from typing import Any

from fmscript.data.find import FindRequest, find
from fmscript.data.found_set import FoundSet, sort_ids
from fmscript.data.schema import Field, FieldType

__all__ = ["FMFile", "Field", "FieldType", "FindRequest", "FoundSet", "find", "sort_ids"]


def __getattr__(name: str) -> Any:
    if name == "FMFile":
        from fmscript.data.sqlite_file import FMFile

        return FMFile
    raise AttributeError(f"module 'fmscript.data' has no attribute {name!r}")
