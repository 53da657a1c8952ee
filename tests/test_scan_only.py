"""``scan.unquoted(text, only=...)`` (one regex, used by the parser's pre-scans) yields exactly the
characters of the full scanner that are in ``only``, and reports the same open quote."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fmscript.syntax import scan

ALPHABET = st.sampled_from(list('ab [](): ：;"“”「」\\\n¶'))


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, max_size=40), st.sampled_from(["[]", "()[]:：", "[", ";"]))
def test_only_matches_the_full_scan(text: str, only: str) -> None:
    full = scan.unquoted(text)
    expected = [(i, ch) for i, ch in full if ch in only]
    fast = scan.unquoted(text, only=only)
    assert list(fast) == expected
    assert fast.open_quote == full.open_quote


@given(st.text(ALPHABET, max_size=30), st.integers(0, 30), st.integers(0, 30))
def test_only_within_bounds(text: str, a: int, b: int) -> None:
    start, stop = min(a, b, len(text)), min(max(a, b), len(text))
    full = scan.unquoted(text, start, stop)
    expected = [(i, ch) for i, ch in full if ch in "[]"]
    fast = scan.unquoted(text, start, stop, only="[]")
    assert list(fast) == expected
    assert fast.open_quote == full.open_quote
