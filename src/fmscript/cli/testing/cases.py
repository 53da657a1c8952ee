"""A test case is a ``.fmscript`` file whose first lines are ``#`` comments stating what it must do.

FileMaker's ``#`` step is a comment that does nothing when it runs (not even ``Get ( LastError )``
changes), so the header is part of the script and the file runs unchanged under ``fmscript run``::

    # expect: 42                      the script result: the last line(s) `fmscript run` prints
    # expect-error: 401               the first uncaptured error (a FileMaker code, or a syntax
    # expect-error-line: 5              error's kind such as UnknownStep), optionally its line
    # expect-stdout:                  all of stdout equals the sibling NAME.stdout (a golden file)
    # expect-stderr: TEXT             stderr contains TEXT (repeatable)
    # expect-sql: SELECT … => [[27]]  after the run, the database answers the query with these rows
    # file: data.sql                  the database (.sql, .sqlite, .db), relative to the case file
    # param: TEXT                     Get ( ScriptParameter )
    # needs: MODEL                    skipped (with the reason) when the model is not available
    # timeout: 30                     seconds (default 60)

The header is every leading line that starts with ``#`` (blank lines allowed); other ``#`` lines in
it are ordinary comments. A file is a case when its header has an ``# expect…`` line (a misspelt
one makes a failing case, never a silently skipped one); other ``.fmscript`` files — the scripts a
case performs — are not.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import attrs

DEFAULT_TIMEOUT = 60.0
SUFFIX = ".fmscript"
# Folders discovery never enters (besides hidden ones).
_SKIP_DIRS = {"__pycache__", "node_modules", "venv", "site-packages"}
_DIRECTIVE = re.compile(r"#\s*([a-z][a-z-]*)\s*:(.*)\Z")
_KNOWN = {
    "expect",
    "expect-error",
    "expect-error-line",
    "expect-stdout",
    "expect-stderr",
    "expect-sql",
    "file",
    "param",
    "needs",
    "timeout",
}
_REPEATABLE = {"expect-stderr", "expect-sql", "needs"}
_DATABASE_SUFFIXES = (".sql", ".sqlite", ".db", ".sqlite3")

Row = tuple[str | int | float | None, ...]


@attrs.frozen
class SqlCheck:
    """``# expect-sql: QUERY => ROWS``: QUERY on the database after the run gives ROWS (JSON)."""

    query: str
    rows: tuple[Row, ...]


@attrs.frozen
class Case:
    path: Path
    id: str
    expect: str | None = None  # the result text, ¶ already turned into line breaks
    expect_error: str | None = None  # "401" or an error kind ("UnknownStep")
    expect_error_line: int | None = None
    golden: Path | None = None  # the stdout golden file (expect-stdout)
    stderr: tuple[str, ...] = ()
    sql: tuple[SqlCheck, ...] = ()
    file: Path | None = None
    param: str | None = None
    needs: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    problem: str | None = None  # a malformed header: the case fails with this message


def decode(data: bytes) -> str:
    """Script bytes as text, the way fmscript reads scripts (UTF-8, or UTF-16 with a BOM)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def header_lines(text: str) -> Iterator[str]:
    """The leading ``#`` lines of a script (blank lines between them allowed)."""
    for raw in text.splitlines():
        line = raw.strip(" \t\u3000")
        if not line:
            continue
        if not line.startswith("#"):
            return
        yield line


def directives(text: str) -> list[tuple[str, str]]:
    """(name, value) for every directive line of the header; unknown ``expect…`` names included so
    that a typo fails loudly instead of silently testing nothing."""
    found = []
    for line in header_lines(text):
        match = _DIRECTIVE.match(line)
        if match and (match[1] in _KNOWN or match[1].startswith("expect")):
            found.append((match[1], match[2].strip(" \t\u3000")))
    return found


