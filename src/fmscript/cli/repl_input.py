"""Entry collection for ``fmscript repl``: when is what has been typed a whole entry?

An entry is one of

* a meta-command — a line starting with ``:`` (``:vars``, ``:help If``);
* a calculation — ``= expression``, printed with its value;
* one script step, or a block: ``If`` … ``End If`` / ``Loop`` … ``End Loop`` (nested too) is
  collected until the opener is closed, then runs as a whole.

While a bracket ``[ ( `` or a quote (``"…"`` with ``\\"``, ``“…”``, ``「…」``) or a ``/* */``
comment is open, the entry continues on the next line — FileMaker lets a step's options span lines
(a multi-line ``Let``). A ``#`` comment step is free text: brackets in it open nothing.

Pure functions only (no I/O, no prompt_toolkit), shared by the plain and the terminal front ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import attrs

from fmscript.syntax.scan import ESCAPING, QUOTES

# The quote table and escape rule of all step text (fmscript.syntax.scan), scanned incrementally
# here because an entry arrives line by line.
_CLOSE_QUOTE = QUOTES
_ESCAPING_CLOSERS = frozenset(QUOTES[o] for o in ESCAPING)


@attrs.define
class ScanState:
    """Where a scan of entry text ended: open brackets (innermost last), an open quote, a comment."""

    stack: list[str] = attrs.field(factory=list)  # "[" and "("
    quote: str = ""  # the closing character awaited, or ""
    block_comment: bool = False

    @property
    def open(self) -> bool:
        return bool(self.stack or self.quote or self.block_comment)


def scan(text: str, state: ScanState | None = None) -> ScanState:
    """Scan step or calculation text; returns what is left open at its end."""
    st = state or ScanState()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if st.block_comment:
            if text.startswith("*/", i):
                st.block_comment = False
                i += 1
        elif st.quote:
            if ch == "\\" and st.quote in _ESCAPING_CLOSERS and i + 1 < n:
                i += 1  # \" and \\ inside "…" (FileMaker's escapes)
            elif ch == st.quote:
                st.quote = ""
        elif ch in _CLOSE_QUOTE:
            st.quote = _CLOSE_QUOTE[ch]
        elif text.startswith("/*", i) and st.stack:
            st.block_comment = True
            i += 1
        elif text.startswith("//", i) and st.stack:
            # A // comment inside a calculation runs to the end of its line.
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif ch in "[(":
            st.stack.append(ch)
        elif ch in "])" and st.stack:
            st.stack.pop()
        i += 1
    return st


def step_head(line: str) -> str:
    """The step name written at the start of a line (before its ``[``), without ``//``."""
    head = line.split("[", 1)[0].strip()
    if head.startswith("//"):
        return ""  # a disabled step opens and closes nothing
    return head


# Block openers and closers, by canonical step name.
BLOCK_DELTA = {"If": 1, "End If": -1, "Loop": 1, "End Loop": -1}


@attrs.define
class Collector:
    """Feed lines; :meth:`feed` returns the entry text when it is complete, else None.

    ``canonical`` maps a written step name (any language) to its canonical English name, or None.
    """

    canonical: Callable[[str], str | None]
    lines: list[str] = attrs.field(factory=list)
    state: ScanState = attrs.field(factory=ScanState)
    depth: int = 0  # open If / Loop blocks
    kind: str = ""  # "meta" | "calc" | "step"

    @property
    def pending(self) -> bool:
        return bool(self.lines)

    def reset(self) -> None:
        self.lines.clear()
        self.state = ScanState()
        self.depth = 0
        self.kind = ""

    def feed(self, line: str) -> str | None:
        line = line.rstrip("\r\n")
        if not self.lines:
            stripped = line.strip()
            if not stripped:
                return None  # a blank line between entries is nothing
            self.kind = "meta" if stripped.startswith(":") else "calc" if stripped.startswith("=") else "step"
            if self.kind == "meta":
                return line.strip()
        starts_step = self.kind == "step" and not self.state.open
        self.lines.append(line)
        if starts_step and line.strip().startswith("#"):
            pass  # a comment step: free text, brackets in it open nothing
        else:
            scan(line + "\n", self.state)
            if starts_step:
                delta = BLOCK_DELTA.get(self.canonical(step_head(line)) or "", 0)
                self.depth += delta
        if self.state.open or self.depth > 0:
            return None
        text = "\n".join(self.lines)
        self.reset()
        return text

    def finish(self) -> str | None:
        """At end of input: whatever is pending, as an entry (running it reports what is missing)."""
        if not self.lines:
            return None
        text = "\n".join(self.lines)
        self.reset()
        return text


def is_complete(text: str, canonical: Callable[[str], str | None]) -> bool:
    """True when ``text`` (possibly several lines) is a whole entry: used for the terminal's Enter."""
    collector = Collector(canonical)
    result: str | None = None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        result = collector.feed(line)
        if result is not None and i < len(lines) - 1 and any(x.strip() for x in lines[i + 1 :]):
            return True  # several entries pasted at once: let the front end split them
    return result is not None or not text.strip()


def entries(lines: Iterable[str], canonical: Callable[[str], str | None]) -> Iterator[str]:
    """Split an input stream into entries (the plain, non-terminal front end)."""
    collector = Collector(canonical)
    for line in lines:
        entry = collector.feed(line)
        if entry is not None:
            yield entry
    rest = collector.finish()
    if rest is not None:
        yield rest
