"""What ``fmscript test`` prints: failure lines and a summary, a JSON report, JUnit XML."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import PurePosixPath

from fmscript.cli.testing.runner import Result


def counts(results: Sequence[Result]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in ("passed", "failed", "skipped")}


def summary(results: Sequence[Result], seconds: float) -> str:
    c = counts(results)
    return f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped in {seconds:.2f}s"


def text_lines(results: Sequence[Result]) -> list[str]:
    """One line per failure (expected vs got) with its details indented below; one per skip."""
    lines = []
    for r in results:
        if r.status == "failed":
            lines.append(f"FAILED {r.id}: {r.message}")
            if r.details:
                lines.append(textwrap.indent(r.details, "    ", lambda _line: True))
        elif r.status == "skipped":
            lines.append(f"SKIPPED {r.id}: {r.message}")
    return lines


def json_report(results: Sequence[Result], seconds: float) -> str:
    cases = [
        {
            "id": r.id,
            "status": r.status,
            "message": r.message,
            "details": r.details,
            "seconds": round(r.duration, 4),
        }
        for r in results
    ]
    return json.dumps(
        {**counts(results), "seconds": round(seconds, 3), "cases": cases}, ensure_ascii=False, indent=2
    )


# Characters XML 1.0 cannot hold (a script may print any of them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def junit_xml(results: Sequence[Result], seconds: float) -> bytes:
    """One <testsuite> with a <testcase> per case (classname: its folder, name: its file)."""
    c = counts(results)
    suite = ET.Element(
        "testsuite",
        name="fmscript",
        tests=str(len(results)),
        failures=str(c["failed"]),
        errors="0",
        skipped=str(c["skipped"]),
        time=f"{seconds:.3f}",
    )
    for r in results:
        path = PurePosixPath(r.id)
        case = ET.SubElement(
            suite,
            "testcase",
            classname=".".join(path.parent.parts) or ".",
            name=path.name,
            file=r.id,
            time=f"{r.duration:.3f}",
        )
        if r.status == "failed":
            failure = ET.SubElement(case, "failure", message=_clean(r.message))
            failure.text = _clean("\n".join(part for part in (r.message, r.details) if part))
            if r.stdout or r.stderr:
                ET.SubElement(case, "system-out").text = _clean(r.stdout)
                ET.SubElement(case, "system-err").text = _clean(r.stderr)
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=_clean(r.message))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
