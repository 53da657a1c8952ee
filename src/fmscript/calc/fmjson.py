"""FileMaker's JSON engine: parsing, ``keyOrIndexOrPath`` paths, and FileMaker-shaped output.

FileMaker's JSON functions are built on JsonCpp, and its quirks leak into what users see, so this
module reproduces them (:mod:`json` only does the parts where they agree, for speed):

* Parse errors read like JsonCpp's ``Reader`` (``* Line 1, Column 3`` then ``Missing ',' or ']' in
  array declaration``); Claris documents exactly these texts for JSONParse, prefixed with ``? ``.
  Lines and columns count UTF-8 bytes, as JsonCpp does.
* A document must be an object or an array (``JSONParsedState ( JSONParse ( Pi ) )`` is -1), but
  anything after the first complete element is ignored (JSONRaw inserts only ``4`` from ``4,2``).
* Objects are ``std::map``s: output keys are sorted (by code point, which is UTF-8 byte order),
  duplicate keys keep the last value.
* Compact output has no spaces (JSONFormatElements' styled output is in functions/json.py).

Numbers stay :class:`~decimal.Decimal` from the text to the output and are written the way
FileMaker writes numbers: plain digits, no exponent, no trailing zeros (``1e-4`` -> ``0.0001``).
JSON values are plain Python data: dict, list, str, Decimal, bool, None. Documents are never
mutated (updates copy the containers on their path and share the rest), which lets parses be cached
by text and the output texts of containers by identity: a Loop over one document stays cheap.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

# JSONSetElement type constants, as documented (JSONGetElementType never returns JSONRaw).
JSON_RAW, JSON_STRING, JSON_NUMBER, JSON_OBJECT, JSON_ARRAY, JSON_BOOLEAN, JSON_NULL = range(7)
TYPE_CONSTANTS: dict[str, int] = {
    "JSONRaw": JSON_RAW,
    "JSONString": JSON_STRING,
    "JSONNumber": JSON_NUMBER,
    "JSONObject": JSON_OBJECT,
    "JSONArray": JSON_ARRAY,
    "JSONBoolean": JSON_BOOLEAN,
    "JSONNull": JSON_NULL,
}

# JsonCpp's Reader stops at 1,000 nested arrays/objects ("Exceeded stackLimit in readValue()."), so
# FileMaker's JSON functions return "? …" for a deeper document instead of recursing without bound.
DEPTH_LIMIT = 1000
TOO_DEEP = "Exceeded stackLimit in readValue()."
# JsonCpp pads an array up to any index it is given; fmscript refuses to pad more than this many
# elements past the end (JSONSetElement ( "[]" ; "[100000000]" ; … ) would build 100 million nulls).
PAD_LIMIT = 100_000

# The one path error text Claris documents (JSONGetElementType example 3).
BAD_PATH = "Incorrect key, index, or path"


class JSONError(Exception):
    """A JSON function failed; FileMaker returns ``text`` (``"? "`` + message) instead of a value."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def text(self) -> str:
        return "? " + self.message


class PathNotFound(JSONError):
    """A well-formed path that names nothing in the document (JSONGetElement then returns "")."""

    def __init__(self) -> None:
        super().__init__(BAD_PATH)


class ParsedJSON(str):
    """Text carrying FileMaker 22's cached parse (what JSONParsedState reports).

    JSONParse and JSONSetElement return it; it flows through variables and Let unchanged, and any
    text operation (``&``, Substitute, ...) yields a plain ``str`` again: "not parsed", state 0.
    ``state`` is -1 for parsed-but-invalid text (then ``error`` holds the message) or the type
    number 1-6 of the root; ``doc`` is the parsed value, shared and never mutated.
    """

    state: int
    doc: Any
    error: str | None

    def __new__(cls, text: str, state: int, doc: Any = None, error: str | None = None) -> ParsedJSON:
        obj = super().__new__(cls, text)
        obj.state, obj.doc, obj.error = state, doc, error
        return obj


