"""Import Records and Export Records for comma- and tab-separated text (``data/delimited.py``).

Claris "Import Records" / "Setting the import action and mapping fields during import":
  - *Add* makes a new record for each source row; *Update* updates the records of the found set
    whose match fields equal the row's (the *match with* fields; "Update matching records in
    found set"), *Replace* replaces the records of the found
    set in order (row 1 → record 1 …); with *Add remaining data as new records* the rows left over
    become new records. (FileMaker's older names "Update matching records" and "Update existing
    records" / "Replace data in current found set" are accepted.)
  - the field mapping is *Matching names* (source columns by the names in the first row) or an
    order (``Source field 2 import to T::F``, ``Source field 1 match with T::ID``, or the target
    fields listed in source order). The first row is skipped when it holds field names.
    *Choice*: with no mapping, columns map by name when the first row holds names (said so, or
    every value of the first row is a field name), else in order to the table's fields (global
    fields left out).
  - afterwards the found set is the imported records (Claris: "the found set is the imported
    records"), unsorted, the first one current. All records are written as one commit; a record
    that fails validation (504 unique, 509) is skipped and the others are imported.
Claris "Export Records": the records of the found set, in its sort order, to the file; fmscript
exports the fields listed with the step (``T::F`` entries, like a sort order) or else every
non-global field of the table, in order. ``.mer`` files start with the field names; ``.xlsx``
(Excel), ``.htm`` (an HTML table) and ``.xml`` (FMPXMLRESULT) are written too.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fmscript.calc import values as V
from fmscript.data import delimited
from fmscript.data.schema import fold
from fmscript.errors import (
    COMMAND_INVALID,
    FIELD_MISSING,
    NO_OPEN_FILE,
    TABLE_MISSING,
    VALUE_INVALID,
    VALUE_NOT_UNIQUE,
    ScriptRuntimeError,
)
from fmscript.steps.paths import path_entries, to_local_path
from fmscript.steps.state import StepContext
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.data.relationships import Hop


def scan_text(value: str) -> str:
    """A quoted option value ("…", “…”, 「…」) without its quotes."""
    from fmscript.syntax import scan

    return scan.whole_string(value) or value


def _path(ctx: StepContext, text: str | None, what: str) -> Path:
    entries = path_entries(text or "", ctx)
    if not entries:
        raise ScriptRuntimeError(f"{what} needs a file (Specify output file / Source)", code=NO_OPEN_FILE)
    return to_local_path(entries[0], ctx)


def _field(ctx: StepContext, table: str, name: str) -> str:
    """A mapped field of the target table: ``T::F`` or ``F``."""
    file = ctx.data.require_file()
    _t, _, field = name.rpartition("::")
    found = file.resolve_field(table, field.strip())
    if found is None:
        raise ScriptRuntimeError(f"field {name} is missing in {table}", code=FIELD_MISSING)
    return found


# --------------------------------------------------------------------------- import


def import_records(ctx: StepContext, step: ast.Step) -> None:
    data = ctx.data
    file = data.require_file()
    source = _path(ctx, step.opt("source"), "Import Records")
    if source.suffix.lower() == ".xlsx":
        from fmscript.data.xlsx import read_xlsx

        sheet = step.opt("source_table")
        rows = read_xlsx(source, scan_text(sheet) if sheet else None)
    else:
        rows = delimited.read_rows(source, step.opt("charset"))
    target = step.opt("target")
    table = file.resolve_table(target) if target else data.current_table()
    if table is None:
        raise ScriptRuntimeError(f"table {target!r} is missing", code=TABLE_MISSING)
    imports, matches, skip_first = _mapping(ctx, step, table, rows)
    if skip_first:
        rows = rows[1:]
    method = step.opt("method", "Add")
    fs = data.found_set() if data.current_table() == table else None
    add_remaining = bool(step.opt("add_remaining"))
    try:
        touched = _apply(ctx, table, rows, imports, matches, method, add_remaining, fs)
        mapping = file.commit_records()  # every imported record in one commit
    except ScriptRuntimeError as e:
        data.revert_records()
        if e.code not in (VALUE_NOT_UNIQUE, VALUE_INVALID):
            raise
        # A record that fails validation is skipped, the others are imported (FileMaker's import
        # summary counts them): one commit per record this time.
        touched = _apply(ctx, table, rows, imports, matches, method, add_remaining, fs, each=True)
        mapping = {}
    for other in data.found_sets.values():
        other.rename_ids(mapping)
    if fs is not None:
        fs.replace_ids(dict.fromkeys(mapping.get(rid, rid) for rid in touched))  # each record once


def _mapping(
    ctx: StepContext, step: ast.Step, table: str, rows: list[list[str]]
) -> tuple[list[tuple[int, str]], list[tuple[int, str]], bool]:
    """(column → field imports, column → field matches, whether the first row is names)."""
    file = ctx.data.require_file()
    mapping = step.opt("mapping")
    first_row = bool(step.opt("first_row"))
    if mapping is None and not first_row and rows and _is_header(file, table, rows[0]):
        first_row = True  # *choice*: a first row made of the table's field names is a header
    if mapping == "names" or (mapping is None and first_row):
        header = rows[0] if rows else []
        fields = {fold(f.name): f.name for f in file.fields(table) if not f.is_global}
        imports = [(i, fields[fold(h.strip())]) for i, h in enumerate(header) if fold(h.strip()) in fields]
        match_names = {fold(n) for n in step.opt("match_fields", ())}
        matches = [(i, f) for i, f in imports if fold(f) in match_names]
        return imports, matches, True
    if mapping is None:
        order = [f.name for f in file.fields(table) if not f.is_global]
        return list(enumerate(order)), [], first_row
    imports, matches = [], []
    for column, name, role in mapping:
        field = _field(ctx, table, name)
        (matches if role == "match" else imports).append((column - 1, field))
    matches_as_imports = [m for m in matches if m not in imports]
    return imports + matches_as_imports, matches, first_row


def _is_header(file: Any, table: str, row: list[str]) -> bool:
    names = {fold(f.name) for f in file.fields(table)}
    return bool(row) and all(fold(v.strip()) in names for v in row)


def _apply(
    ctx: StepContext,
    table: str,
    rows: list[list[str]],
    imports: list[tuple[int, str]],
    matches: list[tuple[int, str]],
    method: str,
    add_remaining: bool,
    fs: Any,
    *,
    each: bool = False,
) -> list[int]:
    file = ctx.data.require_file()
    touched: list[int] = []

    def write(rid: int, row: list[str], columns: list[tuple[int, str]] = imports) -> None:
        for column, field in columns:
            if column < len(row):
                file.stage(table, rid, field, row[column])
        if each:
            try:
                rid = file.commit_records().get(rid, rid)
            except ScriptRuntimeError:
                file.revert_records()  # this record is skipped
                return
        touched.append(rid)

    def add(row: list[str]) -> None:
        write(file.new_record(table, open=True), row)

    if method == "Add":
        for row in rows:
            add(row)
    elif method == "Replace":
        ids = list(fs.ids) if fs is not None else file.record_ids(table)
        for i, row in enumerate(rows):
            if i < len(ids):
                write(ids[i], row)
            elif add_remaining:
                add(row)
    elif method == "Update":
        if not matches and imports:
            # *Choice*: the printed step does not show FileMaker's stored match fields (the older
            # "Update matching" form): the first mapped field is the match field.
            matches = imports[:1]
        if not matches:
            raise ScriptRuntimeError(
                "Import Records [ Update ] needs match fields (match with)", code=COMMAND_INVALID
            )
        # "Update matching records in found set": only the found set's records are matched
        # (the whole table when the import goes to a table other than the layout's).
        ids = list(fs.ids) if fs is not None else file.record_ids(table)
        index = _match_index(file, table, [f for _c, f in matches], ids)
        for row in rows:
            key = tuple((row[c] if c < len(row) else "").casefold() for c, _f in matches)
            found = index.get(key)
            if found:
                # A match field is compared, not imported (the record keeps its own spelling of
                # the key); a record added for a remaining row gets it.
                for rid in found:
                    write(rid, row, [c for c in imports if c not in matches])
            elif add_remaining:
                add(row)
    else:
        raise ScriptRuntimeError(f"{method!r} is not Add, Update or Replace", code=COMMAND_INVALID)
    return touched


def _match_index(file: Any, table: str, names: list[str], ids: list[int]) -> dict[tuple[str, ...], list[int]]:
    """The records ``ids`` by their match fields' values (case-insensitive text). Claris "Methods
    of importing data into an existing file": a record whose match fields are all empty is not
    updated, so it is left out (a source row with empty match fields then matches nothing)."""
    index: dict[tuple[str, ...], list[int]] = {}
    for rid, values in zip(ids, file.iter_records(table, names, ids)):
        key = tuple(V.to_text(v).casefold() for v in values)
        if any(key):
            index.setdefault(key, []).append(rid)
    return index


# --------------------------------------------------------------------------- export


def export_records(ctx: StepContext, step: ast.Step) -> None:
    data = ctx.data
    fs = data.found_set()
    path = _path(ctx, step.opt("path"), "Export Records")
    columns = _columns(ctx, step.opt("fields"))
    names = [f"{occurrence}::{field}" if hops else field for occurrence, field, _b, hops in columns]
    rows = _rows(ctx, columns)
    create = bool(step.opt("create_folders"))
    suffix = path.suffix.lower()
    if suffix in _MARKUP:
        file = data.require_file()
        types = [file.field(base, field).type.name for _o, field, base, _h in columns]
        _export_markup(ctx, path, names, types, [[V.to_text(v) for v in row] for row in rows], create)
        return
    if suffix == ".xlsx":
        from decimal import Decimal

        from fmscript.data.xlsx import Cell, write_xlsx

        header: list[Cell] = list(names)
        cells: list[list[Cell]] = [header] if step.opt("field_names") else []
        cells += [[v if isinstance(v, Decimal) else V.to_text(v) for v in row] for row in rows]
        write_xlsx(path, fs.table, cells, create_folders=create)
        return
    # Claris "Comma-separated values format": only numeric data is exported from number fields
    # (the tab-separated format's page does not say so: there the text stays).
    fmt = delimited.format_for(path)
    numeric = [fmt != "tab" and _is_number(ctx, base, field) for _o, field, base, _h in columns]
    text = [[_numeric_text(v) if numeric[i] else V.to_text(v) for i, v in enumerate(row)] for row in rows]
    if fmt == "merge" or step.opt("field_names"):
        text.insert(0, names)
    delimited.write_rows(path, text, step.opt("charset"), create_folders=create)


# (occurrence as written, field, its base table, the relationship path from the layout or None)
Column = tuple[str, str, str, "list[Hop] | None"]
GROUP_SEPARATOR = "\x1d"


def _columns(ctx: StepContext, listed: Any) -> list[Column]:
    """The export order: the fields listed with the step (``T::F``), else every non-global field
    of the layout's table. A field of a related table occurrence is a related field."""
    data = ctx.data
    file = data.require_file()
    fs = data.found_set()
    if not listed:
        return [(fs.table, f.name, fs.table, None) for f in file.fields(fs.table) if not f.is_global]
    context = data.current_occurrence()
    columns: list[Column] = []
    for t, f in listed:
        hops = file.graph.path(context, t) if t and context and file.graph.relationships else None
        if hops:
            base, field = data.resolve_field(t, f)
            columns.append((t, field, base, hops))
        else:
            columns.append((t or fs.table, _field(ctx, fs.table, f"{t}::{f}" if t else f), fs.table, None))
    return columns


