"""Field types, the field record, and safe SQL identifiers.

A FileMaker field type comes from the column's *declared* type in SQLite (SQLite keeps the
declared text verbatim even though it only uses it to choose an affinity), so a sample database
can say ``"Due" DATE`` or ``"API Key" TEXT GLOBAL`` and mean what FileMaker would.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from fmscript.syntax.names import fold as fold  # table, field and layout names ignore case


class FieldType(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    TIMESTAMP = "timestamp"
    CONTAINER = "container"


@dataclass(frozen=True)
class Field:
    """One field of a table: canonical name, FileMaker type, and whether it has global storage."""

    name: str
    type: FieldType
    is_global: bool = False


_NUMBER_WORDS = ("NUMBER", "NUMERIC", "INTEGER", "INT", "REAL", "DECIMAL", "FLOAT", "DOUBLE", "BIGINT")


def field_type_for(declared: str) -> tuple[FieldType, bool]:
    """Map a declared column type to ``(FieldType, is_global)``.

    Checked in this order because the words overlap: DATETIME contains both DATE and TIME, and
    TIMESTAMP must win over TIME. Anything unknown (including no declared type) is text, which is
    what FileMaker gives a new field by default.
    """
    words = re.findall(r"[A-Z]+", declared.upper())
    is_global = "GLOBAL" in words
    if "TIMESTAMP" in words or "DATETIME" in words:
        return FieldType.TIMESTAMP, is_global
    if "DATE" in words:
        return FieldType.DATE, is_global
    if "TIME" in words:
        return FieldType.TIME, is_global
    if "BLOB" in words or "CONTAINER" in words:
        return FieldType.CONTAINER, is_global
    if any(w in words for w in _NUMBER_WORDS):
        return FieldType.NUMBER, is_global
    return FieldType.TEXT, is_global


def quote_ident(name: str) -> str:
    """Quote an SQL identifier: always double quotes, inner double quotes doubled.

    Every table and field name fmscript sends to SQLite goes through here; values never do (they
    are always bound parameters).
    """
    if "\x00" in name:
        raise ValueError("a name cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'
