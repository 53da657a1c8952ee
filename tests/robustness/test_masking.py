"""API keys never show in a caret line: the ``API key:`` value is printed as ``"***"`` and the
caret still points at the right place (before, on or after the masked value)."""

from __future__ import annotations

import pytest

from fmscript.errors import SourceSpan, mask_secrets

LINE = 'Configure AI Account [ Account Name: "a" ; API key: "sk-SECRET;]" & $k ; Bogus: 1 ]'
MASKED = 'Configure AI Account [ Account Name: "a" ; API key: "***" ; Bogus: 1 ]'


@pytest.mark.parametrize(
    ("line", "marked", "expected_line", "expected_marks"),
    [
        (LINE, "Bogus: 1", MASKED, "Bogus: 1"),  # after the key: moved left with the text
        (LINE, "Configure", MASKED, "Configure"),  # before the key: unchanged
        (LINE, "sk-SECRET", MASKED, '"'),  # inside the key: its start, nothing of the key
        (
            'Configure AI Account [ API キー: "秘密SECRET" ]',
            "Configure",
            'Configure AI Account [ API キー: "***" ]',
            "Configure",
        ),
        (
            '配置 AI 账户 [ API 密钥: Global::Key ; 端点: "x" ]',
            "端点",
            '配置 AI 账户 [ API 密钥: "***" ; 端点: "x" ]',
            "端点",
        ),
        ("Set Variable [ $x ; Value: 1 ]", "Value", "Set Variable [ $x ; Value: 1 ]", "Value"),
    ],
)
def test_caret_lines_mask_the_key(line: str, marked: str, expected_line: str, expected_marks: str) -> None:
    col = line.index(marked) + 1
    text, carets = SourceSpan("s", 3, col, 3, col + len(marked), line).caret().split("\n")
    assert text == expected_line
    assert "SECRET" not in text
    # One prefix character (a space, or a full-width space under a wide character) per column.
    start = len(carets) - len(carets.lstrip(" 　"))
    assert text[start:].startswith(expected_marks), (text, carets)
    assert carets.strip(" 　").startswith("^")


def test_mask_secrets_on_plain_text() -> None:
    assert mask_secrets(LINE) == MASKED
    assert mask_secrets("no key here") == "no key here"


def test_a_long_line_shows_a_window_around_the_error() -> None:
    line = "x" * 50_000 + "HERE" + "y" * 50_000
    text, carets = SourceSpan("s", 1, 50_001, 1, 50_005, line).caret().split("\n")
    assert len(text) < 400 and "HERE" in text
    assert text[len(carets) - 4 : len(carets)] == "HERE"
