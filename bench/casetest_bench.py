"""``fmscript test`` on 1,000 small cases vs one ``fmscript run`` process per case (goal ≥ 4×).

Both sides do the same job with the same parallelism (``-j`` = the CPU count): run each case
against its ``.sql`` database with a warm compiled-script cache and compare the last line of stdout
with the case's ``# expect:``. The yardstick is what a CI script without ``fmscript test`` would do
(``for case in …: fmscript run "$case" --file data.sql``), started ``-j`` at a time. We report
wall time and CPU time (user + sys of every process involved, from ``os.wait4``); on a shared,
loaded machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = """CREATE TABLE "Items" ("Name" TEXT, "Price" NUMBER);
INSERT INTO "Items" VALUES ('Paper', 4.5), ('Toner', 62), ('Pens', 1.2), ('Stapler', 8.25);
"""


def make_cases(folder: Path, count: int) -> list[tuple[Path, str]]:
    (folder / "data.sql").write_text(DATA, encoding="utf-8")
    cases = []
    for i in range(count):
        expected = f"{i}: 4 {i * 3}"
        text = (
            f"# expect: {expected}\n# file: data.sql\n"
            'Go to Layout [ "Items" ]\n'
            f"Set Variable [ $n ; Value: {i} ]\n"
            "Set Variable [ $sum ; Value: 0 ]\n"
            "Set Variable [ $i ; Value: 0 ]\n"
            "Loop\n"
            "  Set Variable [ $i ; Value: $i + 1 ]\n"
            "  Set Variable [ $sum ; Value: $sum + $n ]\n"
            "  Exit Loop If [ $i ≥ 3 ]\n"
            "End Loop\n"
            'Exit Script [ Text Result: $n & ": " & Get ( FoundCount ) & " " & $sum ]\n'
        )
        path = folder / f"case_{i:04d}.fmscript"
        path.write_text(text, encoding="utf-8")
        cases.append((path, expected))
    return cases


def fmscript_cmd() -> list[str]:
    entry = Path(sys.executable).with_name("fmscript")
    return [sys.executable, *([str(entry)] if entry.is_file() else ["-m", "fmscript"])]


def per_process(
    cases: list[tuple[Path, str]], data: Path, jobs: int, env: dict[str, str]
) -> tuple[float, float]:
    """One ``fmscript run`` per case, ``jobs`` at a time; (wall s, CPU s). Fails on a wrong result."""
    start = time.perf_counter()
    cpu = 0.0
    running: dict[int, tuple[subprocess.Popen[bytes], str]] = {}
    queue = list(cases)
    while queue or running:
        while queue and len(running) < jobs:
            path, expected = queue.pop(0)
            cmd = [*fmscript_cmd(), "run", str(path), "--file", str(data), "--no-wait", "--no-progress"]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
            running[proc.pid] = (proc, expected)
        pid, _status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        proc, expected = running.pop(pid)
        cpu += usage.ru_utime + usage.ru_stime
        out = proc.stdout.read().decode() if proc.stdout else ""
        if out.rstrip("\n").split("\n")[-1] != expected:
            raise SystemExit(f"fmscript run gave {out!r}, expected {expected!r}")
    return time.perf_counter() - start, cpu


def with_fmscript_test(
    folder: Path, jobs: int, env: dict[str, str]
) -> tuple[float, float, dict[str, object]]:
    start = time.perf_counter()
    cmd = [*fmscript_cmd(), "test", str(folder), "-j", str(jobs), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)  # includes the workers it waited for
    wall = time.perf_counter() - start
    report = json.loads(out)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"fmscript test failed: {report}")
    return wall, usage.ru_utime + usage.ru_stime, report


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cases"
        folder.mkdir()
        cases = make_cases(folder, args.cases)
        env = dict(os.environ, FMSCRIPT_HOME=str(Path(tmp) / "home"), FMSCRIPT_CACHE=str(Path(tmp) / "cache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user's Python: .pyc files kept
        with_fmscript_test(folder, args.jobs, env)  # fills the compiled-script cache for both sides
        test_wall, test_cpu, report = with_fmscript_test(folder, args.jobs, env)
        assert report["passed"] == args.cases, report
        run_wall, run_cpu = per_process(cases, folder / "data.sql", args.jobs, env)
    n = args.cases
    print(
        f"casetest: {n} cases, -j {args.jobs}: fmscript test {test_wall:.1f} s wall / {test_cpu:.1f} s CPU "
        f"({test_wall / n * 1000:.1f} ms/case); one fmscript run per case {run_wall:.1f} s / {run_cpu:.1f} s CPU "
        f"({run_wall / n * 1000:.1f} ms/case); {run_wall / test_wall:.1f}× wall, {run_cpu / test_cpu:.1f}× CPU "
        "(goal ≥ 4×)"
    )
    return {
        "casetest_speedup": run_wall / test_wall,
        "casetest_speedup_cpu": run_cpu / test_cpu,
        "casetest_ms_per_case": test_wall / n * 1000,
        "casetest_run_ms_per_case": run_wall / n * 1000,
    }


if __name__ == "__main__":
    main()
