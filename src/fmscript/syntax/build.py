"""Script text → :class:`fmscript.syntax.ast.Script`.

Lark (grammar/script.lark) finds steps, option groups and ';'-separated options; this module looks
the step name and option labels up in the step catalogue (en/ja/zh) and turns each option into a
typed value (``fmscript.syntax.options``). Errors are collected, not only the first one.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import gc
import re
import sys
import threading
from array import array
from collections.abc import Callable, Sequence
from typing import Any, overload

import attrs
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from fmscript.errors import FMScriptError, ScriptSyntaxError, SourceSpan, UnknownStepError
from fmscript.syntax import ast, catalogue, scan
from fmscript.syntax.calc_build import Locator
from fmscript.syntax.options import RawOption, build_options
from fmscript.syntax.parser import grammar_path, lark_options


class _Inline(Transformer[Token, Any]):
    """Runs during the LALR parse: no parse tree is built, and each step is built (by the parse's
    :class:`_Builder`) as soon as it is reduced, so its tokens are freed at once instead of a list
    of every step's tokens living until the end of the parse (~1.2 KB per line)."""

    def option(self, kids: list[Any]) -> tuple[int, int]:
        return _start(kids[0]), _end(kids[-1])

    def paren(self, kids: list[Any]) -> tuple[int, int]:
        return kids[0].start_pos, kids[-1].end_pos

    bracket = paren

    def group(self, kids: list[Any]) -> tuple[Token, list[tuple[int, int]], Token]:
        return kids[0], [k for k in kids[1:-1] if isinstance(k, tuple)], kids[-1]

    def step(self, kids: list[Any]) -> None:
        disabled = kids[0] if kids[0].type == "DISABLED" else None
        rest = kids[1:] if disabled is not None else kids
        _builder().add(disabled, rest[0], rest[1:])

    def comment_step(self, kids: list[Any]) -> None:
        disabled = kids[0] if len(kids) == 2 else None
        _builder().add(disabled, kids[-1], None)

    def start(self, kids: list[Any]) -> None:
        return None  # the builder has every step


