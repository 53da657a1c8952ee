"""Start-up of ``fmscript repl`` on a terminal: time to its first prompt vs ``python -c pass``
(goal ≤ 300 ms more). The REPL runs in a pseudo-terminal with the sample ``.sql`` file; the clock
stops when the prompt ``fm>`` has been drawn. Best of N runs, wall clock and the CPU time the
process used until then (the CPU figure hardly moves when the machine is busy; the wall one does)."""

from __future__ import annotations

import os
import pty
import resource
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_to_prompt(
    cmd: list[str], env: dict[str, str], marker: bytes = b"fm>", limit: float = 20.0
) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from start to the prompt drawn on the terminal."""
    master, slave = pty.openpty()
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > limit:
                raise RuntimeError(f"no prompt after {limit} s: {seen[-300:]!r}")
            ready, _, _ = select.select([master], [], [], 0.005)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        wall = time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return wall, _children_cpu() - cpu0


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    cpu0 = _children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start, _children_cpu() - cpu0


def best(fn: Callable[[], tuple[float, float]], runs: int) -> tuple[float, float]:
    results = [fn() for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def main(runs: int = 9) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, FMSCRIPT_HOME=home, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with .pyc files, as a user's Python has them
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-m", "fmscript", "repl", "--file", str(ROOT / "samples" / "support_qa.sql")]
        time_to_prompt(cmd, env)  # warm the file cache and .pyc files
        base_wall, base_cpu = best(lambda: _run([sys.executable, "-c", "pass"], env), runs)
        repl_wall, repl_cpu = best(lambda: time_to_prompt(cmd, env), runs)
    extra = (repl_wall - base_wall) * 1000
    extra_cpu = (repl_cpu - base_cpu) * 1000
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"repl startup to first prompt: python -c pass {base_wall * 1000:.0f} ms, repl {repl_wall * 1000:.0f} ms, "
        f"+{extra:.0f} ms wall (goal ≤ 300 ms); CPU +{extra_cpu:.0f} ms; load average {load:.1f} "
        f"on {os.cpu_count()} CPUs (best of {runs})"
    )
    return {"repl_startup_extra_ms": extra, "repl_startup_extra_cpu_ms": extra_cpu}


if __name__ == "__main__":
    main()
