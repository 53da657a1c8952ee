"""Real-size LoRA: a model with Qwen2.5-0.5B-Instruct's exact shapes (random weights, bf16 or 4-bit),
fmscript's Local training vs ``mlx_lm lora`` on the same data and parameters.

Each side runs in its own process (``--side``): fmscript through ``LocalFineTuning`` (submit +
train, as Fine-Tune Model does), mlx-lm through its CLI with the same LoRA (rank, scale, modules —
the family's all-linear choice), the prompt masked, 8 adapted layers, batch 1. Reported: the whole
job's wall time, seconds per step (the training loop only), and each tool's own peak resident
memory: the high-water mark (``VmHWM`` in ``/proc/<pid>/status``) of the one process that trains —
the fmscript side's process, and the ``mlx_lm lora`` process itself (run through a two-line wrapper
that reads its own mark as it exits). Not ``ru_maxrss``: on Linux a child started by fork + exec
inherits its parent's figure, so every process here reported the driver's 1.69 GB (the driver holds
the model it just built). ``python bench/real_size_bench.py [--steps 4] [--quant bf16|4bit]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
QWEN25_05B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
    "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "max_position_embeddings": 32768,
    "max_window_layers": 21, "sliding_window": 32768, "use_sliding_window": False, "tie_word_embeddings": True,
    "vocab_size": 151936, "torch_dtype": "bfloat16",
}  # fmt: skip
ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+[▼▲]\s+([\d,]+)\s+")  # mlx-lm's table rows (train_bench.py)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Runs ``python -m mlx_lm ARGS`` in this process, then prints its own peak resident memory.
MLX_LM_WRAPPER = (
    "import sys; from mlx_lm import cli\n"
    "try:\n    cli.main()\n"
    "finally:\n    print('peak-rss-kb', __import__('real_size_bench').peak_rss_kb(), flush=True)\n"
)
PEAK_LINE = re.compile(r"^peak-rss-kb (\d+)$")
QA = [
    ("What is the return policy?", "Returns are accepted within 14 days."),
    ("When do you open?", "We open at 9 am every weekday."),
    ("How long is shipping?", "Shipping takes 3 to 5 business days."),
    ("What is the warranty?", "Every product has a two-year warranty."),
]


def _data(folder: Path, n: int = 20) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
        for q, a in (QA * n)[:n]
    ]
    for name in ("train", "valid"):
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder / "train.jsonl"


def peak_rss_kb() -> int:
    """This process's peak resident memory in kB: ``VmHWM`` (Linux; reset by exec, so it is this
    program's own), else ``ru_maxrss`` (kB on Linux, bytes on macOS)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]


def side_fmscript(model: Path, data: Path, home: Path, steps: int) -> dict[str, float]:
    from fmscript.ai.service import LocalFineTuning
    from fmscript.settings import Settings

    service = LocalFineTuning(home, Settings(home_override=home, progress=False))
    service.store.models.add_base("qwen-shapes", model)
    params = {
        "max_steps": steps,
        "batch_size": 1,
        "lora_layers": 8,
        "learning_rate": 1e-4,
        "fine_tuned_model_name": "b",
    }
    start = time.perf_counter()
    service.submit("qwen-shapes", data, "train.jsonl", params)
    (job,) = service.run_queued()
    if job.status != "succeeded" or job.result is None:
        raise SystemExit(f"fmscript failed: {job.error}")
    return {
        "job_seconds": time.perf_counter() - start,
        "step_seconds": (job.result.loop_seconds or 0) / steps,
        "peak_gb": peak_rss_kb() * 1024 / 1e9,
    }


def side_mlx_lm(model: Path, data: Path, home: Path, steps: int) -> dict[str, float]:
    import yaml

    from fmscript.ai.engines.mlx_local import lora_parameters

    config = home / "lora.yaml"
    home.mkdir(parents=True, exist_ok=True)
    config.write_text(yaml.safe_dump({"lora_parameters": lora_parameters(model)}), "utf-8")
    command = [
        sys.executable, "-c", MLX_LM_WRAPPER, "lora", "--model", str(model), "--train", "--data", str(data.parent),
        "--iters", str(steps), "--batch-size", "1", "--num-layers", "8", "--learning-rate", "1e-4",
        "--mask-prompt", "--steps-per-report", "1", "--steps-per-eval", str(steps), "--val-batches", "1",
        "--adapter-path", str(home / "adapters"), "--config", str(config),
    ]  # fmt: skip
    start = time.perf_counter()
    rows: list[float] = []
    header, peak_kb = start, 0
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for raw in proc.stdout:  # type: ignore[union-attr]
        line = ANSI.sub("", raw)
        if found := PEAK_LINE.match(line.strip()):
            peak_kb = int(found.group(1))
        if "train_loss" in line and "tok/s" in line:
            header = time.perf_counter()  # the table header: the loop starts
        if ROW.match(line):
            rows.append(time.perf_counter())  # a row per step (--steps-per-report 1)
    if proc.wait() or not rows or not peak_kb:
        raise SystemExit("mlx_lm lora failed")
    total = time.perf_counter() - start
    return {
        "job_seconds": total,
        "step_seconds": (rows[-1] - header) / steps,
        "peak_gb": peak_kb * 1024 / 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--quant", choices=["bf16", "4bit"], default="bf16")
    parser.add_argument("--side", choices=["fmscript", "mlx_lm"])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.side:
        run = side_fmscript if args.side == "fmscript" else side_mlx_lm
        result = run(args.model, args.work / "data" / "train.jsonl", args.work / args.side, args.steps)
        print(json.dumps(result))
        return
    from fmscript.ai.families import create_tiny_model

    with tempfile.TemporaryDirectory(prefix="fmscript-realsize-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        model = create_tiny_model(
            work / "model",
            "qwen2",
            config=dict(QWEN25_05B),
            bf16=True,
            bits=4 if args.quant == "4bit" else None,
        )
        print(f"built the {args.quant} Qwen2.5-0.5B-shaped model in {time.perf_counter() - started:.0f} s")
        _data(work / "data")
        results = {}
        for side in ("fmscript", "mlx_lm"):
            command = [sys.executable, __file__, "--side", side, "--model", str(model), "--work", str(work),
                       "--steps", str(args.steps)]  # fmt: skip
            out = subprocess.run(command, capture_output=True, text=True, check=False)
            if out.returncode:
                raise SystemExit(f"{side} failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
            results[side] = json.loads(out.stdout.strip().splitlines()[-1])
            print(side, results[side], flush=True)
        f, m = results["fmscript"], results["mlx_lm"]
        print(
            f"job {f['job_seconds']:.0f} s vs {m['job_seconds']:.0f} s ({f['job_seconds'] / m['job_seconds']:.2f}x); "
            f"peak {f['peak_gb']:.2f} GB vs {m['peak_gb']:.2f} GB ({f['peak_gb'] / m['peak_gb']:.2f}x); "
            f"step {f['step_seconds']:.1f} s vs {m['step_seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