class _Builder:
    """Builds the steps of one parse while Lark reduces them, a batch at a time: the tokens of at
    most a batch of steps are alive (~2.5 MB), not those of every step (~1.2 KB a line), and
    building apart from Lark's own work keeps the parse as fast (a step built at each reduction
    cost a third more time, batches of 512 still ~5 %: bench/parse_bench.py). After a
    syntax error the text is parsed again (see :func:`_parse_with_recovery`); the steps that ended
    before the blanked-out region are the same objects as in the attempt before, so they are not
    built (nor reported) twice."""

    BATCH = 2048

    def __init__(
        self, smap: SourceMap, sink: StepSink | None = None, steps: CompactSteps | None = None
    ) -> None:
        self.smap = smap
        self.sink = sink  # given: each new step goes there and its result slot holds None
        self.steps = steps  # given (with a sink): each step handed over is also kept as offsets
        self.results: list[ast.Step | FMScriptError | None] = []
        self.bounds = array("q")  # (start, end) offsets of each result
        self._pending: list[tuple[Token | None, Token, list[Any] | None]] = []
        self._reuse: list[ast.Step | FMScriptError | None] = []
        self._reuse_bounds = array("q")
        self._next = 0

    def add(self, disabled: Token | None, tok: Token, groups: list[Any] | None) -> None:
        """A reduced step (``groups`` None: a comment step)."""
        self._pending.append((disabled, tok, groups))
        if len(self._pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for disabled, tok, groups in pending:
            record = _record(disabled, tok, groups)
            start = record[1]
            end = record[3] if record[3] >= 0 else record[2]
            i = self._next
            result: ast.Step | FMScriptError | None
            if i < len(self._reuse) and self._reuse_bounds[2 * i] == start:
                result = self._reuse[i]  # (None: a step already handed to the sink)
                self._next += 1
            else:
                try:
                    result = build_record(record, self.smap)
                except FMScriptError as exc:
                    result = exc
                if self.sink is not None and isinstance(result, ast.Step):
                    if self.steps is not None:
                        self.steps.add(record)
                    self.sink(result)
                    result = None
            self.results.append(result)
            self.bounds.extend((start, end))

    def restart(self, limit: int) -> None:
        """A new attempt: results that ended at or before ``limit`` may be reused."""
        self.flush()
        keep = 0
        while keep < len(self.results) and self.bounds[2 * keep + 1] <= limit:
            keep += 1
        self._reuse, self._reuse_bounds = self.results[:keep], self.bounds[: 2 * keep]
        if self.steps is not None:  # the offsets of the steps kept (handed over: None results)
            self.steps.truncate(sum(1 for r in self._reuse if r is None))
        self.results, self.bounds, self._next = [], array("q"), 0


# What receives each step of a streamed parse (``check_script(..., sink=...)``).
StepSink = Callable[[ast.Step], None]

# The builder of the parse running in this thread (the server may parse in several threads).
_building = threading.local()


def _builder() -> _Builder:
    builder: _Builder = _building.current
    return builder


def _start(x: Any) -> int:
    return int(x.start_pos or 0) if isinstance(x, Token) else int(x[0])


def _end(x: Any) -> int:
    return int(x.end_pos or 0) if isinstance(x, Token) else int(x[1])


@functools.cache
def _script_parser() -> Lark:
    return Lark(
        grammar_path("script").read_text(encoding="utf-8"), transformer=_Inline(), **lark_options("script")
    )


def normalise_text(text: str) -> str:
    """FileMaker uses CR line ends; Windows copies use CRLF. Columns are unaffected."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


class SourceMap:
    """Offsets → (line, column) and spans for one script text."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.lines = text.split("\n")
        self.starts: list[int] | array[int] = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        # The line number last given out: the spans of one step (a few per line) share one int
        # object instead of an int each (numbers past 256 are objects of 28 bytes).
        self._line = (0, 1)

    def pos(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        last = self._line
        if last[0] != i:
            last = self._line = (i, i + 1)
        return last[1], offset - self.starts[i] + 1

    def span(self, start: int, end: int) -> SourceSpan:
        line, col = self.pos(start)
        end_line, end_col = self.pos(max(start, end))
        return SourceSpan(self.file, line, col, end_line, end_col, self.lines[line - 1])

    def locator(self, offset: int) -> Locator:
        line, col = self.pos(offset)
        return Locator(self.file, self.lines, line, col)


def parse_script(text: str, filename: str = "<script>", name: str | None = None) -> ast.Script:
    """Parse a whole script; raises the first error (use :func:`check_script` for all of them)."""
    script, errors = check_script(text, filename, name)
    if errors:
        raise errors[0]
    return script


def check_script(
    text: str,
    filename: str = "<script>",
    name: str | None = None,
    sink: StepSink | None = None,
    compact: bool = False,
) -> tuple[ast.Script, list[FMScriptError]]:
    """Parse a script, collecting every error. Returns the steps that did parse and the errors.
    With a ``sink``, each step is handed to it (in script order) as soon as it is built and not
    kept: the returned script has no steps, and memory does not grow with the script's length
    (``fmscript check``). ``compact``: the script's steps are :class:`CompactSteps` (offsets,
    each step built again when asked for; a big script's run)."""
    # The parse allocates hundreds of thousands of objects (tokens, spans, nodes) and frees few,
    # so the cyclic GC would run its full collections over a growing heap again and again (~18 %
    # of a 10k-line parse). The AST is freed by reference counting; any cycle (a Lark error's
    # state) is collected once the GC resumes. Pause it, as a loader would.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _check_script(text, filename, name, sink, compact)
    finally:
        if paused:
            gc.enable()


def _check_script(
    text: str, filename: str, name: str | None, sink: StepSink | None, compact: bool
) -> tuple[ast.Script, list[FMScriptError]]:
    text = normalise_text(text)
    smap = SourceMap(text, filename)
    errors: list[FMScriptError] = []
    work = _close_runaway_groups(text, smap, errors)
    kept = CompactSteps(smap) if compact else None
    if kept is not None and sink is None:
        sink = _drop
    steps: list[ast.Step] = []
    for result in _parse_with_recovery(work, smap, errors, sink, kept):
        if isinstance(result, ast.Step):
            steps.append(result)
        elif result is not None:
            errors.append(result)
    errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
    script_name = name if name is not None else _script_name(filename)
    script = ast.Script(script_name, filename, tuple(steps), text)
    if kept is None:
        return script, errors
    smap.starts = array("q", smap.starts)  # kept for the run: 8 bytes a line (a list of ints: 40)
    return attrs.evolve(script, steps=kept), errors


def _drop(step: ast.Step) -> None:
    return None


def _script_name(filename: str) -> str:
    import os

    base = os.path.basename(filename)
    return base.rsplit(".", 1)[0] if "." in base else base


def _parse_with_recovery(
    text: str,
    smap: SourceMap,
    errors: list[FMScriptError],
    sink: StepSink | None = None,
    kept: CompactSteps | None = None,
) -> list[ast.Step | FMScriptError | None]:
    """Parse, building each step as it is reduced; after a syntax error, blank out the broken step
    (keeping every offset) and parse again, so ``fmscript check`` reports every broken step, not
    only the first. Returns the steps (and the errors building them raised) in script order."""
    builder = _Builder(smap, sink, kept)
    outer = getattr(_building, "current", None)
    _building.current = builder
    try:
        work = text
        for _ in range(100):
            try:
                _script_parser().parse(work)
                builder.flush()
                return builder.results
            except UnexpectedInput as exc:
                pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(work)
                pos = min(max(pos, 0), len(work))
                errors.append(_syntax_error(exc, smap, pos, work))
                start = _step_start(work, pos)
                stop = _next_step_line(work, pos)
                if stop <= start:
                    return []
                work = (
                    work[:start] + "".join(ch if ch == "\n" else " " for ch in work[start:stop]) + work[stop:]
                )
                builder.restart(start)
        return []
    finally:
        _building.current = outer


def _close_runaway_groups(text: str, smap: SourceMap, errors: list[FMScriptError]) -> str:
    """Options may span lines (a multi-line Let), so a forgotten ']' would swallow the steps after
    it. A line that starts with a known step name while a group is still open means exactly that:
    report it where the ']' is missing and blank the broken step out (offsets stay the same)."""
    depth = 0
    step_start = 0
    step_name = ""
    last_end = 0  # end of the last non-blank line
    offset = 0
    open_quote: int | None = None  # where a quote left open on a line of this step began
    blanks: list[tuple[int, int]] = []
    for line in text.split("\n"):
        head = line.split("[", 1)[0].strip()
        if depth == 0 and line.lstrip(" \t\u3000").startswith(("#", "//#", "// #")):
            # A comment step is free text to the end of its line: its '[', ']' and quotes are words.
            offset += len(line) + 1
            continue
        if depth > 0 and _looks_like_step(head, line):
            if open_quote is not None:
                msg = f"a quoted name or text is not closed in the options of {step_name}"
                span = smap.span(open_quote, open_quote + 1)
            else:
                msg = f"missing ']' closing the options of {step_name}"
                span = smap.span(max(last_end - 1, 0), last_end)
            errors.append(ScriptSyntaxError(msg, span))
            blanks.append((step_start, offset))
            depth = 0
        if depth == 0 and head:
            step_start = offset
            found = catalogue.lookup_step(head.lstrip("/").strip())
            step_name = found[0].name if found else head
            open_quote = None
        chars = scan.unquoted(line, only="[]")
        for _i, ch in chars:
            if ch == "[":
                depth += 1
            elif ch == "]":
                depth = max(0, depth - 1)
        if chars.open_quote is not None and open_quote is None:
            open_quote = offset + chars.open_quote
        if line.strip():
            last_end = offset + len(line.rstrip())
        offset += len(line) + 1
    for start, stop in blanks:
        text = text[:start] + "".join(ch if ch == "\n" else " " for ch in text[start:stop]) + text[stop:]
    return text


_STEP_HEAD = re.compile(r"^(//\s*)?[^\W\d][\w\s/\-.]*$")


def _looks_like_step(head: str, line: str) -> bool:
    """A line that starts a step: a known step name, or words followed by an option group."""
    if not head or head.startswith("#"):
        return bool(head)
    if catalogue.lookup_step(head.lstrip("/").strip()):
        return True
    return bool(_STEP_HEAD.match(head)) and "[" in line and not catalogue.value_word(head)


def _next_step_line(text: str, pos: int) -> int:
    """Offset of the first line after ``pos`` that starts a known step (or a comment)."""
    i = text.find("\n", pos)
    while i >= 0:
        line_end = text.find("\n", i + 1)
        line = text[i + 1 : line_end if line_end >= 0 else len(text)]
        head = line.split("[", 1)[0].strip()
        if head.startswith(("#", "//")) or (head and catalogue.lookup_step(head)):
            return i + 1
        i = line_end
    return len(text)


def _step_start(text: str, pos: int) -> int:
    """Start of the step that contains ``pos``: the last line start not inside an open bracket."""
    depth = 0
    i = min(pos, len(text)) - 1
    while i >= 0:
        ch = text[i]
        if ch == "]":
            depth += 1
        elif ch == "[":
            depth = max(0, depth - 1)
        elif ch == "\n" and depth == 0:
            return i + 1
        i -= 1
    return 0


def _syntax_error(exc: UnexpectedInput, smap: SourceMap, pos: int, text: str) -> ScriptSyntaxError:
    step = _step_name_before(smap.text, pos)
    where = f" of {step}" if step else ""
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        pos = len(smap.text.rstrip("\n"))
        if text.count("[") > text.count("]"):
            msg = f"missing ']' closing the options{where}"
        else:
            msg = f"the script ends inside the options{where}"
        return ScriptSyntaxError(msg, smap.span(max(0, pos - 1), pos))
    ch = smap.text[pos] if pos < len(smap.text) else ""
    inside = f" in the options{where}" if where else ""
    if isinstance(exc, UnexpectedCharacters) and ch in scan.OPENERS:
        msg = f"a quoted name or text is not closed{inside}"
    elif ch == "]" and _open_parens(smap.text, _step_start(smap.text, pos), pos) > 0:
        msg = f"missing ')' before ']'{inside}: a '(' is not closed"
    elif isinstance(exc, UnexpectedToken) and exc.token.type == "_NL":
        msg = f"missing ']' closing the options{where}"
    elif ch == "]":
        msg = "unexpected ']': no option group is open" + (f" after the options{where}" if where else "")
    elif ch == "[":
        msg = f"unexpected '['{where}: a step's options must come right after its name"
    elif ch == ")":
        msg = f"unexpected ')' (no '(' is open{where})"
    else:
        msg = f"unexpected {ch!r}{where}"
    return ScriptSyntaxError(msg, smap.span(pos, pos + 1))


def _open_parens(text: str, start: int, stop: int) -> int:
    return scan.bracket_depth(text, start, stop, "()")


def _step_name_before(text: str, pos: int) -> str:
    start = _step_start(text, pos)
    head = text[start:pos].split("[", 1)[0].strip().lstrip("/").strip()
    found = catalogue.lookup_step(head) if head else None
    return found[0].name if found else ""


def _record(disabled: Token | None, tok: Token, groups: list[Any] | None) -> list[int]:
    """A reduced step as offsets: [flags, name start, name token end, end of its last group or
    -1, then each option's start and stop]; flags: 1 disabled, 2 a comment (``tok`` its text)."""
    flags = (1 if disabled is not None else 0) | (2 if groups is None else 0)
    record = [flags, tok.start_pos or 0, tok.end_pos or 0, groups[-1][2].end_pos if groups else -1]
    for _lsqb, options, _rsqb in groups or ():
        for opt_start, opt_stop in options:
            record += (opt_start, opt_stop)
    return record


def build_record(record: Sequence[int], smap: SourceMap) -> ast.Step:
    """The step a :func:`_record` describes (raises its OptionError, UnknownStepError...)."""
    flags, start, stop, end = record[0], record[1], record[2], record[3]
    disabled = bool(flags & 1)
    if flags & 2:  # a comment step: its text after the '#'
        return ast.Step("#", {}, smap.span(start, stop), "#", "en", disabled, smap.text[start + 1 : stop])
    token = smap.text[start:stop]
    written = token.strip()
    name_end = start + len(token.rstrip())
    span = smap.span(start, end if end >= 0 else name_end)
    found = catalogue.lookup_step(written)
    if found is None:
        raise UnknownStepError(_unknown_step_message(written), smap.span(start, name_end))
    spec, lang = found
    raw = [RawOption(smap.text[record[k] : record[k + 1]], record[k], smap) for k in range(4, len(record), 2)]
    options = build_options(spec, raw, span)
    # The written name is kept once per spelling (a script repeats a few step names many times).
    return ast.Step(spec.name, options, span, sys.intern(written), lang, disabled)


class CompactSteps(Sequence[ast.Step]):
    """The steps of a big script kept as offsets into its text (~70 bytes a step instead of
    ~1 KB of objects): a step is built again from its text each time it is asked for (the
    interpreter asks on a step's first and second run; its runner keeps what it needs)."""

    __slots__ = ("_at", "_last", "_records", "_smap")

    def __init__(self, smap: SourceMap) -> None:
        self._smap = smap
        self._records = array("q")
        self._at = array("q")  # where each step's record starts in _records
        self._last: tuple[int, ast.Step] | None = None

    def add(self, record: list[int]) -> None:
        self._at.append(len(self._records))
        self._records.extend(record)

    def truncate(self, n: int) -> None:
        if n < len(self._at):
            del self._records[self._at[n] :]
            del self._at[n:]

    def __len__(self) -> int:
        return len(self._at)

    @overload
    def __getitem__(self, index: int) -> ast.Step: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[ast.Step, ...]: ...
    def __getitem__(self, index: int | slice) -> ast.Step | tuple[ast.Step, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        index = range(len(self._at))[index]  # negative indexes; IndexError past the end
        last = self._last
        if last is not None and last[0] == index:
            return last[1]
        stop = self._at[index + 1] if index + 1 < len(self._at) else len(self._records)
        step = build_record(self._records[self._at[index] : stop], self._smap)
        self._last = (index, step)
        return step

    def __repr__(self) -> str:
        return f"CompactSteps({len(self)} steps)"


def _unknown_step_message(written: str) -> str:
    names = catalogue.step_names()
    close = difflib.get_close_matches(written, names, n=1, cutoff=0.6)
    if not close:
        lowered = {catalogue.norm(n): n for n in names}
        hit = difflib.get_close_matches(catalogue.norm(written), list(lowered), n=1, cutoff=0.6)
        close = [lowered[hit[0]]] if hit else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown script step {written!r}{hint}"
