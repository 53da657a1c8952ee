"""FileMaker's JSON functions (help.claris.com "JSON functions" category) and type constants.

Invalid input is not a calculation error in FileMaker: the functions *return* text that starts with
``"? "`` followed by a message (JsonCpp's parse messages, or "Incorrect key, index, or path"), so a
script can test ``Left ( result ; 1 ) = "?"``. Only a wrong number of arguments raises.

The engine (parsing, paths, compact output) is :mod:`fmscript.calc.fmjson`; this module converts
between FileMaker values and JSON values, and writes JSONFormatElements' styled text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fmscript.calc import fmjson
from fmscript.calc.context import Arg, CalcContext
from fmscript.calc.fmjson import JSONError, ParsedJSON, PathNotFound
from fmscript.calc.functions.registry import constant, function
from fmscript.calc.values import Value, make_number, num, to_bool, to_text
from fmscript.errors import ArityError

# The type constants are zero-argument functions written without parentheses: `JSONString` -> 1.
for _name, _number in fmjson.TYPE_CONSTANTS.items():
    constant(_name, Decimal(_number))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else to_text(value)


def _load(json: Any) -> Any:
    """The document in ``json`` (its cached parse when it has one). Raises JSONError."""
    return fmjson.load(json if isinstance(json, str) else to_text(json))


def _fm_value(node: Any, shared: bool = False) -> Value:
    """A JSON value as JSONGetElement returns it: numbers and Booleans as FileMaker numbers
    (true -> 1), strings unescaped, null as empty, objects and arrays as compact JSON text."""
    if isinstance(node, bool):
        return Decimal(1 if node else 0)
    if isinstance(node, Decimal):
        return make_number(node)
    if isinstance(node, str):
        return node
    if node is None:
        return ""
    return fmjson.dumps(node, shared)  # shared: node's document is read again and again


def _json_value(value: Any, kind: Any) -> Any:
    """``value`` converted as JSONSetElement's ``type`` parameter says."""
    number = num(kind)  # the constants are numbers; text such as "" counts as 0 (JSONRaw)
    if number != number.to_integral_value() or not 0 <= number <= 6:
        raise JSONError(f"Unknown JSON type {to_text(kind)}")
    kind = int(number)
    if kind == fmjson.JSON_STRING:
        return _text(value)
    if kind == fmjson.JSON_NUMBER:
        # Choice: like arithmetic, empty or non-numeric text becomes 0 (FileMaker docs are silent).
        return num(value)
    if kind == fmjson.JSON_NULL:
        return None
    if kind == fmjson.JSON_BOOLEAN:
        # Documented: the words true/false, else non-zero / zero, else as If's test.
        word = value.strip() if isinstance(value, str) else None
        if word in ("true", "false"):
            return word == "true"
        return to_bool(value)
    if isinstance(value, ParsedJSON) and value.error is None:
        return value.doc  # already parsed: reuse it (FileMaker 22's cached binary form)
    if kind == fmjson.JSON_RAW and isinstance(value, Decimal):
        # A FileMaker number is a JSON number, even where its text form (".5") is not valid JSON.
        return make_number(value)
    text = _text(value)
    if kind == fmjson.JSON_RAW:
        # Documented: only the first element of the text counts ("4,2" -> 4); invalid JSON is
        # inserted as a JSON string instead.
        try:
            return fmjson.parse_element(text)
        except JSONError:
            return text
    # JSONObject / JSONArray. Choice: empty text gives an empty container; invalid JSON makes the
    # whole result an error text (JsonCpp's message); valid JSON of another type is kept as it is.
    if not text.strip():
        return {} if kind == fmjson.JSON_OBJECT else []
    return fmjson.parse_element(text)


def _starts_array(path: str) -> bool:
    segments = fmjson.parse_path(path)
    return bool(segments) and segments[0][0] != "key"


@function("JSONSetElement", 2, None)
def json_set_element(ctx: CalcContext, json: Value, *rest: Arg) -> str:
    """``( json ; keyOrIndexOrPath ; value ; type )`` or ``( json ; [ path ; value ; type ] ; ... )``."""
    groups = [group for group in rest if isinstance(group, tuple)]
    plain = [arg for arg in rest if not isinstance(arg, tuple)]
    triples: list[tuple[Value, ...]]
    if rest and not plain:
        triples = groups
        if any(len(group) != 3 for group in triples):
            raise ArityError("JSONSetElement: each [ keyOrIndexOrPath ; value ; type ] group needs 3 values")
    elif len(plain) == 3 and not groups:
        triples = [tuple(plain)]
    else:
        raise ArityError(
            "JSONSetElement takes ( json ; keyOrIndexOrPath ; value ; type ) "
            "or ( json ; [ keyOrIndexOrPath ; value ; type ] ; ... )"
        )
    shared = fmjson.reused(json)  # asked before loading, which caches the parse
    try:
        if isinstance(json, ParsedJSON) or _text(json).strip():
            doc = _load(json)
        else:
            # Documented: blank json starts an object, or an array when the path starts with "[".
            doc = [] if _starts_array(_text(triples[0][0])) else {}
        for path, value, kind in triples:
            doc = fmjson.set_at(doc, _text(path), _json_value(value, kind))
    except JSONError as exc:
        return exc.text
    return fmjson.parsed(doc, shared)


@function("JSONGetElement", 2)
def json_get_element(ctx: CalcContext, json: Value, path: Value) -> Value:
    shared = fmjson.reused(json)
    try:
        return _fm_value(fmjson.get_at(_load(json), _text(path)), shared)
    except PathNotFound:
        return ""  # a missing key or index is empty, not an error
    except JSONError as exc:
        return exc.text


