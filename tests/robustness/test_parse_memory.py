"""Issue 22 item 10: memory per script line. A text constant of 1,000,000 escaped quotes (2 MB)
took 327 MB to parse: Python's ``re`` kept backtracking state for every ``\\"`` the string
patterns repeated. Possessive repeats keep none; the parse's peak stays a few times the text."""

from __future__ import annotations

import tracemalloc

from fmscript.syntax import scan
from fmscript.syntax.build import parse_script

QUOTES = 300_000


def _peak(fn: object) -> int:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_escaped_quotes_parse_in_memory_proportional_to_the_text() -> None:
    text = 'Set Variable [ $x ; Value: "' + '\\"' * QUOTES + '" ]\nExit Script [ Text Result: $x ]\n'
    parse_script(text)  # grammars loaded and cached outside the measure
    peak = _peak(lambda: parse_script(text))
    assert peak < 20 * len(text), f"{peak / 1e6:.0f} MB for a {len(text) / 1e6:.1f} MB script"


def test_the_string_scanner_keeps_no_state_per_escape() -> None:
    text = '"' + '\\"' * QUOTES + '"'
    peak = _peak(lambda: scan.strings(text))
    assert peak < 5 * len(text), f"{peak / 1e6:.0f} MB for {len(text) / 1e6:.1f} MB"
    assert scan.strings(text) == ['"' * QUOTES]