def _rows(ctx: StepContext, columns: list[Column]) -> list[list[Any]]:
    """Each found record's values, in sort order. A related field exports the values of every
    related record, in the relationship's order, separated by the group separator (ASCII 29) —
    the character FileMaker's delimited exports put between repetitions."""
    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    if all(hops is None for *_rest, hops in columns):
        return [list(values) for values in file.iter_records(fs.table, [c[1] for c in columns], fs.ids)]
    rows: list[list[Any]] = []
    for rid in fs.ids:
        row: list[Any] = []
        for _occurrence, field, base, hops in columns:
            if hops is None:
                row.append(file.get(base, rid, field))
                continue
            related = file.related.along(hops, fs.table, [rid])[1]
            row.append(GROUP_SEPARATOR.join(V.to_text(file.get(base, r, field)) for r in related))
        rows.append(row)
    return rows


def _is_number(ctx: StepContext, table: str, field: str) -> bool:
    from fmscript.data.schema import FieldType

    return bool(ctx.data.require_file().field(table, field).type == FieldType.NUMBER)


def _numeric_text(value: Any) -> str:
    """A number field's value as exported: text in a number field keeps only its number."""
    text = V.to_text(value)
    if not text or isinstance(value, Decimal) or GROUP_SEPARATOR in text:
        return text
    number = V.to_number(text)
    return V.to_text(number) if number is not None else ""


