"""Training throughput: fmscript's LocalFineTuning vs the ``mlx_lm lora`` command, same model and data.

Run: ``python bench/train_bench.py [--steps 60] [--batch-size 4] [--repeats 2]``. Everything is built
here (a demo llama, hidden 128, 4 layers, and ~60 chat examples); nothing is downloaded.

Both sides train the same demo model on the same train/valid split with the same hyper-parameters
(iterations, batch, LoRA layers and rank, learning rate, seed, report/eval schedule, validation
batches; prompt masked). The figure compared is the training loop's throughput in *data tokens*:

    tokens/s = steps × batch × (mean tokens per training example) / seconds of the training loop

so both sides do the same work by definition. The loop is timed around ``mlx_lm.tuner.train`` for
fmscript (``card.json``'s ``loop_seconds``) and, for the command, from its table header (printed as the
loop starts) to its last row, from stdout timestamps. Both include the same validation passes.
Time-to-quality: both sides save a LoRA checkpoint every ``--save-every`` steps; afterwards every
checkpoint of both runs is scored with ONE loss (fmscript's: mean cross-entropy over the assistant
tokens, every validation example, batch 1, no padding) on the same validation examples. The target
is the worse of the two final losses; each side's time-to-quality is the loop time at which its
checkpoint curve (loop start = the untrained model's loss) first reaches the target, interpolated
linearly between checkpoints. Checkpoint times are the files' mtimes minus the loop start (fmscript:
entering ``mlx_local._train_loop``; mlx_lm: its table header line).
Each side also gets one warm-up run first (mlx compiles CPU kernels on first use), then the runs
alternate and the best of ``--repeats`` is kept. The results go to stdout and to bench/README.md
(its "Training throughput" section; other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SYSTEM = "You are the assistant of a FileMaker database. Answer in one short sentence."


def make_examples(n: int = 60) -> list[dict[str, Any]]:
    """Deterministic chat examples of varied length (English, Japanese, Chinese)."""
    examples = []
    for i in range(n):
        a, b = 3 + 7 * i % 41, 5 + 11 * i % 37
        kind = i % 4
        if kind == 0:
            user, answer = f"What is {a} plus {b}?", f"{a} plus {b} is {a + b}."
        elif kind == 1:
            user, answer = (
                f"Invoice {1000 + i} was paid on day {a}. When was it paid?",
                f"It was paid on day {a}.",
            )
        elif kind == 2:
            user, answer = f"請問 {a} 乘以 {b} 等於多少？", f"{a} 乘以 {b} 等於 {a * b}。"
        else:
            user, answer = (
                f"注文番号 {2000 + i} の数量は {b} 個です。数量はいくつですか？",
                f"数量は {b} 個です。",
            )
        messages = [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
        if i % 3 == 0:
            messages.insert(0, {"role": "system", "content": SYSTEM})
        examples.append({"messages": messages})
    return examples


def write_jsonl(path: Path, examples: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")
    return path


def run_fmscript(home: Path, data: Path, args: argparse.Namespace, name: str) -> dict[str, Any]:
    """One LocalFineTuning run in a fresh process (as a script run would do it); returns its figures."""
    code = f"""
import json, os, sys, time
from pathlib import Path
import mlx_lm.tuner
from fmscript.ai.engines import mlx_data, mlx_local
from fmscript.ai.service import LocalFineTuning
_args = mlx_lm.tuner.TrainingArgs
mlx_lm.tuner.TrainingArgs = lambda **kw: _args(**{{**kw, "steps_per_save": {args.save_every}}})
_loop, _started = mlx_local._train_loop, []
def _timed_loop(*a, **kw):
    _started.append(time.time())
    return _loop(*a, **kw)
mlx_local._train_loop = _timed_loop
mlx_local.schedule = lambda steps: ({schedule_literal(args)})
if {getattr(args, "length_class", 0)}:
    mlx_data.LENGTH_CLASS = {getattr(args, "length_class", 0)}
from fmscript.settings import Settings
service = LocalFineTuning(Path({str(home)!r}), Settings(home_override=Path({str(home)!r}), progress=False))
params = {{"max_steps": {args.steps}, "batch_size": {args.batch_size}, "lora_layers": {args.layers},
          "learning_rate": {args.learning_rate}, "fine_tuned_model_name": {name!r}}}
start = time.perf_counter()
service.submit("bench-demo", {str(data)!r}, "bench.jsonl", params)
[job] = service.run_queued(progress=False)
wall = time.perf_counter() - start
print(json.dumps({{"status": job["status"], "error": job["error"], "card": job["result"], "wall": wall,
                  "loop_start": _started[0] if _started else None}}))
