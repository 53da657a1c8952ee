"""Comma- and tab-separated text files as FileMaker imports and exports them.

Claris "Comma-Separated Text format" / "Tab-Separated Text format" (Supported import/export file
formats): one record per line, fields separated by commas (each value enclosed in quotation marks,
a quotation mark inside doubled) or by tabs (no quotation marks); a return inside a field is
exported as a vertical tab (ASCII 11) so a record stays on one line, and a vertical tab imports as
a return. FileMaker ends records with a carriage return on export and accepts CR, LF or CRLF on
import. Merge files (``.mer``) are comma-separated with the field names as their first record.

Character sets are named as FileMaker's export dialog names them ("Unicode (UTF-8)", "Unicode
(UTF-16)", "Windows (ANSI)", "Mac Roman", "ASCII (DOS)", "Japanese (Shift-JIS)", …); a UTF-8
file read with a byte-order mark loses it.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fmscript.errors import CANNOT_CREATE_FILE, NO_OPEN_FILE, REQUEST_NOT_SUPPORTED, ScriptRuntimeError

VT = "\x0b"
FORMATS = {".csv": "csv", ".txt": "tab", ".tab": "tab", ".tsv": "tab", ".mer": "merge"}

_CHARSETS = (
    (r"utf-?16", "utf-16"),
    (r"utf-?8|unicode", "utf-8"),
    (r"windows|ansi|latin", "cp1252"),
    (r"mac", "mac_roman"),
    (r"dos|ascii", "cp437"),
    (r"shift.?jis|japanese|日本語", "shift_jis"),
    (r"gb|chinese|简体|中文", "gb18030"),
    (r"big5|traditional|繁", "big5"),
    (r"korean|euc.?kr", "euc_kr"),
)


def codec_for(charset: str | None) -> str:
    """Python's codec for a FileMaker character set name; UTF-8 when none is given."""
    text = (charset or "").strip().strip('"“”「」').lower()
    for pattern, codec in _CHARSETS:
        if re.search(pattern, text):
            return codec
    return "utf-8"


def format_for(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ScriptRuntimeError(
            f"{path.name}: fmscript imports and exports comma- and tab-separated text "
            f"(.csv, .tab, .txt, .tsv, .mer), not {path.suffix or 'files without an extension'}",
            code=REQUEST_NOT_SUPPORTED,
        )
    return fmt


def read_rows(path: Path, charset: str | None) -> list[list[str]]:
    fmt = format_for(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScriptRuntimeError(f"the file {path} is missing", code=NO_OPEN_FILE) from None
    except OSError as e:
        raise ScriptRuntimeError(f"cannot read {path}: {e.strerror or e}", code=NO_OPEN_FILE) from e
    codec = codec_for(charset)
    if codec == "utf-8":
        codec = "utf-8-sig"
    text = raw.decode(codec, errors="replace")
    if fmt == "tab":
        lines = re.split(r"\r\n|\r|\n", text)
        if lines and lines[-1] == "":
            lines.pop()
        rows = [line.split("\t") for line in lines]
    else:
        rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n"), newline="")))
    # A line break inside a quoted value is a return in FileMaker text (¶ is CR).
    return [[value.replace("\n", "\r").replace(VT, "\r") for value in row] for row in rows]


def write_rows(path: Path, rows: list[list[str]], charset: str | None, *, create_folders: bool) -> None:
    fmt = format_for(path)
    out = []
    for row in rows:
        values = [v.replace("\r\n", VT).replace("\r", VT).replace("\n", VT) for v in row]
        if fmt == "tab":
            out.append("\t".join(v.replace("\t", " ") for v in values))
        else:
            out.append(",".join('"' + v.replace('"', '""') + '"' for v in values))
    text = "".join(line + "\r" for line in out)
    try:
        if create_folders:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(codec_for(charset), errors="replace"))
    except OSError as e:
        raise ScriptRuntimeError(f"cannot write {path}: {e.strerror or e}", code=CANNOT_CREATE_FILE) from e