_MARKUP = (".htm", ".html", ".xml")


def _export_markup(
    ctx: StepContext, path: Path, names: list[str], types: list[str], rows: list[list[str]], create: bool
) -> None:
    """HTML table (field names as the header row) or FMPXMLRESULT XML."""
    from fmscript.data import markup

    file = ctx.data.require_file()
    fs = ctx.data.found_set()
    if path.suffix.lower() == ".xml":
        database = file.path.name if file.path else "Untitled"
        text = markup.fmpxmlresult(
            database, ctx.data.layout or "", names, types, list(zip(fs.ids, rows)), file.total_count(fs.table)
        )
    else:
        text = markup.html_table(names, rows)
    markup.write_text(path, text, create_folders=create)


def save_records_as_excel(ctx: StepContext, step: ast.Step) -> None:
    """Claris "Save Records as Excel": the records being browsed (or the current record), every
    field of the layout's table, the field names as the first row (*Use field names as column
    names*), numbers as numbers."""
    from decimal import Decimal

    from fmscript.data.xlsx import Cell, write_xlsx

    data = ctx.data
    file = data.require_file()
    fs = data.found_set()
    path = _path(ctx, step.opt("path"), "Save Records as Excel")
    names = [f.name for f in file.fields(fs.table) if not f.is_global]
    ids = [fs.current_id] if step.opt("current_record") and fs.current_id is not None else fs.ids
    rows: list[list[Cell]] = [list(names)]
    for values in file.iter_records(fs.table, names, ids):
        rows.append([v if isinstance(v, Decimal) else V.to_text(v) for v in values])
    sheet = step.opt("worksheet")
    sheet_name = V.to_text(ctx.evaluator.evaluate(sheet)) if isinstance(sheet, ast.Calc) else fs.table
    write_xlsx(path, sheet_name, rows, create_folders=bool(step.opt("create_folders")))