"""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["status"] != "succeeded":
        raise SystemExit(f"fmscript training failed: {result['error']}")
    card = result["card"]
    return {
        "loop_seconds": card["loop_seconds"],
        "reported_tps": card["tokens_per_second"],
        "final_loss": card["last_reported_train_loss"],
        "val_loss": card["val_loss"],
        "process_seconds": time.perf_counter() - start,
        "loop_start": result["loop_start"],
        "adapters": home / "models" / card["name"],
    }


ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+[▼▲]\s+([\d,]+)\s+")
VAL_ROW = re.compile(r"^\s*(\d+)\s+val\s+([\d.]+)\s")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_mlx_lm(model: Path, data_dir: Path, adapters: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One ``python -m mlx_lm lora`` run; the loop is timed from stdout line arrival times."""
    import yaml

    from fmscript.ai.engines.mlx_local import lora_parameters, side_batches

    report_every, eval_every = bench_schedule(args)
    # The same LoRA as fmscript's: rank/scale/dropout and the modules it adapts (a toy-width model's
    # MLPs, fmscript.ai.families; the CLI only reads them from a config file).
    config = data_dir / "lora.yaml"
    config.write_text(yaml.safe_dump({"lora_parameters": lora_parameters(model)}), encoding="utf-8")
    command = [
        sys.executable, "-m", "mlx_lm", "lora", "--model", str(model), "--train", "--data", str(data_dir),
        "--iters", str(args.steps), "--batch-size", str(args.batch_size), "--num-layers", str(args.layers),
        "--learning-rate", str(args.learning_rate), "--mask-prompt", "--seed", "0",
        "--steps-per-report", str(report_every), "--steps-per-eval", str(eval_every),
        "--val-batches", str(side_batches(args.steps)[1]), "--save-every", str(args.save_every),
        "--adapter-path", str(adapters), "--config", str(config),
    ]  # fmt: skip
    env = dict(os.environ, PYTHONUNBUFFERED="1", TRANSFORMERS_VERBOSITY="error", COLUMNS="120")
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    header_at = last_row_at = loop_start = None
    tps, loss, val_loss = [], None, None
    lines = []
    for raw in proc.stdout:  # type: ignore[union-attr]
        now = time.perf_counter()
        line = ANSI.sub("", raw)
        lines.append(line)
        if "train_loss" in line and "tok/s" in line:
            header_at, loop_start = now, time.time()
        if val := VAL_ROW.match(line):
            val_loss = float(val.group(2))
        match = ROW.match(line)
        if match:
            last_row_at = now
            loss = float(match.group(2))
            tps.append(float(match.group(3).replace(",", "")))
    proc.wait()
    if proc.returncode or header_at is None or last_row_at is None:
        raise SystemExit("mlx_lm lora failed:\n" + "".join(lines[-30:]))
    return {
        "loop_seconds": last_row_at - header_at,
        "reported_tps": sum(tps) / len(tps),
        "final_loss": loss,
        "val_loss": val_loss,
        "process_seconds": time.perf_counter() - start,
        "loop_start": loop_start,
        "adapters": adapters,
    }


def bench_schedule(args: argparse.Namespace) -> tuple[int, int]:
    """fmscript's report/validation schedule for ``--steps`` (both sides use it)."""
    from fmscript.ai.engines.mlx_local import schedule

    return schedule(args.steps)


def schedule_literal(args: argparse.Namespace) -> str:
    return repr(bench_schedule(args))


def checkpoint_curve(run: dict[str, Any]) -> list[tuple[float, int]]:
    """(seconds since the loop started, step) of every checkpoint a run saved."""
    points = []
    for path in Path(run["adapters"]).glob("*_adapters.safetensors"):
        points.append((path.stat().st_mtime - run["loop_start"], int(path.name.split("_")[0])))
    return sorted(points)


def score_checkpoints(
    model_path: Path, valid: list[dict[str, Any]], layers: int, files: list[Path]
) -> list[float]:
    """One validation loss per adapter file (the untrained model's first when ``files[0]`` is None)."""
    import mlx.core as mx
    import mlx_lm
    from mlx_lm.tuner import linear_to_lora_layers
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.tuner.trainer import evaluate

    from fmscript.ai.datasets import MAX_SEQ_LENGTH
    from fmscript.ai.engines.mlx_data import SpanChatDataset, make_batches, masked_loss
    from fmscript.ai.engines.mlx_local import lora_parameters

    model, tokenizer = mlx_lm.load(str(model_path))
    model.freeze()
    linear_to_lora_layers(model, layers, lora_parameters(model_path))
    data = CacheDataset(SpanChatDataset(valid, tokenizer))
    iterate = make_batches(None, 0)
    losses = []
    for file in files:
        if file is not None:
            model.load_weights(str(file), strict=False)
            mx.eval(model.parameters())
        model.eval()
        losses.append(
            float(evaluate(model, data, 1, -1, MAX_SEQ_LENGTH, loss=masked_loss, iterate_batches=iterate))
        )
    return losses