def parsed(doc: Any, shared: bool = False) -> ParsedJSON:
    """Compact text of ``doc`` carrying its parse, as JSONSetElement/JSONMakeArray return it
    (``shared``: as for dumps)."""
    return ParsedJSON(dumps(doc, shared), type_of(doc), doc)


# ----------------------------------------------------------------------------- parsing


# What JsonCpp's readNumber consumes after the first character (validated later by Decimal).
_NUMBER_TAIL = re.compile(r"[0-9]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]*)?")


class _Reader:
    """A port of JsonCpp's ``Reader`` (strict root, no comments): same tokens, same messages."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    # -- errors -------------------------------------------------------------
    def location(self, index: int) -> str:
        before = self.text[:index]
        # JsonCpp counts \r, \n and \r\n as line ends and columns in UTF-8 bytes.
        line = 1 + len(re.findall(r"\r\n?|\n", before))
        start = max(before.rfind("\r"), before.rfind("\n")) + 1
        column = len(before[start:].encode("utf-8", "surrogatepass")) + 1
        return f"Line {line}, Column {column}"

    def fail(self, message: str, at: int, extra: int | None = None) -> JSONError:
        # FileMaker shows JsonCpp's two-line message; its line break is a FileMaker return.
        text = f"* {self.location(at)}\r  {message}"
        if extra is not None:
            text += f"\rSee {self.location(extra)} for detail."
        return JSONError(text)

    # -- tokens -------------------------------------------------------------
    def skip_spaces(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos

    def token(self) -> tuple[str, int]:
        """Read one token; return (kind, start). Kinds: { } [ ] , : string number true false null
        end error."""
        self.skip_spaces()
        text, start = self.text, self.pos
        if start >= len(text):
            return "end", start
        c = text[start]
        self.pos = start + 1
        if c in "{}[],:":
            return c, start
        if c == '"':
            pos = start + 1
            while pos < len(text):
                ch = text[pos]
                pos += 2 if ch == "\\" else 1
                if ch == '"':
                    self.pos = pos
                    return "string", start
            self.pos = len(text)
            return "error", start
        if c == "-" or "0" <= c <= "9":
            m = _NUMBER_TAIL.match(text, start + 1)
            self.pos = m.end() if m else start + 1
            return "number", start
        for word in ("true", "false", "null"):
            if text.startswith(word, start):
                self.pos = start + len(word)
                return word, start
        return "error", start

    # -- values -------------------------------------------------------------
    def value(self) -> Any:
        kind, start = self.token()
        if kind in ("{", "["):
            if self.depth >= DEPTH_LIMIT:
                raise JSONError(TOO_DEEP)
            self.depth += 1
            result = self.object() if kind == "{" else self.array()
            self.depth -= 1
            return result
        if kind == "number":
            raw = self.text[start : self.pos]
            try:
                number = Decimal(raw)
            except InvalidOperation:
                number = None
            # An absurd exponent would render as megabytes of zeros; JsonCpp rejects it as well.
            if number is None or abs(number.adjusted()) > 10000:
                raise self.fail(f"'{raw}' is not a number.", start)
            return number
        if kind == "string":
            return self.string(start)
        if kind in ("true", "false"):
            return kind == "true"
        if kind == "null":
            return None
        raise self.fail("Syntax error: value, object or array expected.", start)

    def object(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        name: str | None = None
        while True:
            kind, start = self.token()
            # JsonCpp only accepts "}" here before the first member, so {"a":1,} is an error.
            if kind == "}" and name is None:
                return result
            if kind != "string":
                raise self.fail("Missing '}' or object member name", start)
            name = self.string(start)
            kind, at = self.token()
            if kind != ":":
                raise self.fail("Missing ':' after object member name", at)
            result[name] = self.value()
            kind, at = self.token()
            if kind == "}":
                return result
            if kind != ",":
                raise self.fail("Missing ',' or '}' in object declaration", at)

    def array(self) -> list[Any]:
        result: list[Any] = []
        self.skip_spaces()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return result
        while True:
            result.append(self.value())
            kind, at = self.token()
            if kind == "]":
                return result
            if kind != ",":
                raise self.fail("Missing ',' or ']' in array declaration", at)

    def string(self, start: int) -> str:
        body, out, i = self.text[start + 1 : self.pos - 1], [], 0
        base = start + 1
        while i < len(body):
            c = body[i]
            i += 1
            if c != "\\":
                out.append(c)
                continue
            if i >= len(body):
                raise self.fail("Empty escape sequence in string", start, base + i)
            e = body[i]
            i += 1
            simple = {'"': '"', "/": "/", "\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
            if e in simple:
                out.append(simple[e])
            elif e == "u":
                code, i = self._hex4(body, i, start, base)
                if 0xD800 <= code <= 0xDBFF:
                    if len(body) - i < 6:
                        raise self.fail(
                            "additional six characters expected to parse unicode surrogate pair.",
                            start,
                            base + i,
                        )
                    if body[i : i + 2] != "\\u":
                        raise self.fail(
                            "expecting another \\u token to begin the second half of a unicode surrogate pair",
                            start,
                            base + i + 2,
                        )
                    low, i = self._hex4(body, i + 2, start, base)
                    code = 0x10000 + ((code & 0x3FF) << 10) + (low & 0x3FF)
                # A lone low surrogate cannot be stored as text; use the replacement character.
                out.append("\ufffd" if 0xDC00 <= code <= 0xDFFF else chr(code))
            else:
                raise self.fail("Bad escape sequence in string", start, base + i)
        return "".join(out)

    def _hex4(self, body: str, i: int, start: int, base: int) -> tuple[int, int]:
        if len(body) - i < 4:
            raise self.fail("Bad unicode escape sequence in string: four digits expected.", start, base + i)
        digits = body[i : i + 4]
        for n, ch in enumerate(digits):
            if ch not in "0123456789abcdefABCDEF":
                raise self.fail(
                    "Bad unicode escape sequence in string: hexadecimal digit expected.",
                    start,
                    base + i + n + 1,
                )
        return int(digits, 16), i + 4


def _number(text: str) -> Decimal:
    number = Decimal(text)
    if number.is_finite() and -10000 <= number.adjusted() <= 10000:
        return number
    raise ValueError(text)  # NaN, Infinity (no JSON to JsonCpp) or an absurd exponent: the port says


# json's C scanner reads strict JSON exactly as the port does (same values, duplicate keys keep the
# last value); strict=False takes raw control characters in strings, as JsonCpp does.
_DECODER = json.JSONDecoder(parse_float=_number, parse_int=_number, parse_constant=_number, strict=False)
_SPACE = re.compile(r"[ \t\r\n]*")
# Surrogate escapes: the port pairs and replaces them its own way.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_PARSES: dict[str, Any] = {}  # text -> document, least recently used first
_PARSES_KEPT = 32


def _parse_container(text: str) -> Any:
    """The object or array that ``text`` starts with (after spaces). Raises JSONError. Cached by
    text (a Loop re-reads the same variable): the result is shared and never mutated. What json's
    C scanner rejects (JsonCpp's looser numbers, errors) goes to the port, for its reading and text.
    """
    doc = _PARSES.pop(text, None)
    if doc is None:
        if "\\u" in text and _SURROGATE_ESCAPE.search(text):
            doc = _Reader(text).value()
        else:
            try:
                doc = _DECODER.raw_decode(text, _space_end(text))[0]
            except (ValueError, ArithmeticError, RecursionError):  # the port says why
                doc = _Reader(text).value()
            else:
                # Nesting needs as many brackets: only a text with that many can be too deep.
                if text.count("[") + text.count("{") > DEPTH_LIMIT and _too_deep(doc):
                    raise JSONError(TOO_DEEP)
        if len(_PARSES) >= _PARSES_KEPT:
            del _PARSES[next(iter(_PARSES))]
    _PARSES[text] = doc
    return doc


def _too_deep(doc: Any) -> bool:
    """Whether containers nest deeper than DEPTH_LIMIT (iterative: never recurses itself)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > DEPTH_LIMIT:
            return True
        for item in node.values() if node.__class__ is dict else node:
            if item.__class__ is dict or item.__class__ is list:
                stack.append((item, depth + 1))
    return False


def reused(value: Any) -> bool:
    """Whether the document in ``value`` has been read before (a ParsedJSON, or text whose parse is
    cached): one a Loop goes back to, whose output texts are worth remembering (dumps' ``shared``)."""
    return isinstance(value, ParsedJSON) or (isinstance(value, str) and value in _PARSES)


def _starts_container(text: str) -> bool:
    return text.startswith(("{", "["), _space_end(text))


def _space_end(text: str, at: int = 0) -> int:
    m = _SPACE.match(text, at)  # [ \t\r\n]* always matches
    return m.end() if m else at


def parse(text: str) -> Any:
    """Parse a JSON document (object or array; text after it is ignored). Raises JSONError.
    The result may be shared with other callers (see _parse_container): never mutate it."""
    if _starts_container(text):
        return _parse_container(text)
    reader = _Reader(text)
    reader.value()
    # JsonCpp's strictRoot check, reported at the start of the document.
    raise reader.fail("A valid JSON document must be either an array or an object value.", 0)


def parse_element(text: str) -> Any:
    """Parse the first JSON element of ``text``, any type (JSONRaw). Raises JSONError."""
    return _parse_container(text) if _starts_container(text) else _Reader(text).value()


def load(value: Any) -> Any:
    """The JSON document in a calculation value: the cached parse of a ParsedJSON, else parse it."""
    if isinstance(value, ParsedJSON):
        if value.error is not None:
            raise JSONError(value.error)
        return value.doc
    return parse(value if isinstance(value, str) else str(value))


def try_parse(text: str) -> ParsedJSON:
    """JSONParse: the text unchanged with its parse attached, or the error text (state -1)."""
    if isinstance(text, ParsedJSON):
        return text
    try:
        doc = parse(text)
    except JSONError as exc:
        return ParsedJSON(exc.text, -1, None, exc.message)
    return ParsedJSON(text, type_of(doc), doc)


def type_of(value: Any) -> int:
    """The JSONSetElement type number of a parsed value."""
    for cls, number in _TYPES.items():
        if isinstance(value, cls):
            return number
    return JSON_NULL


_TYPES = {bool: JSON_BOOLEAN, str: JSON_STRING, Decimal: JSON_NUMBER, dict: JSON_OBJECT, list: JSON_ARRAY}


# ----------------------------------------------------------------------------- paths

APPEND = ("append",)  # [+]: one past the last element
LAST = ("last",)  # [:]: the last element


def parse_path(path: str) -> list[tuple[Any, ...]]:
    """Split ``keyOrIndexOrPath`` into segments: ("key", name), ("index", n), APPEND, LAST.

    Dot and bracket notation mix freely: ``.a.b``, ``['a']['b']``, ``[3][2][1]nameA[0]``, and a key
    may follow an index with no dot (``product[1]name``). ``""`` and ``"."`` are the root. A plain
    key made of digits also indexes an array (``JSONGetElement ( "[1,2]" ; 1 )``), decided at lookup.
    """
    segments: list[tuple[Any, ...]] = []
    i, n = (1 if path.startswith(".") else 0), len(path)
    after_dot = False
    while i < n:
        c = path[i]
        if c == "[":
            close = path.find("']", i + 2) if path.startswith("['", i) else path.find("]", i + 1)
            if close < 0:
                raise JSONError(BAD_PATH)
            if path.startswith("['", i):
                segments.append(("key", path[i + 2 : close]))
                i = close + 2
            else:
                inner = path[i + 1 : close].strip()
                if inner == "+":
                    segments.append(APPEND)
                elif inner == ":":
                    segments.append(LAST)
                elif inner.isascii() and inner.isdigit():
                    segments.append(("index", int(inner)))
                else:
                    raise JSONError(BAD_PATH)
                i = close + 1
            after_dot = False
        elif c == ".":
            if after_dot or i == n - 1:  # "a..b" or a trailing dot names no key
                raise JSONError(BAD_PATH)
            after_dot = True
            i += 1
        else:
            end = i
            while end < n and path[end] not in ".[":
                end += 1
            segments.append(("key", path[i:end]))
            i, after_dot = end, False
    if len(segments) > DEPTH_LIMIT:
        raise JSONError(TOO_DEEP)
    return segments


def _resolve(container: Any, seg: tuple[Any, ...], creating: bool = False) -> Any:
    """The key or index ``seg`` names in ``container``; None if it names nothing there."""
    if isinstance(container, dict):
        return seg[1] if seg[0] == "key" else None
    if isinstance(container, list):
        if seg is APPEND:
            return len(container) if creating else None
        if seg is LAST:
            return len(container) - 1 if container else (0 if creating else None)
        if seg[0] == "index":
            return seg[1]
        key = seg[1]
        return int(key) if key.isascii() and key.isdigit() else None
    return None


@lru_cache(maxsize=256)
def _segments(path: str) -> tuple[tuple[Any, ...], ...]:
    """parse_path, cached by text: a Loop evaluates the same paths again and again."""
    return tuple(parse_path(path))


def _child(node: Any, seg: tuple[Any, ...]) -> tuple[Any, Any]:
    """(key or index, element) that ``seg`` names in ``node``. Raises PathNotFound."""
    where = _resolve(node, seg)
    if where is None or (where not in node if isinstance(node, dict) else where >= len(node)):
        raise PathNotFound()
    return where, node[where]


def get_at(doc: Any, path: str) -> Any:
    """The element at ``path``. Raises PathNotFound when it names nothing, JSONError when the
    path itself is malformed."""
    node = doc
    for seg in _segments(path):
        node = _child(node, seg)[1]
    return node


def set_at(doc: Any, path: str, value: Any) -> Any:
    """A copy of ``doc`` with ``value`` at ``path`` (copy-on-write: ``doc`` is not changed).

    Missing containers on the way are created (an object before a key, an array before an index),
    a null on the way becomes the container needed, and an index past the end pads the array with
    nulls; JsonCpp's ``operator[]`` behaves the same way. Only the containers along the path are
    copied; the rest is shared with ``doc``.
    """
    return _set(doc, _segments(path), value)


def _set(node: Any, segments: tuple[tuple[Any, ...], ...], value: Any) -> Any:
    if not segments:
        return value
    seg, rest = segments[0], segments[1:]
    if node is None:
        # A key creates an object (even a key of digits); brackets create an array.
        node = {} if seg[0] == "key" else []
    where = _resolve(node, seg, creating=True)
    if where is None:
        raise JSONError(BAD_PATH)
    if isinstance(node, dict):
        copy = dict(node)
        copy[where] = _set(node.get(where), rest, value)
        return copy
    items = list(node)
    if where >= len(items):
        if where - len(items) >= PAD_LIMIT:
            raise JSONError(f"Array index {where} is more than {PAD_LIMIT} past the end of the array")
        items.extend([None] * (where + 1 - len(items)))
    items[where] = _set(items[where], rest, value)
    return items


def delete_at(doc: Any, path: str) -> Any:
    """A copy of ``doc`` without the element at ``path``; unchanged when the path names nothing."""
    segments = _segments(path)
    if not segments:
        return doc
    try:
        return _delete(doc, segments)
    except PathNotFound:
        return doc


def _delete(node: Any, segments: tuple[tuple[Any, ...], ...]) -> Any:
    where, child = _child(node, segments[0])
    copy = dict(node) if isinstance(node, dict) else list(node)
    if len(segments) > 1:
        copy[where] = _delete(child, segments[1:])
    else:
        del copy[where]
    return copy


# ----------------------------------------------------------------------------- output


def format_number(number: Decimal) -> str:
    """A number as FileMaker writes it in JSON: no exponent, no trailing zeros, no "-0"."""
    if not number.is_finite():
        return "null"  # cannot come from JSON text; a FileMaker "?" number has no JSON form
    text = _NUMBER_TEXT.get(number)
    if text is None:
        text = "0" if number.is_zero() else format(number, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if len(_NUMBER_TEXT) >= 4096:
            _NUMBER_TEXT.clear()
        _NUMBER_TEXT[number] = text
    return text


# The text depends on the value only (1.50 and 1.5 both give "1.5"), so equal Decimals share it.
_NUMBER_TEXT: dict[Decimal, str] = {}

# json's C string encoder escapes exactly as JsonCpp does: ``"``, ``\\``, \b \f \n \r \t by name,
# other control characters as lowercase ``\\u00XX``; ``/`` and non-ASCII are kept.
quote = _quote = json.encoder.encode_basestring

# Texts of containers of documents in use (see reused), by identity: id -> (container, text); the
# entry keeps the container alive, so its id cannot be reused. A copy-on-write update shares all but
# the containers on its path with the document it came from, so writing it reuses the rest.
_MEMO: dict[int, tuple[Any, str]] = {}
_MEMO_LONGEST = 1 << 16  # characters: longer texts are joined from their (remembered) parts
_MEMO_BUDGET = (1 << 21, 1 << 15)  # characters and entries kept, before starting afresh
_memo_chars = 0


def dumps(value: Any, shared: bool = False) -> str:
    """Compact JSON text, keys sorted (FileMaker's JSONSetElement/JSONGetElement output).

    ``shared``: ``value`` belongs to, or shares most of its parts with, a document that is never
    mutated and is read again and again (see reused); the texts of the containers in it are then
    remembered and reused. Without it, nothing is remembered (a one-off document costs no memory).
    """
    memo = _MEMO if shared else _NO_MEMO
    hit = memo.get(id(value))
    return hit[1] if hit else _dump(value, memo, False)


_NO_MEMO: dict[int, tuple[Any, str]] = {}  # always empty


def _dump(value: Any, memo: dict[int, tuple[Any, str]], inner: bool = True) -> str:
    """``value``'s text; the containers in it are looked up in ``memo`` first, and remembered."""
    kind = value.__class__
    if kind is not dict and kind is not list:
        return _scalar(value, memo, inner)
    get, parts, is_dict = memo.get, [], kind is dict
    for key, item in sorted(value.items()) if is_dict else enumerate(value):
        cls = item.__class__  # the hot loop of the output: common cases first, no call for them
        if cls is str:
            text = _quote(item)
        elif cls is Decimal:
            text = format_number(item)
        elif hit := get(id(item)):
            text = hit[1]
        else:
            text = _dump(item, memo)
        parts.append(_quote(str(key)) + ":" + text if is_dict else text)
    text = ("{%s}" if is_dict else "[%s]") % ",".join(parts)
    # The top value is usually new (a copy-on-write result), so only the parts are remembered.
    if inner and memo is _MEMO and value and len(text) <= _MEMO_LONGEST:
        _remember(value, text)
    return text


def _scalar(value: Any, memo: dict[int, tuple[Any, str]], inner: bool) -> str:
    if isinstance(value, dict | list):
        return _dump(dict(value) if isinstance(value, dict) else list(value), memo, inner)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return format_number(value) if isinstance(value, Decimal) else _quote(value)


def _remember(container: Any, text: str) -> None:
    global _memo_chars
    if _memo_chars > _MEMO_BUDGET[0] or len(_MEMO) > _MEMO_BUDGET[1]:
        _MEMO.clear()
        _memo_chars = 0
    _MEMO[id(container)] = (container, text)
    _memo_chars += len(text)
