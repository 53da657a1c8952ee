"""Run every benchmark (``python bench/run_all.py``); each also runs on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
for name in (
    "parse_bench.py",
    "calc_bench.py",
    "loop_bench.py",
    "startup_bench.py",
    "memory_bench.py",
    "repl_bench.py",
    "train_bench.py",
    "server_bench.py",
):
    if (HERE / name).exists():
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, str(HERE / name)], check=False)
