"""``fmscript repl`` on a real (pseudo-)terminal: Tab completes a Japanese step name and a
``Table::Field``, history recalls an earlier entry (also in the next session), Ctrl-C cancels the
entry being typed and a running step, Ctrl-D quits.

Each check is made on what an entry *prints*, never on how the prompt echoes keystrokes: if Tab
had not completed ``変数を設`` the entry would be an unknown step and ``42!`` would never print.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.repl.transcript import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

TAB, UP, ENTER, CTRL_C, CTRL_D = "\t", "\x1b[A", "\r", "\x03", "\x04"


@pytest.fixture
def start(tmp_path: Path) -> Iterator[object]:
    from tests.repl.ptyterm import Terminal

    env = dict(os.environ, FMSCRIPT_HOME=str(tmp_path / "home"), TERM="xterm-256color")
    env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # the pty answers no cursor-position requests
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "fmscript", "repl", "--file", str(ROOT / "samples" / "support_qa.sql")]
    terminals: list[Terminal] = []

    def _start() -> Terminal:
        term = Terminal(cmd, env, str(tmp_path))
        terminals.append(term)
        term.wait_for("fm>")
        return term

    yield _start
    for term in terminals:
        term.close()


def test_completion_history_and_keys(start: object, tmp_path: Path) -> None:
    term = start()  # type: ignore[operator]
    # A Japanese step name: 変数を設 + Tab → 変数を設定.
    term.send("変数を設" + TAB)
    term.wait_for("変数を設定")
    term.settle()
    term.send(" [ $a ; 値: 6 * 7 ]" + ENTER)
    term.send('= $a & "!"' + ENTER)
    term.wait_for("42!")
    assert "unknown script step" not in term.text

    # A table occurrence, then one of its fields: = Suppo + Tab → Support QA::, Categ + Tab → Category.
    term.send("= Suppo" + TAB)
    term.wait_for("QA::")
    term.settle()
    term.send("Categ" + TAB)
    term.wait_for("ory")
    term.settle()
    term.send(ENTER)
    term.wait_for("Billing")  # the first record's Category

    # History: Up recalls the last entry; running it again prints Billing a second time.
    term.send(UP)
    term.settle()
    term.send(ENTER)
    term.wait_for("Billing", count=2)

    # Ctrl-C drops a half-typed block; the next entry runs normally.
    term.send("If [ 1 ]" + ENTER + 'Show Custom Dialog [ "x" & "y" ]' + ENTER)
    term.settle()
    term.send(CTRL_C)
    term.settle()
    term.send('= "a" & "b"' + ENTER)
    term.wait_for("ab\n")
    assert "xy" not in term.text

    # Ctrl-C while a step runs interrupts it and the context lives on.
    term.send("Pause/Resume Script [ Duration (seconds): 120 ]" + ENTER)
    term.settle(1.0)
    term.send(CTRL_C)
    term.wait_for("interrupted")
    term.send("= $a + 1" + ENTER)
    term.wait_for("43")
    term.send('= "hist" & "ory" & 2' + ENTER)
    term.wait_for("history2")

    term.wait_after("history2", "fm>")  # back at the prompt (raw mode) before Ctrl-D
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    history = (tmp_path / "home" / "repl_history").read_text(encoding="utf-8")
    assert "+変数を設定 [ $a ; 値: 6 * 7 ]" in history

    # History survives the session: Up in a new REPL recalls the last entry of the previous one.
    again = start()  # type: ignore[operator]
    again.send(UP)
    again.settle()
    again.send(ENTER)
    again.wait_for("history2")
