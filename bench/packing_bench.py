"""Sequence packing: CPU seconds for one epoch of mixed-length chat data, packed vs padded batches.

The data mix short answers with a few long ones (as a FileMaker table of Q/A records often does):
padded batches of the length-class batcher already pad little, packing then also puts several
short examples in one row. Both runs train the demo model through the Local provider's real job
path (``n_epochs`` 1, batch 4, same data and seed); the figure is the ratio of CPU times
(``time.process_time``, best of ``--repeats``), so a loaded machine skews it little.

    python bench/packing_bench.py [--examples 240] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def _data(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        long = i % 10 == 0  # one in ten answers is a paragraph
        answer = (
            (f"Step {i}: restart the server, clear the cache and sign in again. " * 6)
            if long
            else f"Answer {i}."
        )
        row = {
            "messages": [
                {"role": "user", "content": f"Question {i}?"},
                {"role": "assistant", "content": answer},
            ]
        }
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def _epoch(home: Path, data: Path, packing: bool, name: str) -> tuple[float, int]:
    from fmscript.ai.service import LocalFineTuning

    params = {"n_epochs": 1, "batch_size": 4, "pack_sequences": packing, "fine_tuned_model_name": name}
    with LocalFineTuning(home) as service:
        service.submit("demo", data, data.name, params)
        started = time.process_time()
        [job] = service.run_queued()
        seconds = time.process_time() - started
    assert job.status == "succeeded" and job.result is not None, job.error
    return seconds, int(job.result.steps or 0)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.jobs import open_store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["FMSCRIPT_HOME"] = str(root / "home")
        store = open_store(root / "home")
        store.models.add_base("demo", create_demo_model(root / "demo", seed=0))
        store.close()
        data = _data(root / "mixed.jsonl", args.examples)
        best: dict[bool, tuple[float, int]] = {}
        for run in range(args.repeats):
            for packing in (False, True):  # alternated: both see the same machine load
                seconds, steps = _epoch(root / "home", data, packing, f"p{int(packing)}-{run}")
                if packing not in best or seconds < best[packing][0]:
                    best[packing] = (seconds, steps)
    padded, packed = best[False], best[True]
    ratio = packed[0] / padded[0]
    print(f"one epoch of {args.examples} mixed-length examples, batch 4 (CPU s, best of {args.repeats}):")
    print(f"  padded batches: {padded[0]:.2f} s in {padded[1]} steps")
    print(f"  packed rows:    {packed[0]:.2f} s in {packed[1]} steps")
    print(f"  packed / padded: {ratio:.2f}x the time ({1 / ratio:.2f}x the speed)")
    return {"packing_ratio": ratio, "padded_s": padded[0], "packed_s": packed[0]}


if __name__ == "__main__":
    main()
