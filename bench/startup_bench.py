"""Start-up cost: ``fmscript run`` of a trivial script vs ``python -c pass`` (goal ≤ 150 ms more)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def best(cmd: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "hello.fmscript"
        script.write_text('Exit Script [ Text Result: "hello" ]\n', encoding="utf-8")
        base = best([sys.executable, "-c", "pass"])
        run = best([sys.executable, "-m", "fmscript", "run", str(script)])
    extra = (run - base) * 1000
    print(
        f"startup: python -c pass {base * 1000:.0f} ms, fmscript run {run * 1000:.0f} ms, +{extra:.0f} ms (goal ≤ 150 ms)"
    )
    return {"startup_extra_ms": extra}


if __name__ == "__main__":
    main()