def case_id(path: Path) -> str:
    """How a case is named in reports: its path relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path.as_posix()
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


def read_case(path: Path, case_name: str | None = None) -> Case | None:
    """The case in ``path``, or None when the file has no expect header."""
    try:
        text = decode(path.read_bytes())
    except OSError:
        return None
    found = directives(text)
    if not any(name.startswith("expect") for name, _ in found):
        return None
    name = case_name if case_name is not None else case_id(path)
    try:
        return _build(path, name, found)
    except ValueError as exc:
        return Case(path, name, problem=f"bad header: {exc}")


def _build(path: Path, name: str, found: list[tuple[str, str]]) -> Case:
    seen: set[str] = set()
    values: dict[str, object] = {}
    stderr: list[str] = []
    sql: list[SqlCheck] = []
    needs: list[str] = []
    for key, value in found:
        if key not in _KNOWN:
            raise ValueError(f"unknown directive '# {key}:' (known: {', '.join(sorted(_KNOWN))})")
        if key in seen and key not in _REPEATABLE:
            raise ValueError(f"'# {key}:' is given twice")
        seen.add(key)
        if key == "expect-stderr":
            stderr.append(_required(key, value))
        elif key == "expect-sql":
            sql.append(_sql_check(value))
        elif key == "needs":
            needs += [n.strip() for n in _required(key, value).split(",") if n.strip()]
        else:
            values[key] = value
    folder = path.parent
    line = values.get("expect-error-line")
    if line is not None and "expect-error" not in values:
        raise ValueError("'# expect-error-line:' needs '# expect-error:'")
    file = values.get("file")
    if file is not None and not str(file).lower().endswith(_DATABASE_SUFFIXES):
        raise ValueError(f"'# file: {file}' is not a .sql, .sqlite or .db database")
    golden = values.get("expect-stdout")
    expect = values.get("expect")
    return Case(
        path,
        name,
        expect=None if expect is None else str(expect).replace("¶", "\n"),
        expect_error=_required("expect-error", str(values["expect-error"]))
        if "expect-error" in values
        else None,
        expect_error_line=_positive_int("expect-error-line", str(line)) if line is not None else None,
        golden=None if golden is None else folder / (str(golden) or path.with_suffix(".stdout").name),
        stderr=tuple(stderr),
        sql=tuple(sql),
        file=folder / _required("file", str(file)) if file is not None else None,
        param=None if "param" not in values else str(values["param"]),
        needs=tuple(needs),
        timeout=_timeout(str(values["timeout"])) if "timeout" in values else DEFAULT_TIMEOUT,
    )


def _required(key: str, value: str) -> str:
    if not value:
        raise ValueError(f"'# {key}:' needs a value")
    return value


def _positive_int(key: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"'# {key}: {value}' is not a line number")
    return int(value)


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError(f"'# timeout: {value}' is not a number of seconds")
    return seconds


def _sql_check(value: str) -> SqlCheck:
    query, arrow, rows_text = value.rpartition("=>")
    if not arrow or not query.strip():
        raise ValueError(f"'# expect-sql: {value}' must read QUERY => ROWS (JSON, e.g. [[27]])")
    try:
        rows = json.loads(rows_text)
    except ValueError:
        rows = None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ValueError(f"'# expect-sql:' rows must be a JSON list of lists, not {rows_text.strip()}")
    return SqlCheck(query.strip(), tuple(tuple(r) for r in rows))


def is_candidate(path: Path) -> bool:
    return path.suffix.lower() == SUFFIX


def discover(paths: Sequence[Path]) -> tuple[list[Case], list[str]]:
    """Every case under ``paths`` (folders walked in name order), and a problem line for each
    path that is missing or a file given by name that is not a case."""
    cases: list[Case] = []
    problems: list[str] = []
    for root in paths:
        if root.is_dir():
            cases += [c for c in map(read_case, _walk(root)) if c is not None]
        elif root.is_file():
            case = read_case(root)
            if case is None:
                problems.append(f"{root}: not a test case (no '# expect…' header line)")
            else:
                cases.append(case)
        else:
            problems.append(f"{root}: no such file or folder")
    unique = {case.path.resolve(): case for case in cases}  # a file named twice runs once
    return list(unique.values()), problems


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if is_candidate(path):
                yield path
