"""A run context over a real file for calc conformance cases that need one (``"db"`` in a case).

``"db"``: an SQL file in ``tests/conformance/calc/_files/``, loaded into ``<stem>.sqlite`` in a
temporary folder (so ``Get ( FileName )`` and the design functions see the name ``<stem>``);
``"layout"``: the layout to go to (default: the first); ``"sort"``: ``[["Field", true], …]``
(ascending when true); ``"record"``: the record number to make current. Sibling ``.fmscript``
files of ``_files/`` are the scripts ScriptNames lists.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

from fmscript.data.sqlite_file import FMFile
from fmscript.runtime.session import run_info
from fmscript.steps.state import StepContext

FILES = Path(__file__).resolve().parent / "calc" / "_files"


def file_context(case: dict[str, Any], tmp: Path) -> StepContext:
    sql = FILES / case["db"]
    db = tmp / (sql.stem + ".sqlite")
    con = sqlite3.connect(db)
    con.executescript(sql.read_text(encoding="utf-8"))
    con.close()
    file = FMFile.open(db)
    ctx = StepContext(file, FILES, out=io.StringIO(), err=io.StringIO(), info=run_info)
    ctx.data.layout = case.get("layout") or file.layouts()[0]
    fs = ctx.data.found_set()
    if case.get("sort"):
        fs.sort(file, [(name, bool(asc)) for name, asc in case["sort"]])
    if case.get("record"):
        fs.goto(int(case["record"]))
    return ctx
