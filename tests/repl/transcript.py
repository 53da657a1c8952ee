"""Transcript files for ``fmscript repl``: what a person types and what the REPL prints, interleaved.

Format (``tests/repl/transcripts/*.txt``)::

    #! args: --file samples/support_qa.sql      command-line arguments (paths from the repo root)
    #! exit: 1                                  the exit code of the piped session
    fm> If [ $x ]                               a line typed, as the prompt shows it: ``fm> `` starts
    ... Show Custom Dialog [ "x" ]              an entry, ``... `` continues one
    ... End If
    x                                           every other line: output (stdout and stderr)
"""

from __future__ import annotations

import io
import shlex
from collections.abc import Iterator
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen
class Transcript:
    path: Path
    args: tuple[str, ...]
    exit: int
    text: str  # the body: > lines and output lines

    @property
    def inputs(self) -> list[str]:
        return [line[4:] for line in self.text.split("\n") if is_input(line)]

    @property
    def outputs(self) -> str:
        return "\n".join(line for line in self.text.split("\n") if not is_input(line))


def is_input(line: str) -> bool:
    return line.startswith(("fm> ", "... ")) or line in ("fm>", "...")


def load(path: Path) -> Transcript:
    args: list[str] = []
    code = 0
    body = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("#! args:"):
            args = shlex.split(line.split(":", 1)[1])
        elif line.startswith("#! exit:"):
            code = int(line.split(":", 1)[1])
        else:
            body.append(line)
    return Transcript(path, tuple(args), code, "\n".join(body))


def option(args: tuple[str, ...], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def replay(t: Transcript, session_out: io.StringIO, feed_to: object) -> str:
    """Feed the transcript's inputs one line at a time to ``feed_to(lines)`` (the plain front end),
    recording the output printed before each line is read; returns the interleaved transcript."""
    from fmscript.cli.repl_input import Collector
    from fmscript.cli.repl_session import canonical_step

    parts: list[str] = []
    seen = 0
    collector = Collector(canonical_step)  # only to draw "fm> " or "... " as the terminal would

    def lines() -> Iterator[str]:
        nonlocal seen
        for line in t.inputs:
            out = session_out.getvalue()
            parts.append(out[seen:])
            seen = len(out)
            prompt = "... " if collector.pending else "fm> "
            collector.feed(line)
            parts.append(f"{prompt}{line}".rstrip(" ") + "\n")
            yield line + "\n"
        out = session_out.getvalue()
        parts.append(out[seen:])
        seen = len(out)

    feed_to(lines())  # type: ignore[operator]
    parts.append(session_out.getvalue()[seen:])
    return "".join(parts)
