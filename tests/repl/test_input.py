"""Entry collection: which lines make one entry (data table, one runner)."""

from __future__ import annotations

import pytest

from fmscript.cli.repl_input import entries, is_complete
from fmscript.cli.repl_session import canonical_step

# (lines typed, the entries they make)
CASES: list[tuple[str, list[str], list[str]]] = [
    ("one step", ["Set Variable [ $x ; Value: 1 ]"], ["Set Variable [ $x ; Value: 1 ]"]),
    ("blank lines between entries", ["", "Beep", "  ", "Beep"], ["Beep", "Beep"]),
    ("meta command", [":vars", ":help If"], [":vars", ":help If"]),
    ("calc", ["= 1 + 1"], ["= 1 + 1"]),
    ("calc continues while ( is open", ["= Left ( 'x' ;", "  1 )", "= 2"], ["= Left ( 'x' ;\n  1 )", "= 2"]),
    (
        "step continues while [ is open",
        ["Set Variable [ $x ;", "  Value: 1 ]", "Beep"],
        ["Set Variable [ $x ;\n  Value: 1 ]", "Beep"],
    ),
    ('an open "quote continues', ['= "a', 'b"', "Beep"], ['= "a\nb"', "Beep"]),
    ("an escaped quote does not close", ['= "a \\" b', '"'], ['= "a \\" b\n"']),
    (
        "curly and corner quotes",
        ["Go to Layout [ 「a [", "」 ]", "= “(”"],
        ["Go to Layout [ 「a [\n」 ]", "= “(”"],
    ),
    (
        "a /* comment */ hides brackets",
        ["Set Variable [ $x ; Value: 1 /* ] */", "]"],
        ["Set Variable [ $x ; Value: 1 /* ] */\n]"],
    ),
    (
        "a // comment hides brackets",
        ["Set Variable [ $x ; Value: 1 // ]", "]"],
        ["Set Variable [ $x ; Value: 1 // ]\n]"],
    ),
    ("a # comment is free text", ["# note [ not options", "Beep"], ["# note [ not options", "Beep"]),
    ("If collects until End If", ["If [ 1 ]", "Beep", "End If", "Beep"], ["If [ 1 ]\nBeep\nEnd If", "Beep"]),
    (
        "nested If in Loop",
        ["Loop", "If [ 1 ]", "Exit Loop If [ 1 ]", "End If", "End Loop"],
        ["Loop\nIf [ 1 ]\nExit Loop If [ 1 ]\nEnd If\nEnd Loop"],
    ),
    (
        "Japanese and Chinese block names",
        ["If [ 1 ]", "  変数を設定 [ $a ; 値: 1 ]", "End If"],
        ["If [ 1 ]\n  変数を設定 [ $a ; 値: 1 ]\nEnd If"],
    ),
    ("a disabled If opens nothing", ["// If [ 1 ]", "Beep"], ["// If [ 1 ]", "Beep"]),
    ("a comment End If closes nothing", ["If [ 1 ]", "# End If", "End If"], ["If [ 1 ]\n# End If\nEnd If"]),
    (
        "End If inside an open [ is not a step",
        ["If [ 1 ;", "End If ]", "End If"],
        ["If [ 1 ;\nEnd If ]\nEnd If"],
    ),
    ("a stray End If is an entry (and an error)", ["End If"], ["End If"]),
    ("unclosed at end of input: still an entry", ["If [ 1 ]", "Beep"], ["If [ 1 ]\nBeep"]),
    ("unclosed bracket at end of input", ["Set Variable [ $x"], ["Set Variable [ $x"]),
    ("CRLF line ends", ["Beep\r\n", "= 1\r\n"], ["Beep", "= 1"]),
]


@pytest.mark.parametrize(("lines", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_entries(lines: list[str], expected: list[str]) -> None:
    assert list(entries(lines, canonical_step)) == expected


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("Beep", True),
        ("", True),
        ("If [ 1 ]", False),
        ("If [ 1 ]\nBeep", False),
        ("If [ 1 ]\nBeep\nEnd If", True),
        ("Set Variable [ $x ; Value: Let ( [", False),
        ("= 1 +", True),  # complete: running it reports the error
        ('= "open', False),
        (":found 2", True),
        ("Loop\nEnd Loop\nBeep", True),
    ],
)
def test_is_complete(text: str, complete: bool) -> None:
    assert is_complete(text, canonical_step) is complete
