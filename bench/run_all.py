"""Run the benchmarks and print one table: each figure, its yardstick (measured in the same run)
and its goal (issue 16). ``python bench/run_all.py [--train] [--scale]``.

The training and model-server comparisons take minutes (four LoRA runs and checkpoint scoring;
two servers); they run only with ``--train``. The scale-out figures (PostgreSQL, workers and
replicas: minutes) run only with ``--scale``. Each benchmark also runs on its own
(``python bench/<name>.py``) and prints details.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# (module, figure label, key in its results, yardstick, goal text, goal test, format)
Row = tuple[str, str, str, str, str, Callable[[float], bool], str]
ROWS: list[Row] = [
    ("startup_bench", "fmscript run of a one-line script (warm)", "startup_extra_ms",
     "python -c pass", "≤ +60 ms", lambda v: v <= 60, "+{:.0f} ms wall"),
    ("startup_bench", "  same, CPU time (steadier on a loaded machine)", "startup_extra_cpu_ms",
     "python -c pass", "≤ +60 ms", lambda v: v <= 60, "+{:.0f} ms CPU"),
    ("repl_bench", "fmscript repl: time to its first prompt", "repl_startup_extra_ms",
     "python -c pass", "≤ +300 ms", lambda v: v <= 300, "+{:.0f} ms wall"),
    ("repl_bench", "  same, CPU time", "repl_startup_extra_cpu_ms",
     "python -c pass", "≤ +300 ms", lambda v: v <= 300, "+{:.0f} ms CPU"),
    ("parse_bench", "warm load of a 10k-line script (disk cache)", "parse_warm_lines_per_s",
     "cold parse (×{parse_warm_speedup:.0f})", "≥ 100,000 lines/s", lambda v: v >= 100_000, "{:,.0f} lines/s"),
    ("parse_bench", "  same, every step decoded", "parse_warm_full_lines_per_s",
     "cold parse", "≥ 100,000 lines/s", lambda v: v >= 100_000, "{:,.0f} lines/s"),
    ("parse_bench", "cold parse ({parse_cold_lines_per_s:,.0f} lines/s)", "parse_cold_vs_lark",
     "Lark alone, same grammars, trees only", "≤ 1.3×", lambda v: v <= 1.3, "{:.2f}×"),
    ("parse_bench", "  same, like for like (fmscript pauses the GC while parsing)", "parse_cold_vs_lark_gc_paused",
     "Lark alone with the GC paused too", "≤ 1.3×", lambda v: v <= 1.3, "{:.2f}×"),
    ("export_bench", "Save Records as JSONL, 100k records: time", "export_ratio",
     "sqlite3 + json.dumps loop, same bytes", "≤ 1.5×", lambda v: v <= 1.5, "{:.2f}×"),
    ("export_bench", "  same: peak memory ({plain_peak_mb:.0f} MB for the loop)", "export_peak_mb",
     "(process peak RSS)", "≤ 40 MB", lambda v: v <= 40, "{:.0f} MB"),
    ("semantic_bench", "Perform Semantic Find, 100k records × 384 dims ({semantic_fm_s:.2f} s)", "semantic_ratio",
     "sqlite3 + numpy matrix product, same top 10", "≤ 3×", lambda v: v <= 3, "{:.2f}×"),
    ("loop_bench", "Loop: 100k × Set Variable + calc + Exit Loop If", "loop_ratio",
     "same loop in Python with Decimal", "≤ 20×", lambda v: v <= 20, "{:.1f}×"),
    ("memory_bench", "fmscript check, a 10 MB text constant: peak RSS", "check_10mb_rss_ratio",
     "the input size", "≤ 10×", lambda v: v <= 10, "{:.1f}×"),
    ("memory_bench", "fmscript run, same script: peak RSS", "run_10mb_rss_ratio",
     "the input size", "≤ 10×", lambda v: v <= 10, "{:.1f}×"),
    ("memory_bench", "fmscript check, 1,000,000 escaped quotes (2 MB): peak RSS", "check_quotes_above_ratio",
     "the input size (above the one-line baseline)", "≤ 10×", lambda v: v <= 10, "{:.1f}×"),
    ("memory_bench", "fmscript run, same script: peak RSS", "run_quotes_above_ratio",
     "the input size (above the one-line baseline)", "≤ 10×", lambda v: v <= 10, "{:.1f}×"),
    ("memory_bench", "fmscript check, 200,000 Set Variable lines: peak RSS", "check_bytes_per_line",
     "per source line (above the baseline)", "≤ 1,000 B", lambda v: v <= 1000, "{:,.0f} B"),
    ("memory_bench", "fmscript run, same script: peak RSS", "run_bytes_per_line",
     "per source line (above the baseline)", "≤ 1,000 B", lambda v: v <= 1000, "{:,.0f} B"),
    ("casetest_bench", "fmscript test: 1,000 small cases ({casetest_ms_per_case:.1f} ms/case)", "casetest_speedup",
     "one fmscript run process per case, same -j", "≥ 4×", lambda v: v >= 4, "{:.1f}× faster"),
    ("casetest_bench", "  same, CPU time", "casetest_speedup_cpu",
     "one fmscript run process per case", "≥ 4×", lambda v: v >= 4, "{:.1f}× less"),
    ("server_bench", "AI Model Server: chat latency, 8 clients (median)", "chat_ratio",
     "mlx_lm.server, same model", "≤ 1×", lambda v: v <= 1, "{:.2f}×"),
    ("scale_bench", "2 fmscript workers on one PostgreSQL queue: jobs/hour ({jobs_per_hour_2:.0f})", "worker_speedup",
     "1 worker ({jobs_per_hour_1:.0f} jobs/hour), same jobs", "≥ 1× (2 shared cores)", lambda v: v >= 1, "{:.2f}×"),
    ("scale_bench", "serve on PostgreSQL: chat latency ({chat_pg_median_ms:.0f} ms median)", "chat_pg_ratio",
     "serve on SQLite ({chat_sqlite_median_ms:.0f} ms)", "≤ 1.2×", lambda v: v <= 1.2, "{:.2f}×"),
    ("train_bench", "LoRA training: seconds to the same validation loss", "train_ttq_ratio",
     "mlx_lm lora, same model/data/params", "≤ 0.67×", lambda v: v <= 0.67, "{:.2f}×"),
    ("train_bench", "  same: data tokens/s", "train_tps_ratio",
     "mlx_lm lora", "≥ 1.0×", lambda v: v >= 1.0, "{:.2f}×"),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train", action="store_true", help="also run the training and model-server comparisons (minutes)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also run the PostgreSQL scale-out benchmark (workers, replicas; minutes)",
    )
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for module in dict.fromkeys(row[0] for row in ROWS):
        if module in ("train_bench", "server_bench") and not args.train:
            continue  # minutes each (training; model servers)
        if module == "scale_bench" and not args.scale:
            continue  # minutes (PostgreSQL, two rounds of training jobs, two replicas)
        if not (Path(__file__).parent / f"{module}.py").is_file():
            continue
        print(f"== {module}", flush=True)
        bench = importlib.import_module(module)
        results[module] = (
            bench.main(["--repeats", "1", "--no-readme"]) if module == "train_bench" else bench.main()
        )
    print()
    print("| figure | measured | yardstick (same run) | goal | met |")
    print("|---|---:|---|---|:-:|")
    for module, label, key, yardstick, goal, ok, fmt in ROWS:
        figures = results.get(module)
        if figures is None or key not in figures:
            print(f"| {_blank(label)} | not run | {_blank(yardstick)} | {goal} | |")
            continue
        value = figures[key]
        print(
            f"| {label.format(**figures)} | {fmt.format(value)} | {yardstick.format(**figures)} | {goal} | "
            f"{'yes' if ok(value) else 'no'} |"
        )


def _blank(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "…", text)


if __name__ == "__main__":
    main()
