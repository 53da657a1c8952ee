"""The errors a run reported, read back from its stderr.

``fmscript run`` reports an uncaptured error as ``file:line:col: error NNN (meaning): detail`` and a
syntax error as ``file:line:col: Kind: message``, each followed by the source line and a caret line;
a bad ``--file`` or a bug is one ``error: …`` / ``internal error: …`` line.
"""

from __future__ import annotations

import re

import attrs

_HEAD = re.compile(
    r"(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?:error (?P<code>\d+)\b|(?P<kind>[A-Za-z]\w*):)"
)
_CARET = re.compile(r"\s*\^+\s*\Z")


@attrs.frozen
class Reported:
    code: str  # "401", a kind ("UnknownStep", "CalcSyntaxError"), or "error" for an unpositioned line
    head: str  # the first line of the report
    block: str  # the report with its source and caret lines
    text: str = ""  # what follows the code or kind
    file: str = ""
    line: int | None = None
    column: int | None = None


def parse_errors(stderr: str) -> list[Reported]:
    """Every error report on ``stderr``, in order. Other lines that mention an error (a failed
    fine-tuning job) count as unpositioned reports; status lines ("… left queued") do not."""
    lines = stderr.splitlines()
    found: list[Reported] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _HEAD.match(line)
        if match:
            span = 3 if i + 2 < len(lines) and _CARET.match(lines[i + 2]) else 1
            block = "\n".join(lines[i : i + span])
            code = match["code"] or match["kind"]
            text = line[match.end() :].strip()
            found.append(
                Reported(code, line, block, text, match["file"], int(match["line"]), int(match["col"]))
            )
            i += span
            continue
        if "error" in line.lower():
            found.append(Reported("error", line, line))
        i += 1
    return found


def describe(report: Reported) -> str:
    """``error 102 at main.fmscript:3:39 (field is missing)``-style words for one report."""
    if report.line is None:
        return repr(report.head)
    name = report.file.replace("\\", "/").rsplit("/", 1)[-1]
    what = f"error {report.code}" if report.code.isdigit() else report.code
    return f"{what} at {name}:{report.line}:{report.column}" + (f" {report.text}" if report.text else "")


def unexpected(
    reported: list[Reported], code: str, line: int | None, texts: tuple[str, ...]
) -> list[Reported]:
    """The reports that neither ``# expect-error`` (code and line) nor an ``# expect-stderr`` text
    accounts for: a case that expects one error fails when the run reports another."""
    return [
        r
        for r in reported
        if not (r.code == code and (line is None or r.line == line)) and not any(t in r.head for t in texts)
    ]
