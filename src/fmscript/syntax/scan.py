"""One scanner for quotes in step text, used by everything that looks at option text.

FileMaker prints quoted names and text as ``"…"`` (``\\"`` escapes a quote, ``\\\\`` a backslash),
and the Claris ja/zh pages print them as ``“…”`` and ``「…」``. The quote table, the escape rule and
the way a string is read are here once, matching the grammar's STRING token
(``grammar/script.lark``): backslash escapes inside ``"…"`` and ``“…”``, none inside ``「…」``.
Everything else (bracket depth, top-level ``:`` and ``;``, `` AND `` between find criteria) is
derived from :func:`unquoted`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

# opening quote -> closing quote
QUOTES: dict[str, str] = {'"': '"', "“": "”", "「": "」"}
# quotes inside which a backslash escapes the next character
ESCAPING = frozenset('"“')
OPENERS = "".join(QUOTES)


class Unquoted:
    """Iterate ``(index, char)`` over the characters of ``text[start:stop]`` that are outside
    quoted strings (the quote characters themselves are not yielded). After the iteration,
    ``open_quote`` is the index of a quote left open at ``stop`` (else None)."""

    def __init__(self, text: str, start: int = 0, stop: int | None = None, only: str = "") -> None:
        self.text = text
        self.start = start
        self.stop = len(text) if stop is None else stop
        self.open_quote: int | None = None
        self.only = only

    def __iter__(self) -> Iterator[tuple[int, str]]:
        text, i, stop = self.text, self.start, self.stop
        self.open_quote = None
        if self.only:
            # Only the characters asked for: a regex jumps from one (or an opening quote) to the
            # next in C, instead of a Python step per character (the parser's pre-scans).
            pattern = _only_pattern(self.only)
            while True:
                m = pattern.search(text, i, stop)
                if m is None:
                    return
                i = m.start()
                ch = text[i]
                if ch in QUOTES:
                    end = string_end(text, i, stop)
                    if end is None:
                        self.open_quote = i
                        return
                    i = end
                    continue
                yield i, ch
                i += 1
        while i < stop:
            ch = text[i]
            close = QUOTES.get(ch)
            if close is None:
                yield i, ch
                i += 1
                continue
            end = string_end(text, i, stop)
            if end is None:
                self.open_quote = i
                return
            i = end


def unquoted(text: str, start: int = 0, stop: int | None = None, only: str = "") -> Unquoted:
    """See :class:`Unquoted`; with ``only``, just the characters in ``only`` are yielded."""
    return Unquoted(text, start, stop, only)


@functools.cache
def _only_pattern(only: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(only + OPENERS) + "]")


# One compiled pattern per opening quote, as the grammar's STRING token: a string does not span
# lines; "unrolled" so a 10 MB literal is matched in C without backtracking.
_STRING_AT = {
    '"': re.compile(r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'),
    "“": re.compile(r"“[^”\\\n]*+(?:\\.[^”\\\n]*+)*+”"),
    "「": re.compile(r"「[^」\n]*」"),
}


def string_end(text: str, i: int, stop: int | None = None) -> int | None:
    """``text[i]`` opens a quoted string: the index just after its closing quote, or None when
    it is not closed on its line before ``stop``."""
    m = _STRING_AT[text[i]].match(text, i, len(text) if stop is None else stop)
    return m.end() if m else None


def unescape(body: str, opener: str = '"') -> str:
    """The text inside a quoted string (without its quotes), escapes resolved: ``\\"``, ``\\”``,
    ``\\\\`` and ``\\¶`` stand for the character; any other backslash is kept (as FileMaker does)."""
    if opener not in ESCAPING or "\\" not in body:
        return body
    # "\\" pairs first, left to right, as a reader would; str.replace works in C and allocates
    # only its result (no list of a million pieces for a text of escaped quotes).
    parts = body.split("\\\\")
    for i, part in enumerate(parts):
        if "\\" in part:
            parts[i] = part.replace('\\"', '"').replace("\\”", "”").replace("\\¶", "¶")
    return "\\".join(parts)


def whole_string(text: str) -> str | None:
    """When ``text`` is exactly one quoted string, its content (escapes resolved); else None."""
    if not text or text[0] not in QUOTES:
        return None
    end = string_end(text, 0)
    if end != len(text):
        return None
    return unescape(text[1:-1], text[0])


def leading_string(text: str) -> tuple[str, int] | None:
    """When ``text`` starts with a quoted string: (its content, the index after it); else None."""
    if not text or text[0] not in QUOTES:
        return None
    end = string_end(text, 0)
    if end is None:
        return None
    return unescape(text[1 : end - 1], text[0]), end


def strings(text: str) -> list[str]:
    """The contents of every quoted string in ``text``, in order (escapes resolved)."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        if text[i] in QUOTES:
            end = string_end(text, i)
            if end is None:
                break
            out.append(unescape(text[i + 1 : end - 1], text[i]))
            i = end
        else:
            i += 1
    return out


def bracket_depth(text: str, start: int = 0, stop: int | None = None, pairs: str = "[]") -> int:
    """Net depth of ``pairs`` (e.g. ``[]`` or ``()``) outside quotes in ``text[start:stop]``."""
    opener, closer = pairs[0], pairs[1]
    depth = 0
    for _i, ch in unquoted(text, start, stop, only=pairs):
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
    return depth