def time_to(curve: list[tuple[float, float]], target: float) -> float | None:
    """The first time the (seconds, loss) curve reaches ``target``, interpolated between points."""
    for (t0, l0), (t1, l1) in zip(curve, curve[1:]):
        if l1 <= target:
            return t0 if l0 <= target else t0 + (t1 - t0) * (l0 - target) / (l0 - l1)
    return curve[0][0] if curve and curve[0][1] <= target else None


def time_to_quality(
    model_path: Path, valid: list[dict[str, Any]], layers: int, runs: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Both runs' checkpoint curves under one loss; seconds each needs to reach the worse final."""
    curves = {}
    for side, run in runs.items():
        points = checkpoint_curve(run)
        losses = score_checkpoints(
            model_path,
            valid,
            layers,
            [None] + [Path(run["adapters"]) / f"{step:07d}_adapters.safetensors" for _, step in points],
        )
        curves[side] = [(0.0, losses[0])] + [(t, loss) for (t, _), loss in zip(points, losses[1:])]
    target = max(curve[-1][1] for curve in curves.values())
    seconds = {side: time_to(curve, target) for side, curve in curves.items()}
    return {"target": target, "curves": curves, "seconds": seconds}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--examples", type=int, default=60)
    parser.add_argument("--length-class", type=int, default=0, help="override mlx_data.LENGTH_CLASS (tuning)")
    parser.add_argument(
        "--save-every", type=int, default=0, help="checkpoint every N steps (default steps/12)"
    )
    parser.add_argument("--no-readme", action="store_true", help="Do not rewrite bench/README.md.")
    args = parser.parse_args(argv)
    args.save_every = args.save_every or max(1, args.steps // 12)

    os.environ["TRANSFORMERS_VERBOSITY"] = "error"
    from transformers import AutoTokenizer

    from fmscript.ai.datasets import chat_token_spans
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.engines.mlx_data import split_examples

    with tempfile.TemporaryDirectory(prefix="fmscript-bench-") as tmp:
        root = Path(tmp)
        home = root / "home"
        model = create_demo_model(home / "base-models" / "bench-demo", seed=0, hidden_size=128, num_layers=4)
        examples = make_examples(args.examples)
        data = write_jsonl(root / "bench.jsonl", examples)
        train, valid = split_examples(examples, args.batch_size, 0)
        data_dir = root / "mlx-data"
        data_dir.mkdir()
        write_jsonl(data_dir / "train.jsonl", train)
        write_jsonl(data_dir / "valid.jsonl", valid)
        tokenizer = AutoTokenizer.from_pretrained(str(model))
        mean_tokens = sum(len(chat_token_spans(tokenizer, e)[0]) for e in train) / len(train)
        work = args.steps * args.batch_size * mean_tokens

        print(f"demo model hidden 128 x 4 layers; {len(train)} train / {len(valid)} valid examples, "
              f"{mean_tokens:.1f} tokens each on average; {args.steps} steps x batch {args.batch_size}", file=sys.stderr)  # fmt: skip
        runs: dict[str, list[dict[str, Any]]] = {"fmscript": [], "mlx_lm": []}
        for repeat in range(args.repeats + 1):  # the first round warms mlx's kernel cache up
            for side in ("fmscript", "mlx_lm"):
                if side == "fmscript":
                    figures = run_fmscript(home, data, args, f"bench-{repeat}")
                else:
                    figures = run_mlx_lm(model, data_dir, root / f"adapters-{repeat}", args)
                figures["tps"] = work / figures["loop_seconds"]
                print(f"  {'warm-up' if repeat == 0 else f'run {repeat}'} {side:<8}: {figures['tps']:8.0f} tokens/s "
                      f"(loop {figures['loop_seconds']:.2f} s)", file=sys.stderr)  # fmt: skip
                if repeat:
                    runs[side].append(figures)
        # Time-to-quality: score every run's checkpoints with one loss; the target is the worst final.
        scored = [
            time_to_quality(model, valid, args.layers, {"fmscript": fm, "mlx_lm": ml})
            for fm, ml in zip(runs["fmscript"], runs["mlx_lm"])
        ]
    target = max(run["target"] for run in scored)
    ttq = {
        side: min(t for run in scored if (t := time_to(run["curves"][side], target)) is not None)
        for side in ("fmscript", "mlx_lm")
    }
    best = {side: max(results, key=lambda f: f["tps"]) for side, results in runs.items()}
    for side in best:
        best[side]["ttq"] = ttq[side]
        best[side]["common_val"] = min(run["curves"][side][-1][1] for run in scored)
    ratio = best["fmscript"]["tps"] / best["mlx_lm"]["tps"]
    ttq_ratio = ttq["fmscript"] / ttq["mlx_lm"]
    rows = [
        ("data tokens/s (training loop)", "tps", "{:,.0f}"),
        ("training loop seconds", "loop_seconds", "{:.2f}"),
        ("self-reported trained tokens/s", "reported_tps", "{:,.0f}"),
        ("last reported train loss", "final_loss", "{:.3f}"),
        ("final validation loss, each side's own loss", "val_loss", "{:.3f}"),
        ("final validation loss, one loss for both (assistant tokens)", "common_val", "{:.3f}"),
        (f"seconds to validation loss {target:.3f} (the worse final)", "ttq", "{:.2f}"),
        ("whole process seconds", "process_seconds", "{:.2f}"),
    ]
    table = ["| figure | fmscript LocalFineTuning | mlx_lm lora CLI |", "|---|---:|---:|"]
    for label, key, fmt in rows:
        table.append(f"| {label} | {fmt.format(best['fmscript'][key])} | {fmt.format(best['mlx_lm'][key])} |")
    table.append(f"| **ratio fmscript / mlx_lm (data tokens/s)** | **{ratio:.2f}** | goal ≥ 1.0 |")
    table.append(
        f"| **ratio fmscript / mlx_lm (seconds to the same validation loss)** | **{ttq_ratio:.2f}** | goal ≤ 0.67 |"
    )
    print("\n".join(table))
    for side in ("fmscript", "mlx_lm"):
        curve = ", ".join(f"{t:.1f}s:{loss:.3f}" for t, loss in scored[0]["curves"][side])
        print(f"  {side} checkpoint curve (run 1): {curve}", file=sys.stderr)
    if not args.no_readme:
        write_readme(table, args, len(train), len(valid), mean_tokens)
    return {"train_tps_ratio": ratio, "train_ttq_ratio": ttq_ratio}


def write_readme(
    table: list[str], args: argparse.Namespace, n_train: int, n_valid: int, mean_tokens: float
) -> None:
    import mlx.core as mx
    import mlx_lm

    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, mlx {mx.__version__} ({mx.default_device()}), mlx-lm {mlx_lm.__version__}, Python {platform.python_version()}"  # fmt: skip
    section = f"""## Training throughput: `LocalFineTuning` vs `mlx_lm lora`

`python bench/train_bench.py --steps {args.steps} --batch-size {args.batch_size} --repeats {args.repeats}`
(measured {time.strftime("%Y-%m-%d")}; {machine}).

Same demo llama (hidden 128, 4 layers, built in-process), same {n_train} training / {n_valid} validation
chat examples ({mean_tokens:.1f} tokens each on average), {args.steps} steps, batch {args.batch_size},
LoRA rank 8 on {args.layers} layers, learning rate {args.learning_rate:g}, seed 0, prompt masked, same
report/validation schedule. Best of {args.repeats} alternating runs after one warm-up run each.

{chr(10).join(table)}

* **data tokens/s** = steps × batch × mean example tokens / seconds of the training loop: the same
  work on both sides, so the ratio is the ratio of loop times. The loop is timed around
  `mlx_lm.tuner.train` for fmscript and from the command's table header to its last row for mlx_lm;
  both include the same validation passes.
* **self-reported trained tokens/s** is each trainer's own `tokens_per_second` (tokens under the loss
  mask per second of step time). The two count slightly differently: mlx-lm's mask also covers the
  padding position after each example; fmscript's covers every assistant message and nothing after.
* **whole process seconds** includes interpreter start-up, imports, model load and, for fmscript, the
  loss probes before and after training and the job bookkeeping.
* **final validation loss** is on the same held-out examples. mlx-lm's own figure is a little lower
  partly because its mask also covers one padding position after each example, an easy target; the
  "one loss for both" row scores both runs' final adapters with the same loss (assistant tokens).
* **seconds to the same validation loss** (time-to-quality): both runs save a checkpoint every
  `--save-every` steps; every checkpoint is scored with that one loss, and each side's time is when
  its curve first reaches the worse of the two finals (interpolated between checkpoints).
* Where fmscript gains: on the CPU its frozen layers multiply by a contiguous copy of `w.T`, mlx's
  fast matmul layout (`ai/engines/mlx_cpu.py`; a step takes about two thirds of the time).
  And its batches are drawn from examples of the same 32-token length class and
  padded to a multiple of 8; mlx-lm pads to a multiple of 32, and its length sort keys on
  `CacheDataset.itemlen` (the number of keys of the raw JSON example), so its batches mix lengths.
  On a CPU a padded token costs as much as a real one. Both run the same compiled step of
  `mlx_lm.tuner.train`. Fully length-sorted batches were faster still but trained worse per step
  (less varied batches), so fmscript re-draws batches within each length class every epoch.
"""
    readme = BENCH_DIR / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n\n"
    start = text.find("## Training throughput")
    if start < 0:  # keep the other benchmarks' sections; add or replace only this one
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end:])
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
