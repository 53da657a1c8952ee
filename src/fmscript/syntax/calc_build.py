"""Calculation text → positioned AST (``fmscript.syntax.ast`` nodes).

``parse_calc(text, locator)`` parses with the cached Lark LALR parser and builds nodes whose spans
are in script coordinates; Lark trees are cached per calc text, since calcs repeat a lot.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

import attrs
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from fmscript.errors import CalcSyntaxError, SourceSpan
from fmscript.syntax import ast
from fmscript.syntax.parser import get_parser


@attrs.frozen
class Locator:
    """Maps positions inside a calc (1-based) to script coordinates and builds spans."""

    file: str
    lines: tuple[str, ...] | list[str]
    line0: int = 1  # script line of the calc's first character
    col0: int = 1  # script column of the calc's first character

    def at(self, line: int, col: int) -> tuple[int, int]:
        if line == 1:
            return self.line0, self.col0 + col - 1
        return self.line0 + line - 1, col

    def span(self, line: int, col: int, end_line: int, end_col: int) -> SourceSpan:
        sl, sc = self.at(line, col)
        el, ec = self.at(end_line, end_col)
        src = self.lines[sl - 1] if 0 < sl <= len(self.lines) else ""
        return SourceSpan(self.file, sl, sc, el, ec, src)


def standalone_locator(text: str, file: str = "<calc>") -> Locator:
    return Locator(file, text.split("\n"))


@functools.lru_cache(maxsize=4096)
def _lark_tree(text: str) -> Tree[Token]:
    return get_parser("calc").parse(text)


_CACHED_LENGTH = 4096
# Exactly the grammar's VARIABLE (no braces), NUMBER and STRING tokens (the last without escapes,
# ¶ or line breaks, so its text is its value); anything else goes through Lark.
_SIMPLE = re.compile(
    r"(?P<var>\$\$?[^\W\d]\w*)|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<str>\"[^\"\\¶\n\r]*\")"
)
_OPS = {"≠": "<>", "≤": "<=", "≥": ">="}


def parse_calc(text: str, loc: Locator | None = None) -> Any:
    """Parse one calculation; raises CalcSyntaxError (with a script-coordinate span)."""
    loc = loc or standalone_locator(text)
    if not text.strip():
        raise CalcSyntaxError("the calculation is empty", loc.span(1, 1, 1, 2))
    simple = _SIMPLE.fullmatch(text)
    if simple is not None:
        # One plain token (``$x``, ``12``, ``"abc"``): the node Lark's one-token tree would give,
        # without a parse (thousands of Set Variable targets and literal values per script).
        span = loc.span(1, 1, 1, len(text) + 1)
        if simple.lastgroup == "var":
            return ast.Variable(text, None, span)
        if simple.lastgroup == "num":
            return ast.Number(Decimal(text), span)
        return ast.Text(text[1:-1], span)
    try:
        # Long calcs (a 10 MB text constant) are not cached: the cache would keep another copy.
        tree = _lark_tree(text) if len(text) <= _CACHED_LENGTH else get_parser("calc").parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, loc) from None
    return _Builder(loc).build(tree)[0]


# FileMaker documents no nesting limit; fmscript stops at this many levels of nested functions and
# parenthesised operands (a flat chain such as 1 + 1 + … + 1 or - - - 1 is one level, however long).
MAX_NESTING = 1000

_LEAF_NODES = (ast.Number, ast.Text, ast.Name, ast.Variable, ast.FieldRef)
_LEAVES = frozenset(("number", "string", "pilcrow", "field_ref", "variable", "name"))


def _subexpressions(node: Tree[Token]) -> list[Any]:
    kind, kids = node.data, node.children
    if kind == "binop":
        return [kids[0], kids[2]]
    if kind == "unop" or kind in ("variable_rep", "field_rep"):
        return [kids[1]]
    if kind == "call":
        return [k for k in kids[1:] if k is not None]
    if kind == "group":
        return list(kids)
    return []


class _Builder:
    """Lark tree → AST without Python recursion: an explicit post-order stack, so a chain of
    10,000 operands or 10,000 nested levels never reaches Python's recursion limit. Each result
    carries its nesting depth; a left operand of a binary operator does not add a level (it is
    the same flat chain), everything else does."""

    def __init__(self, loc: Locator) -> None:
        self.loc = loc

    def _span(self, start: Any, end: Any) -> SourceSpan:
        """Span from the first to the last token (lark Tokens; positions always set by the lexer)."""
        return self.loc.span(start.line, start.column, end.end_line, end.end_column)

    def build(self, root: Any) -> tuple[Any, Token, Token]:
        """Returns (ast node, first token, last token)."""
        out: list[tuple[Any, Any, Any, int]] = []
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if isinstance(node, Token):
                out.append((self._token(node), node, node, 0))
                continue
            if node.data in _LEAVES:
                tok = node.children[0]
                out.append((self._token(tok), tok, tok, 0))
                continue
            subs = _subexpressions(node)
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(subs))
                continue
            parts = out[len(out) - len(subs) :] if subs else []
            del out[len(out) - len(parts) :]
            result = self._combine(node, parts)
            if result[3] > MAX_NESTING:
                raise CalcSyntaxError(
                    f"the calculation is nested more than {MAX_NESTING} levels deep "
                    "(functions or parentheses inside each other); split it with Let or variables",
                    self._span(result[1], result[1]),
                )
            out.append(result)
        node, first, last, _ = out[0]
        return node, first, last

    def _combine(
        self, node: Tree[Token], parts: list[tuple[Any, Any, Any, int]]
    ) -> tuple[Any, Any, Any, int]:
        kind = node.data
        kids = node.children
        if kind == "binop":
            (left, ls, _, ld), (right, _, re_, rd) = parts
            op = str(kids[1]).lower()
            # A leaf on the right (1, "a", $x) costs no level: ``a = 1`` in a Let is as deep as ``a``.
            depth = max(ld, rd + 1 if type(right) not in _LEAF_NODES or rd else 0)
            return ast.BinOp(_OPS.get(op, op), left, right, self._span(ls, re_)), ls, re_, depth
        if kind == "unop":
            ((operand, _, oe, d),) = parts
            # A run of signs (- - not 1) is one flat chain, evaluated in a loop: no extra level.
            depth = d if type(operand) in _LEAF_NODES or type(operand) is ast.UnaryOp else d + 1
            return ast.UnaryOp(str(kids[0]).lower(), operand, self._span(kids[0], oe)), kids[0], oe, depth
        if kind in ("variable_rep", "field_rep"):
            base = self._token(kids[0])
            ((rep, _, re_, d),) = parts
            return attrs.evolve(base, repetition=rep, span=self._span(kids[0], re_)), kids[0], re_, d + 1
        if kind == "call":
            name_tok = kids[0]
            args = tuple(p[0] for p in parts)
            last = parts[-1][2] if parts else name_tok
            depth = max((p[3] for p in parts), default=0) + 1
            # The closing ")" is not in the tree; extend the span past the last argument.
            span = self._span(name_tok, last)
            span = attrs.evolve(span, end_column=span.end_column + (1 if args else 2))
            return ast.Call(str(name_tok), args, span, self._span(name_tok, name_tok)), name_tok, last, depth
        if kind == "group":
            first, last = parts[0][1], parts[-1][2]
            depth = max(p[3] for p in parts)
            return ast.Group(tuple(p[0] for p in parts), self._span(first, last)), first, last, depth
        raise AssertionError(f"unexpected calc tree node {kind}")  # pragma: no cover

    def _token(self, tok: Any) -> Any:
        span = self._span(tok, tok)
        t = tok.type
        if t == "STRING":  # sliced from the token itself: str(tok) would be one more copy
            return ast.Text(unescape_string(tok[1:-1]), span)
        text = str(tok)
        if t == "NUMBER":
            return ast.Number(Decimal(text), span)
        if t == "STRING":
            return ast.Text(unescape_string(text[1:-1]), span)
        if t == "PILCROW":
            return ast.Text("\r", span)
        if t == "VARIABLE":
            return ast.Variable(_unbrace_var(text), None, span)
        if t == "FIELD_REF":
            table, field = text.split("::", 1)
            return ast.FieldRef(_unbrace(table), _unbrace(field), None, span)
        if t == "NAME":
            return ast.Name(_unbrace(text), span)
        raise AssertionError(f"unexpected token {t}")  # pragma: no cover


def _unbrace(name: str) -> str:
    name = name.strip()
    if name.startswith("${") and name.endswith("}"):
        return name[2:-1]
    return name


def _unbrace_var(name: str) -> str:
    prefix = "$$" if name.startswith("$$") else "$"
    rest = name[len(prefix) :]
    if rest.startswith("{") and rest.endswith("}"):
        rest = rest[1:-1]
    return prefix + rest


def unescape_string(body: str) -> str:
    """FileMaker text constants: ``\\"`` → ``"``, ``\\\\`` → ``\\``, ``\\¶`` → ``¶``; a bare ¶ or a
    line break is FileMaker's return (CR)."""
    if "\\" not in body and "¶" not in body and "\n" not in body:
        return body
    # "\\" pairs first, left to right, as a reader would; then in each part the escaped quotes
    # and pilcrows, and the bare returns. str.replace works in C and allocates only its result
    # (a list of a million one-character strings took 5 × the text; issue 22).
    parts = body.split("\\\\")
    for i, part in enumerate(parts):
        if "\\" in part:
            part = part.replace('\\"', '"')
        pieces = part.split("\\¶")  # an escaped ¶ is the character itself, not a return
        parts[i] = "¶".join(p.replace("¶", "\r").replace("\n", "\r") for p in pieces)
    return "\\".join(parts)


