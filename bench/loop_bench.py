"""Interpreter benchmark: a 100,000-iteration Loop with Set Variable and a calc, against the same
loop in plain Python, reported as a ratio (goal ≤ 30×)."""

from __future__ import annotations

import io
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from fmscript.runtime.session import run_session
from fmscript.steps.state import RunOptions

N = 100_000
SCRIPT = f"""Set Variable [ $i ; Value: 0 ]
Set Variable [ $sum ; Value: 0 ]
Loop
  Set Variable [ $i ; Value: $i + 1 ]
  Set Variable [ $sum ; Value: $sum + $i * 2 ]
  Exit Loop If [ $i ≥ {N} ]
End Loop
Exit Script [ Text Result: $sum ]
"""


def python_loop() -> Decimal:
    i = Decimal(0)
    total = Decimal(0)
    while True:
        i = i + 1
        total = total + i * 2
        if i >= N:
            return total


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loop.fmscript"
        path.write_text(SCRIPT, encoding="utf-8")
        fm = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            code, result, _ = run_session(path, None, "", RunOptions(), io.StringIO(), sys.stderr)
            fm = min(fm, time.perf_counter() - start)
    assert code == 0 and str(result) == str(python_loop()), (code, result)
    py = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        python_loop()
        py = min(py, time.perf_counter() - start)
    print(f"loop: fmscript {fm:.2f} s, plain Python (Decimal) {py:.3f} s, ratio {fm / py:.1f}× (goal ≤ 30×)")
    return {"loop_ratio": fm / py}


if __name__ == "__main__":
    main()
