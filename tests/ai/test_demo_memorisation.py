"""The demo model learns any short answer at the sample's parameters (issue 20 item 10).

Four of ``bench/demo_memorisation.py``'s twenty answers — repeated words, digits and brackets,
Japanese, Chinese — each fine-tuned alone (12 copies, 200 steps, learning rate 0.01, batch 4, 4
LoRA layers) and asked back greedily. Before the demo's sharpened initialisation all four came back
garbled ("B.", "Port 80 (HTP) and 8 (HTP)…", "返品は14日以�は14日…", "退货须在14天�。"); the whole
bench is 20/20 now (bench/README.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parents[2] / "bench" / "demo_memorisation.py"
HARD_CASES = (5, 7, 8, 14)


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_memorisation", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_reproduces_hard_answers_in_en_ja_zh(demo_home: Path, tmp_path: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    bench = _bench()
    with LocalFineTuning(demo_home) as service:
        replies = {i: bench.memorise(service, "demo", i, tmp_path) for i in HARD_CASES}
    missed = {
        i: (bench.CASES[i][1], reply)
        for i, reply in replies.items()
        if not reply.startswith(bench.CASES[i][1])
    }
    assert not missed, missed
