"""Streaming JSONL export: ``Save Records as JSONL`` of 100,000 records vs a plain ``sqlite3`` +
``json.dumps`` loop writing the identical bytes (goals: ≤ 1.5× its time, ≤ 40 MB peak memory).

Each side runs in its own fresh process (``python bench/export_bench.py --side fm|plain DB OUT``),
which reports its CPU time around the export and its peak resident memory (VmHWM).
"""

from __future__ import annotations

import hashlib
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 100_000
SYSTEM = "You are a helpful assistant. Answer the user's request using the record data provided."
SCRIPT = """Go to Layout [ "Support QA" ]
Save Records as JSONL [ With dialog: Off ; Format for fine-tuning: Off ; Table: "Support QA" ; Specify output file: "file:{out}" ; Completion Field: Support QA::Answer ]
"""


def make_db(path: Path, n: int = N) -> None:
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "Support QA" ("Question" TEXT, "Answer" TEXT, "Category" TEXT)')
    conn.executemany(
        'INSERT INTO "Support QA" VALUES (?, ?, ?)',
        (
            (
                f"How do I fix problem number {i} with my “account”?",
                f"Answer {i}: go to Settings > Help.",
                f"C{i % 7}",
            )
            for i in range(n)
        ),
    )
    conn.commit()
    conn.close()


def plain(db: Path, out: Path) -> None:
    """The yardstick: one SELECT, one json.dumps per row, the same bytes as fmscript writes."""
    conn = sqlite3.connect(db)
    with out.open("w", encoding="utf-8") as f:
        for q, a, c in conn.execute(
            'SELECT "Question", "Answer", "Category" FROM "Support QA" ORDER BY rowid'
        ):
            msgs = [
                {"content": SYSTEM, "role": "system"},
                {"content": f"Question={q or ''}, Category={c or ''}", "role": "user"},
                {"content": a or "", "role": "assistant"},
            ]
            f.write(json.dumps({"messages": msgs}, ensure_ascii=False, separators=(",", ":")) + "\n")
    conn.close()


def fm_export(db: Path, out: Path) -> None:
    import io

    from fmscript.runtime.session import run_session
    from fmscript.settings import Settings
    from fmscript.steps.state import RunOptions

    script = out.with_suffix(".fmscript")
    script.write_text(SCRIPT.format(out=out), encoding="utf-8")
    code, _result, _ = run_session(
        script, db, "", RunOptions(settings=Settings.from_env()), io.StringIO(), sys.stderr
    )
    assert code == 0, code


def peak_mb() -> float:
    """This process image's peak resident memory (VmHWM; ru_maxrss survives exec, so it would count
    the parent's too)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def side(which: str, db: Path, out: Path) -> None:
    if which == "fm":
        import fmscript.runtime.session  # noqa: F401  (imports are not the export's time)
    start = time.process_time()  # CPU time: steadier than wall time on a shared machine
    (fm_export if which == "fm" else plain)(db, out)
    seconds = time.process_time() - start
    peak = peak_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


def run_side(which: str, db: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--side", which, str(db), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(runs: int = 3) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "qa.sqlite"
        make_db(db)
        best: dict[str, dict[str, float]] = {}
        for _ in range(runs):  # alternate the sides so both see the same machine load
            for which in ("plain", "fm"):
                got = run_side(which, db, Path(tmp) / f"{which}.jsonl")
                if which not in best or got["seconds"] < best[which]["seconds"]:
                    best[which] = {**got, "peak_mb": max(got["peak_mb"], best.get(which, got)["peak_mb"])}
        digests = {w: hashlib.sha256((Path(tmp) / f"{w}.jsonl").read_bytes()).hexdigest() for w in best}
    assert digests["fm"] == digests["plain"], "fmscript and the plain loop wrote different bytes"
    ratio = best["fm"]["seconds"] / best["plain"]["seconds"]
    print(
        f"export: 100k records, fmscript {best['fm']['seconds']:.2f} s / {best['fm']['peak_mb']:.0f} MB peak, "
        f"plain sqlite3+json.dumps {best['plain']['seconds']:.2f} s / {best['plain']['peak_mb']:.0f} MB; "
        f"ratio {ratio:.2f}× (goal ≤ 1.5×, peak ≤ 40 MB)"
    )
    return {
        "export_ratio": ratio,
        "export_peak_mb": best["fm"]["peak_mb"],
        "plain_peak_mb": best["plain"]["peak_mb"],
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--side":
        side(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
