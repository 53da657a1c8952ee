"""``-k EXPR``: pytest's keyword expressions over case ids.

``total``, ``not slow``, ``ja and (find or sort)``: a word matches when it is part of the case id
(case-insensitive), combined with ``and`` / ``or`` / ``not`` and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")

Matcher = Callable[[str], bool]


class KeywordError(ValueError):
    pass


def compile_keyword(expression: str) -> Matcher:
    tokens = _TOKEN.findall(expression)
    if not tokens:
        return lambda _id: True
    parser = _Parser(tokens, expression)
    matcher = parser.either()
    if parser.pos != len(tokens):
        raise KeywordError(f"-k {expression!r}: unexpected {tokens[parser.pos]!r}")
    return matcher


class _Parser:
    def __init__(self, tokens: list[str], expression: str) -> None:
        self.tokens = tokens
        self.expression = expression
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def either(self) -> Matcher:
        parts = [self.both()]
        while self._peek() == "or":
            self.pos += 1
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else lambda i: any(p(i) for p in parts)

    def both(self) -> Matcher:
        parts = [self.single()]
        while self._peek() == "and":
            self.pos += 1
            parts.append(self.single())
        return parts[0] if len(parts) == 1 else lambda i: all(p(i) for p in parts)

    def single(self) -> Matcher:
        token = self._peek()
        if token is None or token in (")", "and", "or"):
            raise KeywordError(f"-k {self.expression!r}: a word or '(' expected")
        self.pos += 1
        if token == "not":
            inner = self.single()
            return lambda i: not inner(i)
        if token == "(":
            inner = self.either()
            if self._peek() != ")":
                raise KeywordError(f"-k {self.expression!r}: ')' expected")
            self.pos += 1
            return inner
        word = token.lower()
        return lambda i: word in i.lower()
