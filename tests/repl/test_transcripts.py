"""Piped-stdin transcripts of ``fmscript repl``, asserted exactly: in-process (the interleaving of
what is typed and what is printed) and through the real command (stdout and stderr in one pipe)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fmscript.cli.repl import run_entries
from fmscript.cli.repl_session import ReplSession
from fmscript.settings import Settings
from tests.repl.transcript import ROOT, Transcript, load, option, replay

FILES = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


def _session(t: Transcript, out: io.StringIO, tmp_path: Path) -> ReplSession:
    file = option(t.args, "--file")
    return ReplSession(
        ROOT / file if file else None,
        option(t.args, "--param") or "",
        tmp_path,
        out=out,
        err=out,
        progress=False,
        settings=Settings(home_override=tmp_path, documents_override=tmp_path),
    )


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcript_in_process(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = load(path)
    monkeypatch.chdir(tmp_path)  # :save / :load paths in transcripts are relative to a scratch folder
    out = io.StringIO()
    session = _session(t, out, tmp_path)
    try:
        got = replay(t, out, lambda lines: run_entries(session, lines))
    finally:
        session.close()
    assert got == t.text
    assert (1 if session.errors else 0) == t.exit


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcript_piped(path: Path, tmp_path: Path) -> None:
    t = load(path)
    args = [str(ROOT / a) if (ROOT / a).is_file() else a for a in t.args]
    env = dict(os.environ, FMSCRIPT_HOME=str(tmp_path), FMSCRIPT_DOCUMENTS=str(tmp_path))
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "fmscript", "repl", *args],
        input="".join(line + "\n" for line in t.inputs),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.stdout == t.outputs
    assert proc.returncode == t.exit
