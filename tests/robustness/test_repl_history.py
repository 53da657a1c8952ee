"""Issue 22 item 18: the REPL's history file never holds an API key in clear text."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("prompt_toolkit")

from fmscript.cli.repl_tty import MaskedFileHistory  # noqa: E402


def test_history_masks_api_keys(tmp_path: Path) -> None:
    path = tmp_path / "repl_history"
    history = MaskedFileHistory(str(path))
    history.append_string(
        'Configure AI Account [ Account Name: "a" ; Model Provider: OpenAI ; API key: "sk-SECRET" ]'
    )
    history.append_string('AI アカウントを設定 [ アカウント名: "b" ; API キー: "秘密SECRET2" ]')
    history.append_string("= 1 + 1")
    text = path.read_text(encoding="utf-8")
    assert "SECRET" not in text
    assert text.count('"***"') == 2
    assert "= 1 + 1" in text
    # A new session recalls the masked entries, newest first.
    assert list(MaskedFileHistory(str(path)).load_history_strings())[1].endswith('API キー: "***" ]')
