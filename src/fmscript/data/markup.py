"""Export Records to an HTML table (``.htm``/``.html``) and to FileMaker's FMPXMLRESULT XML
(``.xml``), the two markup formats FileMaker exports without a screen (Claris "HTML Table format",
"XML export and FMPXMLRESULT grammar")."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from fmscript.errors import CANNOT_CREATE_FILE, ScriptRuntimeError


def html_table(names: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<TH>{escape(n)}</TH>" for n in names)
    body = "".join(
        "<TR>" + "".join(f"<TD>{escape(v).replace(chr(13), '<BR>')}</TD>" for v in row) + "</TR>\n"
        for row in rows
    )
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<HTML>\n<HEAD>\n'
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">\n</HEAD>\n<BODY>\n'
        f"<TABLE BORDER=1>\n<TR>{head}</TR>\n{body}</TABLE>\n</BODY>\n</HTML>\n"
    )


def fmpxmlresult(
    database: str,
    layout: str,
    names: list[str],
    types: list[str],
    rows: list[tuple[int, list[str]]],
    total: int,
) -> str:
    fields = "".join(
        f'<FIELD EMPTYOK="YES" MAXREPEAT="1" NAME={quoteattr(n)} TYPE="{t}"/>' for n, t in zip(names, types)
    )
    out = []
    for rid, row in rows:
        cols = "".join(f"<COL><DATA>{escape(v)}</DATA></COL>" if v else "<COL></COL>" for v in row)
        out.append(f'<ROW MODID="0" RECORDID="{rid}">{cols}</ROW>')
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<FMPXMLRESULT xmlns="http://www.filemaker.com/fmpxmlresult"><ERRORCODE>0</ERRORCODE>'
        '<PRODUCT BUILD="" NAME="fmscript" VERSION=""/>'
        f'<DATABASE DATEFORMAT="M/d/yyyy" LAYOUT={quoteattr(layout)} NAME={quoteattr(database)} '
        f'RECORDS="{total}" TIMEFORMAT="h:mm:ss a"/>'
        f'<METADATA>{fields}</METADATA><RESULTSET FOUND="{len(rows)}">{"".join(out)}</RESULTSET></FMPXMLRESULT>\n'
    )


def write_text(path: Path, text: str, *, create_folders: bool) -> None:
    try:
        if create_folders:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise ScriptRuntimeError(f"cannot write {path}: {e.strerror or e}", code=CANNOT_CREATE_FILE) from e


def save_as_xml(
    file_name: str, tables: list[tuple[str, list[tuple[str, str, bool]]]], layouts: list[tuple[str, str]]
) -> str:
    """The file's schema in FileMaker's Save a Copy as XML form (FMSaveAsXML): its base tables,
    their fields (name, data type, global storage) and its layouts with their table occurrences —
    what a SQLite file holds of the catalogs the Claris page lists."""
    table_ids = {name: 129 + i for i, (name, _f) in enumerate(tables, start=1)}
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<FMSaveAsXML version="2.2.3.0" Source="22.0" File={quoteattr(file_name)}>'
        "<Structure><AddAction>"
        f'<BaseTableCatalog membercount="{len(tables)}">'
    ]
    for name, _fields in tables:
        parts.append(f'<BaseTable id="{table_ids[name]}" name={quoteattr(name)}/>')
    parts.append("</BaseTableCatalog><FieldsForTables>")
    for name, fields in tables:
        parts.append(
            f'<FieldCatalog><BaseTableReference id="{table_ids[name]}" name={quoteattr(name)}/>'
            f'<ObjectList membercount="{len(fields)}">'
        )
        for i, (field, datatype, is_global) in enumerate(fields, start=1):
            storage = ' global="True"' if is_global else ""
            parts.append(
                f'<Field id="{i}" name={quoteattr(field)} fieldtype="Normal" datatype="{datatype}">'
                f"<Storage{storage}/></Field>"
            )
        parts.append("</ObjectList></FieldCatalog>")
    parts.append(f'</FieldsForTables><LayoutCatalog membercount="{len(layouts)}">')
    for i, (layout, occurrence) in enumerate(layouts, start=1):
        parts.append(
            f'<Layout id="{i}" name={quoteattr(layout)}><TableOccurrenceReference name={quoteattr(occurrence)}/></Layout>'
        )
    parts.append("</LayoutCatalog></AddAction></Structure></FMSaveAsXML>\n")
    return "".join(parts)
