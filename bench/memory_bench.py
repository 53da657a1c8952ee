"""Memory of big inputs: ``fmscript check`` and ``fmscript run`` on a script whose one text constant
is 10 MB (issue 13: goal peak RSS ≤ 10 × the input size), on one of 1,000,000 escaped quotes (2 MB,
issue 22: the same goal) and on LINES ``Set Variable`` lines (issue 22: goal ≤ 1 KB per source line
above the baseline). Peak RSS is the child's ``ru_maxrss``; the baseline (a one-line script) is
printed too, since the interpreter itself takes ~30 MB. ``BENCH_LINES`` sets LINES (200,000)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZE = 10_000_000
LINES = int(os.environ.get("BENCH_LINES", "200000"))


def peak_rss(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS in bytes, seconds) of one child process, measured in a fresh wrapper process so
    that RUSAGE_CHILDREN holds this child only."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        f"subprocess.run({cmd!r}, check=False, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]) * 1024, float(out[1])  # ru_maxrss is in KiB on Linux


def main() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.fmscript"
        small.write_text('Exit Script [ Text Result: "x" ]\n', encoding="utf-8")
        big = Path(tmp) / "big.fmscript"
        big.write_text(
            f'Set Variable [ $x ; Value: "{"a" * SIZE}" ]\nExit Script [ Text Result: Length ( $x ) ]\n',
            encoding="utf-8",
        )
        size = big.stat().st_size
        env_python = [sys.executable, "-m", "fmscript"]
        base, _ = peak_rss([*env_python, "check", str(small)])
        for command in ("check", "run"):
            rss, seconds = peak_rss([*env_python, command, str(big)])
            ratio = rss / size
            figures[f"{command}_10mb_rss_ratio"] = ratio
            print(
                f"memory: fmscript {command} on a 10 MB text constant: peak RSS {rss / 1e6:.0f} MB = "
                f"{ratio:.1f} × input ({(rss - base) / size:.1f} × above the {base / 1e6:.0f} MB baseline), "
                f"{seconds:.1f} s (goal ≤ 10 ×)"
            )
        quotes = Path(tmp) / "quotes.fmscript"
        quotes.write_text(
            'Set Variable [ $x ; Value: "'
            + '\\"' * 1_000_000
            + '" ]\nExit Script [ Text Result: Length ( $x ) ]\n',
            encoding="utf-8",
        )
        size = quotes.stat().st_size
        for command in ("check", "run"):
            rss, seconds = peak_rss([*env_python, command, str(quotes)])
            figures[f"{command}_quotes_above_ratio"] = (rss - base) / size
            print(
                f"memory: fmscript {command} on 1,000,000 escaped quotes ({size / 1e6:.0f} MB): peak RSS "
                f"{rss / 1e6:.0f} MB, {(rss - base) / size:.1f} × input above the baseline, {seconds:.1f} s "
                "(goal ≤ 10 ×)"
            )
        lines = Path(tmp) / "lines.fmscript"
        lines.write_text(
            "".join(f"Set Variable [ $v{i} ; Value: {i} ]\n" for i in range(LINES)), encoding="utf-8"
        )
        size = lines.stat().st_size
        for command in ("check", "run"):
            rss, seconds = peak_rss([*env_python, command, str(lines)])
            figures[f"{command}_bytes_per_line"] = (rss - base) / LINES
            print(
                f"memory: fmscript {command} on {LINES:,} Set Variable lines ({size / 1e6:.0f} MB): peak RSS "
                f"{rss / 1e6:.0f} MB, {(rss - base) / LINES:.0f} bytes per line above the baseline, "
                f"{(rss - base) / size:.1f} × the file, {seconds:.1f} s (goal ≤ 1,000 bytes per line)"
            )
    return figures


if __name__ == "__main__":
    os.environ.setdefault("FMSCRIPT_HOME", tempfile.mkdtemp())
    start = time.perf_counter()
    main()
