"""Start-up of ``fmscript repl`` on a terminal: time to its first prompt vs ``python -c pass``
(goal ≤ 300 ms more). The REPL runs in a pseudo-terminal with the sample ``.sql`` file; the clock
stops when ``fm> `` has been drawn. Best of N runs."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_to_prompt(cmd: list[str], env: dict[str, str], marker: bytes = b"fm>", limit: float = 20.0) -> float:
    master, slave = pty.openpty()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > limit:
                raise RuntimeError(f"no prompt after {limit} s: {seen[-300:]!r}")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def best(fn: object, runs: int) -> float:
    return min(fn() for _ in range(runs))  # type: ignore[operator]


def main(runs: int = 7) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, FMSCRIPT_HOME=home, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
        base = best(lambda: _run([sys.executable, "-c", "pass"], env), runs)
        cmd = [sys.executable, "-m", "fmscript", "repl", "--file", str(ROOT / "samples" / "support_qa.sql")]
        repl = best(lambda: time_to_prompt(cmd, env), runs)
    extra = (repl - base) * 1000
    print(
        f"repl startup: python -c pass {base * 1000:.0f} ms, first prompt {repl * 1000:.0f} ms, "
        f"+{extra:.0f} ms (goal ≤ 300 ms)"
    )
    return {"repl_startup_extra_ms": extra}


def _run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
