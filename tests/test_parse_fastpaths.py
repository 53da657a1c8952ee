"""The cold parse's shortcuts give exactly what the slow paths give (issue 16 item 3).

* one-token calculations (``$x``, ``12``, ``"abc"``) are built without Lark: same node, same span;
* the pre-scans jump between the characters they look at (``scan.unquoted(..., only=...)``):
  same characters, same open quote as the character-by-character walk;
* ``check_script`` pauses the cyclic GC and leaves it as it found it.
"""

from __future__ import annotations

import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fmscript.syntax import calc_build, scan
from fmscript.syntax.build import check_script
from fmscript.syntax.calc_build import Locator, _Builder, parse_calc
from fmscript.syntax.parser import get_parser

CALCS = (
    ["$x", "$$g", "$x0", "$名前", "$_a1", "12", "0.5", ".5", "1.", "1e3", "2E-4", "007"]
    + ['"abc"', '""', '"テキスト{i}"', '"a b ; c"', "“curly”", '"a\\"b"', '"a¶b"', "¶"]
    + ["${x y}", "$x[2]", "$x + 1", "-1", "x", "$x ", " $x", "1 2"]
)


def _lark_path(text: str, loc: Locator) -> object:
    return _Builder(loc).build(get_parser("calc").parse(text))[0]


@pytest.mark.parametrize("text", CALCS)
def test_one_token_calc_equals_the_lark_tree(text: str) -> None:
    loc = Locator("f.fmscript", ["Set Variable [ $y ; Value: " + text + " ]"], 1, 27)
    try:
        slow = _lark_path(text, loc)
    except Exception:
        with pytest.raises(Exception):  # noqa: B017, PT011  (a syntax error either way)
            parse_calc(text, loc)
        return
    fast = parse_calc(text, loc)
    assert fast == slow
    assert type(fast) is type(slow)
    assert fast.span == slow.span  # spans are left out of node equality


def test_the_shortcut_is_taken() -> None:
    assert calc_build._SIMPLE.fullmatch("$x0") and calc_build._SIMPLE.fullmatch('"a"')
    assert not calc_build._SIMPLE.fullmatch('"a\\"b"') and not calc_build._SIMPLE.fullmatch("$x[1]")


ALPHABET = st.sampled_from(list('ab :：()[]"“”「」\\¶\n;'))


@given(st.text(ALPHABET, max_size=40), st.sampled_from(["[]", "()", "()[]:："]))
def test_only_matches_the_full_walk(text: str, only: str) -> None:
    full = scan.unquoted(text)
    want = [(i, ch) for i, ch in full if ch in only]
    fast = scan.unquoted(text, only=only)
    assert list(fast) == want
    assert fast.open_quote == full.open_quote


@pytest.mark.parametrize("enabled", [True, False])
def test_check_script_restores_the_gc(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        check_script('Set Variable [ $x ; Value: 1 ]\nExit Script [ "a" ]\n', "t.fmscript")
        check_script("Set Variable [ $x ; Value: ( ]\n", "t.fmscript")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