_FRIENDLY = {
    "RPAR": "')'",
    "LPAR": "'('",
    "RSQB": "']'",
    "LSQB": "'['",
    "SEMICOLON": "';'",
    "NUMBER": "a number",
    "STRING": "a text constant",
    "NAME": "a name",
    "FIELD_REF": "a field",
    "VARIABLE": "a variable",
    "$END": "the end of the calculation",
}


def _syntax_error(exc: UnexpectedInput, text: str, loc: Locator) -> CalcSyntaxError:
    line = getattr(exc, "line", 1) or 1
    col = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        lines = text.split("\n")
        line, col = len(lines), len(lines[-1]) + 1
        expected = getattr(exc, "expected", None) or getattr(exc, "accepts", None) or set()
        if "RPAR" in expected:
            msg = "missing ')' at the end of the calculation"
        elif "RSQB" in expected:
            msg = "missing ']' at the end of the calculation"
        else:
            msg = "the calculation ends where a value is expected"
        return CalcSyntaxError(msg, loc.span(line, col, line, col + 1))
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else "?"
        msg = "a text constant is not closed (missing '\"')" if ch == '"' else f"unexpected character {ch!r}"
        return CalcSyntaxError(msg, loc.span(line, col, line, col + 1))
    tok = exc.token  # type: ignore[attr-defined]
    expected = sorted(_FRIENDLY.get(e, e.lower()) for e in (exc.expected or set()) if e in _FRIENDLY)  # type: ignore[attr-defined]
    what = f"unexpected {str(tok)!r}"
    if tok.type in ("NAME", "NUMBER", "STRING", "FIELD_REF", "VARIABLE", "PILCROW", "LPAR"):
        what += "; an operator or ';' is missing before it"
    elif expected and len(expected) <= 4:
        what += f"; expected {' or '.join(expected)}"
    end = col + max(1, len(str(tok)))
    return CalcSyntaxError(what, loc.span(line, col, line, end))
