"""fmscript.data: the "FileMaker file" (a SQLite database), finds and found sets.

``FMFile`` (sqlite_file.py) gives tables, fields, layouts and records; ``find`` (find.py) runs
find requests with FileMaker's find-mode operators; ``FoundSet`` and ``sort_ids`` (found_set.py)
keep a window's records, order and current record.
"""

from fmscript.data.find import FindRequest, find
from fmscript.data.found_set import FoundSet, sort_ids
from fmscript.data.schema import Field, FieldType
from fmscript.data.sqlite_file import FMFile

__all__ = ["FMFile", "Field", "FieldType", "FindRequest", "FoundSet", "find", "sort_ids"]
