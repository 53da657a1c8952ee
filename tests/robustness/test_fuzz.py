"""The fuzz harness in CI (issue 22): a bounded number of mutated samples and conformance scripts,
fixed seed, through ``fmscript check`` and ``fmscript run`` with a time limit per command. Any
traceback, internal error, Python class name or hang fails the test with the case that caused it.
``FMSCRIPT_FUZZ_CASES`` / ``FMSCRIPT_FUZZ_SEED`` run more (``python -m tests.robustness.fuzz``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import processes

ROOT = Path(__file__).resolve().parents[2]
CASES = int(os.environ.get("FMSCRIPT_FUZZ_CASES", "150"))
SEED = int(os.environ.get("FMSCRIPT_FUZZ_SEED", "22"))


def test_fuzzed_scripts_never_crash_or_hang() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = processes.run(
        [sys.executable, "-m", "tests.robustness.fuzz", "--cases", str(CASES), "--seed", str(SEED)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=max(600, CASES * 4),
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    summary = lines[-1] if lines else {}
    assert summary.get("cases") == CASES, proc.stderr[-3000:]
    found = [line for line in lines if "problem" in line]
    assert not found, "\n\n".join(
        f"case {f['case']} (seed {f['seed']}, from {f['from']}): fmscript {f['command']}: {f['problem']}\n"
        f"--- output:\n{f['output']}\n--- script:\n{f['script']}"
        for f in found[:5]
    )


def test_the_mutations_are_fixed_by_the_seed() -> None:
    import random

    from tests.robustness.fuzz import SEEDS, mutate

    text = SEEDS[0].read_text(encoding="utf-8")
    first = [mutate(text, random.Random(3)) for _ in range(3)]
    assert first == [mutate(text, random.Random(3)) for _ in range(3)]
    assert len(SEEDS) > 20  # samples and conformance scripts
