"""Shared timing helper for the benchmarks: the best of N runs, in CPU time of this process.

The benchmark machine is shared (2 cores, several people running test suites): wall time then
includes waiting for a core, CPU time mostly does not. Ratios compare two CPU times measured in
the same run."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best
