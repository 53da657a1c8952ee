"""A minimal Excel workbook writer (Office Open XML ``.xlsx``) for Save Records as Excel.

One worksheet, numbers as numbers and everything else as inline strings; no styles. That is what
a spreadsheet needs to open the records, and needs no third-party package.
"""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from fmscript.errors import CANNOT_CREATE_FILE, ScriptRuntimeError

Cell = str | Decimal

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value: Cell) -> str:
    if isinstance(value, Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(value.replace("\r", "\n"))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def write_xlsx(path: Path, sheet: str, rows: list[list[Cell]], *, create_folders: bool) -> None:
    lines = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_column(c)}{r}", v) for c, v in enumerate(row) if v != "")
        lines.append(f'<row r="{r}">{cells}</row>')
    worksheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_R_NS}>'
        f'<sheets><sheet name="{escape(sheet[:31] or "Sheet1")}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    try:
        if create_folders:
            path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", _CONTENT_TYPES)
            z.writestr("_rels/.rels", _RELS)
            z.writestr("xl/workbook.xml", workbook)
            z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            z.writestr("xl/worksheets/sheet1.xml", worksheet)
    except OSError as e:
        raise ScriptRuntimeError(f"cannot write {path}: {e.strerror or e}", code=CANNOT_CREATE_FILE) from e


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _column_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n - 1


def read_xlsx(path: Path, sheet: str | None = None) -> list[list[str]]:
    """The rows of a worksheet (the first one, or the one named ``sheet``) as text: shared and
    inline strings, numbers as written (Import Records from an Excel workbook)."""
    import xml.etree.ElementTree as ET

    from fmscript.errors import NO_OPEN_FILE, REQUEST_NOT_SUPPORTED

    try:
        z = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ScriptRuntimeError(f"the file {path} is missing", code=NO_OPEN_FILE) from None
    except (OSError, zipfile.BadZipFile) as e:
        raise ScriptRuntimeError(
            f"{path.name} is not an Excel workbook: {e}", code=REQUEST_NOT_SUPPORTED
        ) from e
    with z:
        names = set(z.namelist())
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{_MAIN}si"):
                shared.append("".join(t.text or "" for t in si.iter(f"{_MAIN}t")))
        workbook = ET.fromstring(z.read("xl/workbook.xml"))
        sheets = [(s.get("name") or "", s.get(f"{_REL}id") or "") for s in workbook.iter(f"{_MAIN}sheet")]
        rels = {
            r.get("Id"): r.get("Target") or ""
            for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(f"{_PKG}Relationship")
        }
        chosen = next((rid for name, rid in sheets if sheet and name.casefold() == sheet.casefold()), None)
        if chosen is None:
            if sheet:
                raise ScriptRuntimeError(f"{path.name} has no worksheet {sheet!r}", code=NO_OPEN_FILE)
            chosen = sheets[0][1] if sheets else ""
        target = rels.get(chosen, "worksheets/sheet1.xml").lstrip("/")
        data = ET.fromstring(z.read(target if target.startswith("xl/") else "xl/" + target))
    rows: list[list[str]] = []
    for row in data.iter(f"{_MAIN}row"):
        values: list[str] = []
        for c in row.iter(f"{_MAIN}c"):
            i = _column_index(c.get("r") or "") if c.get("r") else len(values)
            kind = c.get("t")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(f"{_MAIN}t"))
            else:
                v = c.find(f"{_MAIN}v")
                text = v.text or "" if v is not None else ""
                if kind == "s" and text.isdigit() and int(text) < len(shared):
                    text = shared[int(text)]
            values.extend([""] * (i - len(values)))
            values.append(text.replace("\n", "\r"))
        rows.append(values)
    return rows
