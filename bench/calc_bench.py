"""Calculation benchmarks: JSONSetElement/JSONGetElement on a ~1 KB object and a text-function
mix, 100,000 evaluations each (parsed once, as inside a Loop)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fmscript.calc.evaluator import Evaluator, SimpleContext  # noqa: E402
from fmscript.syntax.calc_build import parse_calc  # noqa: E402

N = 100_000


def run(label: str, text: str, ctx: SimpleContext) -> float:
    ev = Evaluator(ctx)
    node = parse_calc(text)
    ev.evaluate(node)
    start = time.perf_counter()
    for _ in range(N):
        ev.evaluate(node)
    seconds = time.perf_counter() - start
    print(
        f"{label}: {N:,} evaluations in {seconds:.2f} s = {N / seconds:,.0f}/s ({seconds / N * 1e6:.1f} µs each)"
    )
    return N / seconds


def main() -> dict[str, float]:
    ctx = SimpleContext()
    obj = (
        "{"
        + ",".join(f'"key{i}":{{"name":"item {i}","price":{i}.5,"tags":["a","b"]}}' for i in range(18))
        + "}"
    )
    assert 900 < len(obj) < 1400, len(obj)
    ctx.set_variable("$json", obj)
    return {
        "json_set_per_s": run(
            "JSONSetElement on 1 KB", 'JSONSetElement ( $json ; "key7.price" ; 99.25 ; JSONNumber )', ctx
        ),
        "json_get_per_s": run("JSONGetElement on 1 KB", 'JSONGetElement ( $json ; "key12.tags[1]" )', ctx),
        "text_mix_per_s": run(
            "text mix",
            'Upper ( Left ( "Hello World" ; 5 ) ) & Substitute ( "a-b-c" ; "-" ; "+" ) & Length ( Trim ( "  x  " ) ) & PatternCount ( "banana" ; "an" ) & Middle ( "abcdef" ; 2 ; 3 )',
            ctx,
        ),
    }


if __name__ == "__main__":
    main()
