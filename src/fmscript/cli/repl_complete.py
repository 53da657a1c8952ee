"""What the REPL offers on Tab, and how it colours an entry — pure functions over text.

Completion sources: step names and option labels in en/ja/zh (the step catalogue), calculation
function names (the function registry), the $variables and $$variables that are set, table
occurrences and their fields (``Table::Field``, names with spaces or CJK included), meta-commands.
The terminal front end wraps these in prompt_toolkit classes; tests call them directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

import attrs

from fmscript.cli.repl_input import ScanState, scan, step_head
from fmscript.cli.repl_session import canonical_step, catalogue
from fmscript.syntax.catalogue import StepSpec


class Sources(Protocol):
    def variable_names(self) -> list[str]: ...
    def tables(self) -> list[str]: ...
    def fields(self, table: str) -> list[str]: ...
    def layouts(self) -> list[str]: ...


class NoSources:
    """Before the session is ready (it opens in the background): only static names."""

    def variable_names(self) -> list[str]:
        return []

    def tables(self) -> list[str]:
        return []

    def fields(self, table: str) -> list[str]:
        return []

    def layouts(self) -> list[str]:
        return []


@attrs.frozen
class Candidate:
    text: str  # replaces the last ``replace`` characters before the cursor
    replace: int
    display: str = ""
    meta: str = ""  # a short note shown beside it (step / label / function / field …)


# Characters that end a calculation word (operators, separators, brackets, quotes).
_DELIMS = '[]();&+-*/^=<>≠≤≥,¶"“”「」:：'
_VAR = re.compile(r"\$\$?[^\s" + re.escape(_DELIMS) + r"]*$")
_FIELD = re.compile(r"([^" + re.escape(_DELIMS) + r"]+)::([^" + re.escape(_DELIMS) + r"]*)$")
_WORD = re.compile(r"[^\s" + re.escape(_DELIMS) + r"$]*$")
_GET = re.compile(r"\bGet\s*[(（]\s*([^()（）\s]*)$", re.IGNORECASE)
_TAIL = re.compile(r"[^" + re.escape(_DELIMS) + r"$]*$")


def _norm(text: str) -> str:
    return catalogue().norm(text)


def _starts(name: str, prefix: str) -> bool:
    return _norm(name).startswith(_norm(prefix)) if prefix.strip() else True


def complete(before: str, sources: Sources, functions: Callable[[], Sequence[str]]) -> list[Candidate]:
    """Candidates for the text before the cursor (the whole entry so far, possibly several lines)."""
    line = before.rsplit("\n", 1)[-1]
    if before.lstrip().startswith(":") and "\n" not in before.strip():
        return _meta(before.lstrip())
    state, head = _context(before)
    if state.quote and not state.block_comment and canonical_step(head) == "Go to Layout":
        return _layouts(before, state.quote, sources)
    if state.quote or state.block_comment:
        return []
    calc_entry = before.lstrip().startswith("=")
    if not state.stack and not calc_entry:
        return _step_names(line.lstrip())
    out: list[Candidate] = []
    var = _VAR.search(before)
    if var:
        prefix = var.group(0)
        return [
            Candidate(name, len(prefix), meta="variable")
            for name in sources.variable_names()
            if name.casefold().startswith(prefix.casefold())
            and name.startswith("$$") == prefix.startswith("$$")
        ]
    field = _FIELD.search(before)
    if field:
        table = _resolve_table(field.group(1), sources)
        if table is None:
            return []
        prefix = field.group(2)
        return [
            Candidate(name, len(prefix), meta=f"field of {table}")
            for name in sources.fields(table)
            if _starts(name, prefix.lstrip())
        ]
    get = _GET.search(before)
    if get and session_ready(sources):
        from fmscript.cli.repl_session import get_names

        prefix = get.group(1)
        return [Candidate(n, len(prefix), meta="Get") for n in get_names() if _starts(n, prefix)]
    word = _WORD.search(before)
    prefix = word.group(0) if word else ""
    spec = _spec(head) if not calc_entry else None
    if spec is not None and _at_option_start(before):
        out += _labels(spec, prefix)
    if prefix:
        out += [
            Candidate(name, len(prefix), meta="function") for name in functions() if _starts(name, prefix)
        ]
    tail = _TAIL.search(before)
    text = tail.group(0) if tail else ""
    for start in [m.start() for m in re.finditer(r"(?:(?<=\s)|^)\S", text)]:
        piece = text[start:]
        hits = [t for t in sources.tables() if piece.strip() and _starts(t, piece)]
        if hits:
            out += [Candidate(t + "::", len(piece), t + "::", "table") for t in hits]
            break
    return _dedupe(out)


def session_ready(sources: Sources) -> bool:
    """Names that need the runtime (functions, Get names) load with the session, not before."""
    return not isinstance(sources, NoSources)


def _dedupe(items: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for c in items:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out


def _context(before: str) -> tuple[ScanState, str]:
    """The scan state at the cursor and the step name of the step being written."""
    state = ScanState()
    head = ""
    for line in before.split("\n"):
        if not state.open:
            if line.strip().startswith("#"):
                head = "#"
                continue  # a comment step opens nothing
            head = step_head(line)
        scan(line + "\n", state)
    return state, head


def _spec(head: str) -> StepSpec | None:
    name = canonical_step(head)
    return catalogue().spec_for(name) if name else None


def _at_option_start(before: str) -> bool:
    """The cursor is in the first word(s) of an option: after ``[`` or ``;`` with no label yet."""
    i = max(before.rfind("["), before.rfind(";"))
    if i < 0:
        return False
    between = before[i + 1 :]
    return not any(ch in between for ch in ':："“「$()')


def _labels(spec: StepSpec, prefix: str) -> list[Candidate]:
    out = []
    for opt in spec.options:
        for label in opt.labels:
            if _starts(label, prefix):
                out.append(Candidate(label + ": ", len(prefix), label + ":", "label"))
        for word in opt.flag_words:
            if _starts(word, prefix):
                out.append(Candidate(word, len(prefix), word, "flag"))
    return out


def _step_names(prefix: str) -> list[Candidate]:
    names = catalogue().step_names()
    hits = [n for n in names if _starts(n, prefix)]
    if not hits and len(_norm(prefix)) >= 2:
        hits = [n for n in names if _norm(prefix) in _norm(n)]
    return [Candidate(n, len(prefix), meta=canonical_step(n) or "") for n in hits]


def _meta(text: str) -> list[Candidate]:
    from fmscript.cli.repl_meta import COMMANDS

    name, space, arg = text.partition(" ")
    if not space:
        return [Candidate(c, len(text), meta="command") for c in COMMANDS if c.startswith(text.lower())]
    if name == ":help":
        return _step_names(arg)
    return []


def _layouts(before: str, close: str, sources: Sources) -> list[Candidate]:
    """Layout names inside the quotes of Go to Layout [ "… (closing the quote)."""
    opener = {'"': '"', "”": "“", "」": "「"}[close]
    prefix = before[before.rfind(opener) + 1 :]
    return [
        Candidate(name + close, len(prefix), name, "layout")
        for name in sources.layouts()
        if _starts(name, prefix)
    ]


def _resolve_table(written: str, sources: Sources) -> str | None:
    """The table named at the end of ``written`` (``If [ not Support QA`` → ``Support QA``)."""
    tables = {_norm(t): t for t in sources.tables()}
    words = written.split()
    for i in range(len(words)):
        hit = tables.get(_norm(" ".join(words[i:])))
        if hit:
            return hit
    return None


# ---------------------------------------------------------------------- highlighting


_TOKEN = re.compile(
    r"(?P<comment>/\*.*?(\*/|$)|//.*$)"
    r"|(?P<string>\"(\\.|[^\"\\])*(\"|$)|“[^”]*(”|$)|「[^」]*(」|$))"
    r"|(?P<variable>\$\$?[\w.]+)"
    r"|(?P<field>[^\s\[\]();&+\-*/^=<>≠≤≥,¶\"“「:][^\[\]();&+\-*/^=<>≠≤≥,¶\"“「:]*::"
    r"[^\[\]();&+\-*/^=<>≠≤≥,¶\"“「]+?(?=\s*($|[\[\]();&+\-*/^=<>≠≤≥,¶])))"
    r"|(?P<number>\b\d+(\.\d*)?\b|\.\d+\b)"
    r"|(?P<operator>[\[\];=])"
)


def highlight(text: str) -> list[list[tuple[str, str]]]:
    """Per line of an entry: (style name or "", text) fragments."""
    result: list[list[tuple[str, str]]] = []
    state = ScanState()
    head = ""
    for line in text.split("\n"):
        frags: list[tuple[str, str]] = []
        rest = line
        if state.quote:
            # The line continues a text left open on the line before: up to its closing quote.
            end = _quote_end(line, state.quote)
            frags.append(("string", line[:end]))
            rest = line[end:]
        elif not state.open:
            stripped = line.lstrip()
            indent = line[: len(line) - len(stripped)]
            if stripped.startswith(":"):
                result.append([("meta", line)])
                continue
            if stripped.startswith(("#", "//")):
                result.append([("comment", line)])
                if stripped.startswith("//"):
                    scan(line + "\n", state)
                continue
            if stripped.startswith("="):
                frags += [("", indent), ("operator", "=")]
                rest = stripped[1:]
            else:
                head = step_head(line)
                name_part = stripped.split("[", 1)[0]
                frags += [("", indent), ("step" if canonical_step(head) else "unknown", name_part)]
                rest = stripped[len(name_part) :]
        frags += _calc_fragments(rest, _spec(head))
        scan(line + "\n", state)
        result.append([f for f in frags if f[1]])
    return result


def _quote_end(line: str, quote: str) -> int:
    """Index just after the quote that closes an open text on ``line`` (len(line) if none)."""
    i = 0
    while i < len(line):
        if line[i] == "\\" and quote == '"':
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return len(line)


def _calc_fragments(text: str, spec: StepSpec | None) -> list[tuple[str, str]]:
    labels = {_norm(label) for opt in (spec.options if spec else ()) for label in opt.labels}
    out: list[tuple[str, str]] = []
    pos = 0
    label_re = re.compile(r"([\[;]\s*)([^\[\];:：\"“「()$]+?)(\s*[:：])(?![:：])")
    for m in label_re.finditer(text):
        if _norm(m.group(2)) in labels:
            out += _tokens(text[pos : m.start(2)])
            out.append(("label", m.group(2) + m.group(3)))
            pos = m.end()
    out += _tokens(text[pos:])
    return out


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(("", text[pos : m.start()]))
        out.append((m.lastgroup or "", m.group(0)))
        pos = m.end()
    out.append(("", text[pos:]))
    return out
