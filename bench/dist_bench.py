"""Data-parallel training (issue 21 item 4): the same job trained by ``fmscript worker`` with one
rank and with ``--ranks-per-host 2`` (mlx.distributed's ring backend over loopback) on this machine.

A demo llama (hidden HIDDEN, 4 layers, built here; nothing is downloaded), the 60 chat examples of
bench/train_bench.py, STEPS steps of batch BATCH (each of two ranks takes half of every batch). The
figures, from the model card and the worker's wall time: milliseconds per training step (the
card's ``train_seconds`` / steps: the steps alone, gradient averaging included), tokens/s, and the
whole job (worker start to exit: process start, model load, training, the card) in wall time and
in CPU time of the worker and its ranks. Runs alternate
1, 2, 1, 2 … ``python bench/dist_bench.py [--runs 2] [--steps 40] [--batch 8] [--hidden 256]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.train_bench import make_examples, write_jsonl  # noqa: E402
from tests.processes import run  # noqa: E402 (kills the whole group on every path)


def _children_cpu() -> float:
    """CPU seconds (user + system) of every ended child process (the worker and its ranks)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train_once(home: Path, data: Path, ranks: int, args: argparse.Namespace, index: int) -> dict[str, float]:
    """Queue one job in ``home`` and let a worker with ``ranks`` ranks train it; its figures."""
    from fmscript.ai.service import LocalFineTuning

    with LocalFineTuning(home) as service:
        params = {
            "max_steps": args.steps,
            "batch_size": args.batch,
            "fine_tuned_model_name": f"d{ranks}-{index}",
        }
        job = service.submit("bench", data, "bench.jsonl", params)
        service.release([job["id"]])
    env = {**os.environ, "FMSCRIPT_HOME": str(home), "FMSCRIPT_PROGRESS": "0"}
    argv = [sys.executable, "-m", "fmscript", "worker", "--poll", "0.1", "--max-jobs", "1"]
    started, cpu = time.monotonic(), _children_cpu()
    done = run(
        [*argv, "--ranks-per-host", str(ranks)],
        timeout=900,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode()[-2000:])
    card = json.loads((home / "models" / f"fm-mlx-d{ranks}-{index}" / "card.json").read_text())
    assert card["world_size"] == ranks, card
    return {
        "step_ms": 1000 * card["train_seconds"] / card["steps"],
        "tokens_per_second": card["tokens_per_second"],
        "job_seconds": wall,
        "job_cpu_seconds": cpu,
        "final_train_loss": card["final_train_loss"],
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=256)
    args = parser.parse_args(argv)
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.jobs import open_store

    with tempfile.TemporaryDirectory(prefix="fmscript-dist-bench-") as tmp:
        home = Path(tmp) / "home"
        model = create_demo_model(
            home / "base-models" / "bench", seed=0, hidden_size=args.hidden, num_layers=4
        )
        store = open_store(home)
        store.models.add_base("bench", model)
        store.close()
        data = write_jsonl(Path(tmp) / "bench.jsonl", make_examples(60))
        runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for index in range(args.runs):
            for ranks in (1, 2):
                runs[ranks].append(train_once(home, data, ranks, args, index))
                print(f"run {index + 1}, {ranks} rank(s): {runs[ranks][-1]}", flush=True)
    median = {r: {k: statistics.median(x[k] for x in runs[r]) for k in runs[r][0]} for r in runs}
    result = {
        "step_ms_1": median[1]["step_ms"],
        "step_ms_2": median[2]["step_ms"],
        "step_ratio": median[2]["step_ms"] / median[1]["step_ms"],
        "tokens_per_second_1": median[1]["tokens_per_second"],
        "tokens_per_second_2": median[2]["tokens_per_second"],
        "job_seconds_1": median[1]["job_seconds"],
        "job_seconds_2": median[2]["job_seconds"],
        "job_ratio": median[2]["job_seconds"] / median[1]["job_seconds"],
        "job_cpu_seconds_1": median[1]["job_cpu_seconds"],
        "job_cpu_seconds_2": median[2]["job_cpu_seconds"],
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
