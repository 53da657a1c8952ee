"""Parse benchmark: a 10,000-line script of varied steps (goal ≥ 50,000 lines/s)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of  # noqa: E402

from fmscript.syntax.build import check_script  # noqa: E402

TEMPLATES = [
    "Set Variable [ $x{i} ; Value: $x{j} + {i} * 2 ]",
    'If [ Get ( FoundCount ) > {i} and $name{j} ≠ "abc{i}" ]',
    "End If",
    'Set Field [ Support QA::Answer ; "answer " & {i} & ¶ & Support QA::Question ]',
    'Go to Layout [ "Support QA" ]',
    "Go to Record/Request/Page [ Next ; Exit after last: On ]",
    "Perform Find [ Specified Find Requests: Find Records ; Criteria: Support QA::Category: “billing{i}” ] [ Restore ]",
    '変数を設定 [$v{i}; 値: Left ( "テキスト{i}" ; 3 ) & Get (ドキュメントパス)]',
    '设置变量 [ $w{i} ; 值: JSONSetElement ( "{{}}" ; "k{i}" ; {i} ; JSONNumber ) ]',
    "#comment number {i}",
]


def make_script(lines: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    out = []
    for i in range(lines):
        t = TEMPLATES[i % len(TEMPLATES)]
        out.append(t.format(i=i, j=rng.randint(0, 999)))
    # Balance If/End If: templates 1 and 2 alternate within each group of ten.
    return "\n".join(out) + "\n"


def main() -> dict[str, float]:
    text = make_script(10_000)
    _, errors = check_script(text, "bench.fmscript")
    assert not errors, errors[:3]
    seconds = best_of(lambda: check_script(text, "bench.fmscript"))
    rate = 10_000 / seconds
    print(f"parse: 10,000 lines in {seconds * 1000:.0f} ms = {rate:,.0f} lines/s (goal ≥ 50,000)")
    return {"parse_lines_per_s": rate}


if __name__ == "__main__":
    main()