def _children(json: Any, path: Any) -> tuple[list[str], list[Any]] | str:
    """(keys, values) of the container at ``path``; empty lists for anything else; or error text."""
    try:
        node = fmjson.get_at(_load(json), _text(path))
    except PathNotFound:
        return [], []
    except JSONError as exc:
        return exc.text
    if isinstance(node, dict):
        keys = sorted(node)  # FileMaker lists object keys in sorted order, like its JSON output
        return keys, [node[k] for k in keys]
    if isinstance(node, list):
        return [str(i) for i in range(len(node))], list(node)
    # Choice: a scalar (or a missing path, above) has no keys or values: empty result.
    return [], []


@function("JSONListKeys", 2)
def json_list_keys(ctx: CalcContext, json: Value, path: Value) -> str:
    found = _children(json, path)
    return found if isinstance(found, str) else "\r".join(found[0])


@function("JSONListValues", 2)
def json_list_values(ctx: CalcContext, json: Value, path: Value) -> str:
    shared = fmjson.reused(json)
    found = _children(json, path)
    if isinstance(found, str):
        return found
    return "\r".join(to_text(_fm_value(v, shared)) for v in found[1])


@function("JSONDeleteElement", 2)
def json_delete_element(ctx: CalcContext, json: Value, path: Value) -> str:
    shared = fmjson.reused(json)
    try:
        return fmjson.parsed(fmjson.delete_at(_load(json), _text(path)), shared)
    except JSONError as exc:
        return exc.text


@function("JSONFormatElements", 1)
def json_format_elements(ctx: CalcContext, json: Value) -> str:
    try:
        return dumps_formatted(_load(json))
    except JSONError as exc:
        return exc.text


def dumps_formatted(value: Any, newline: str = "\r", indent: str = "\t") -> str:
    """JSONFormatElements text: JsonCpp's ``StyledStreamWriter``, with FileMaker returns as newlines.

    A tab indent, short scalar arrays on one line (``[ 1, 2 ]``), ``"key" : `` before a nested
    container that then opens on its own line.
    """
    writer = _StyledWriter(newline, indent)
    writer.value(value, indented=True)
    return "".join(writer.out)


class _StyledWriter:
    RIGHT_MARGIN = 74  # JsonCpp's line width for deciding whether a scalar array fits on a line

    def __init__(self, newline: str, indent: str) -> None:
        self.out: list[str] = []
        self.newline, self.indent_unit, self.depth = newline, indent, 0

    def line(self, text: str, indented: bool) -> None:
        # JsonCpp's writeWithIndent: start a new line unless the caller already did.
        if not indented:
            self.out.append(self.newline + self.indent_unit * self.depth)
        self.out.append(text)

    def value(self, value: Any, indented: bool = False) -> None:
        if isinstance(value, dict) and value:
            self.line("{", indented)
            self.depth += 1
            for n, key in enumerate(sorted(value)):
                self.line(fmjson.quote(key), False)
                self.out.append(" : ")
                self.value(value[key])
                if n < len(value) - 1:
                    self.out.append(",")
            self.depth -= 1
            self.line("}", False)
        elif isinstance(value, list) and value:
            self.array(value, indented)
        else:
            self.out.append(fmjson.dumps(value))  # scalars and empty containers stay where they are

    def array(self, items: list[Any], indented: bool) -> None:
        nested = any(isinstance(v, dict | list) and v for v in items)
        parts = [] if nested else [fmjson.dumps(v) for v in items]
        width = 4 + 2 * (len(items) - 1) + sum(len(p.encode("utf-8", "surrogatepass")) for p in parts)
        if not nested and len(items) * 3 < self.RIGHT_MARGIN and width < self.RIGHT_MARGIN:
            self.out.append("[ " + ", ".join(parts) + " ]")
            return
        self.line("[", indented)
        self.depth += 1
        for n, item in enumerate(items):
            if parts:
                self.line(parts[n], False)
            else:
                self.out.append(self.newline + self.indent_unit * self.depth)
                self.value(item, indented=True)
            if n < len(items) - 1:
                self.out.append(",")
        self.depth -= 1
        self.line("]", False)


@function("JSONGetElementType", 2)
def json_get_element_type(ctx: CalcContext, json: Value, path: Value) -> Value:
    try:
        return Decimal(fmjson.type_of(fmjson.get_at(_load(json), _text(path))))
    except JSONError as exc:
        return exc.text


# Any line separator, when JSONMakeArray's separator is empty (documented: carriage return, line
# feed, or another Unicode line or paragraph separator).
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


@function("JSONMakeArray", 3)
def json_make_array(ctx: CalcContext, values: Value, separator: Value, kind: Value) -> str:
    text, sep = _text(values), _text(separator)
    if not text:
        return fmjson.parsed([])
    pieces = _LINE_BREAK.split(text) if not sep else text.split(sep)
    if len(pieces) > 1 and pieces[-1] == "":
        pieces.pop()  # Choice: a trailing separator ends the list, as with FileMaker value lists
    try:
        return fmjson.parsed([_json_value(piece, kind) for piece in pieces])
    except JSONError as exc:
        return exc.text


@function("JSONParse", 1)
def json_parse(ctx: CalcContext, json: Value) -> str:
    return json if isinstance(json, ParsedJSON) else fmjson.try_parse(_text(json))


@function("JSONParsedState", 1)
def json_parsed_state(ctx: CalcContext, json: Value) -> Decimal:
    return Decimal(json.state) if isinstance(json, ParsedJSON) else Decimal(0)
