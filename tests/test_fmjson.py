"""Unit tests of the JSON engine (fmscript.calc.fmjson), the JSON function impls and the Get table.

The calc-level cases live in tests/conformance/calc/json.json and get.json; these tests pin the
engine's pieces (JsonCpp messages, paths, number/string rendering, the styled writer) directly.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fmscript.calc import fmjson
from fmscript.calc.evaluator import SimpleContext
from fmscript.calc.fmjson import JSONError, ParsedJSON
from fmscript.calc.functions import get as get_mod
from fmscript.calc.functions import json as json_fns
from fmscript.calc.functions.get import GET_FUNCTIONS, canonical_get_name, fm_path
from fmscript.calc.values import make_number
from fmscript.errors import CalcError

# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[3", "* Line 1, Column 3\r  Missing ',' or ']' in array declaration"),
        ('{ "name": "Alea" "age": 30 }', "* Line 1, Column 18\r  Missing ',' or '}' in object declaration"),
        ("", "* Line 1, Column 1\r  Syntax error: value, object or array expected."),
        ("3.14", "* Line 1, Column 1\r  A valid JSON document must be either an array or an object value."),
        ('"text"', "* Line 1, Column 1\r  A valid JSON document must be either an array or an object value."),
        ("{ a : 11 }", "* Line 1, Column 3\r  Missing '}' or object member name"),
        ('{"a":1,}', "* Line 1, Column 8\r  Missing '}' or object member name"),
        ('{"a" 1}', "* Line 1, Column 6\r  Missing ':' after object member name"),
        ('{"a":}', "* Line 1, Column 6\r  Syntax error: value, object or array expected."),
        ("[1,]", "* Line 1, Column 4\r  Syntax error: value, object or array expected."),
        ("[-]", "* Line 1, Column 2\r  '-' is not a number."),
        ("[1e]", "* Line 1, Column 2\r  '1e' is not a number."),
        ('["abc', "* Line 1, Column 2\r  Syntax error: value, object or array expected."),
        ("[tru]", "* Line 1, Column 2\r  Syntax error: value, object or array expected."),
        ("{\n\n  x", "* Line 3, Column 3\r  Missing '}' or object member name"),
        ("{\r\n x", "* Line 2, Column 2\r  Missing '}' or object member name"),
        # Columns count UTF-8 bytes, as JsonCpp does: 日本 is 6 bytes, so "1" is at byte 11.
        ('{"日本" 1}', "* Line 1, Column 11\r  Missing ':' after object member name"),
        ('["\\x"]', "* Line 1, Column 2\r  Bad escape sequence in string\rSee Line 1, Column 5 for detail."),
        (
            '["\\u12"]',
            "* Line 1, Column 2\r  Bad unicode escape sequence in string: four digits expected."
            "\rSee Line 1, Column 5 for detail.",
        ),
    ],
)
def test_parse_errors_read_like_jsoncpp(text: str, message: str) -> None:
    with pytest.raises(JSONError) as info:
        fmjson.parse(text)
    assert info.value.message == message
    assert info.value.text == "? " + message


@pytest.mark.parametrize(
    ("text", "doc"),
    [
        ("[]", []),
        (" { } ", {}),
        (
            '{"a":[1,2.50,-0.1e1],"b":{"c":null,"d":true,"e":false}}',
            {"a": [Decimal(1), Decimal("2.50"), Decimal("-1")], "b": {"c": None, "d": True, "e": False}},
        ),
        ('{"a":1,"a":2}', {"a": Decimal(2)}),  # std::map: the last value wins
        ("[1] trailing text", [Decimal(1)]),  # JsonCpp's Reader stops after the document
        ('["\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"]', ['"\\/\b\f\n\r\té😀']),
        ("[01]", [Decimal(1)]),  # JsonCpp is lenient about leading zeros
        ("[12345678901234567890.123456789]", [Decimal("12345678901234567890.123456789")]),
    ],
)
def test_parse_values(text: str, doc: object) -> None:
    assert fmjson.parse(text) == doc


def test_numbers_are_never_float() -> None:
    doc = fmjson.parse("[0.1, 1e-4, 3]")
    assert all(type(n) is Decimal for n in doc)


def test_parse_element_takes_the_first_element_only() -> None:
    assert fmjson.parse_element("4,2") == Decimal(4)
    assert fmjson.parse_element(' "x" y') == "x"
    with pytest.raises(JSONError):
        fmjson.parse_element("abc")


# ----------------------------------------------------------------------------- fast paths


def _outcome(read: object, text: str) -> object:
    """What ``read(text)`` gives, types and all (Decimal("1.0") is not Decimal("1")), or its error."""

    def strict(value: object) -> object:
        if isinstance(value, dict):
            return [(k, strict(v)) for k, v in value.items()]
        if isinstance(value, list):
            return [strict(v) for v in value]
        return type(value).__name__, str(value)

    try:
        return strict(read(text))  # type: ignore[operator]
    except JSONError as exc:
        return exc.message


def _port(text: str) -> object:
    return fmjson._Reader(text).value()


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2,"b":[1.50,-0,1E+3,0.000001,-2.5e-3,12345678901234567890]}',
        ' \r\n[ "raw \x01 control\ttab" ] trailing, text',
        '["\\ud83d\\ude00", "\\udc00", "\\ud800\\u0041", "\\u00e9\\/"]',
        '["\\ud800"]',
        "[01, 1., -.5, 1.e5]",  # JsonCpp's looser numbers
        "[1e99999999999999999999999]",
        "[1e10001]",
        "[1e-10001]",
        "[NaN]",
        "[-Infinity]",
        "[Infinity]",
        "\ufeff[1]",
        '{"a":[1,2,{"b":null}],"c":true}',
        "[1e]",
        '{"a":1,}',
    ],
)
def test_fast_parse_reads_like_the_port(text: str) -> None:
    # Valid JSON goes through json's C scanner, the rest through the port: no difference either way.
    assert _outcome(fmjson.parse_element, text) == _outcome(_port, text)
    assert _outcome(fmjson.parse, text) == _outcome(_port, text)


_SPACES = st.sampled_from(["", " ", "\t", "\r\n", "\n  "])


@settings(max_examples=200, deadline=None)
@given(doc=st.deferred(lambda: _CONTAINERS), space=_SPACES, tail=st.sampled_from(["", " x", ",1", "]"]))
def test_fast_parse_agrees_with_the_port(doc: object, space: str, tail: str) -> None:
    for text in (fmjson.dumps(doc), json_fns.dumps_formatted(doc, newline=space or "\n", indent=space)):
        text = space + text + tail
        assert _outcome(fmjson.parse, text) == _outcome(_port, text)


def test_parses_are_cached_and_updates_share_all_but_their_path() -> None:
    text = '{"a":{"b":[1]},"c":[2],"d":{"e":3}}'
    doc = fmjson.parse(text)
    assert fmjson.parse(text) is doc  # a Loop parses its document once
    new = fmjson.set_at(doc, "a.b[0]", Decimal(5))
    assert new["c"] is doc["c"] and new["d"] is doc["d"] and new["a"]["b"] is not doc["a"]["b"]
    assert fmjson.dumps(doc) == text and fmjson.dumps(new) == text.replace("[1]", "[5]")
    gone = fmjson.delete_at(doc, "a.b[0]")
    assert gone["d"] is doc["d"] and fmjson.dumps(doc) == text


def test_shared_output_remembers_containers_within_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = fmjson.parse('{"a":{"b":[1]},"c":[2]}')
    fmjson.dumps(doc, shared=True)
    assert fmjson._MEMO[id(doc["a"])] == (doc["a"], '{"b":[1]}')
    assert id(doc) not in fmjson._MEMO  # the top value is usually a fresh copy: not kept
    monkeypatch.setattr(fmjson, "_MEMO_BUDGET", (0, 0))  # start afresh before each new text
    for n in range(5):
        doc = fmjson.set_at(doc, "c[+]", Decimal(n))
        assert fmjson.dumps(doc, shared=True) == fmjson.dumps(doc)
        assert len(fmjson._MEMO) <= 1


def test_only_documents_read_again_are_remembered() -> None:
    fmjson._MEMO.clear()
    text = '{"a":{"b":[1]},"c":[2]}' + " " * 3  # a text no other test parses
    assert not fmjson.reused(text)
    once = json_fns.json_set_element(CTX, text, "c[+]", Decimal(3), Decimal(2))
    assert once == '{"a":{"b":[1]},"c":[2,3]}' and not fmjson._MEMO  # a one-off costs no memory
    assert fmjson.reused(text) and fmjson.reused(once)  # the text's parse is cached; a ParsedJSON
    again = json_fns.json_set_element(CTX, once, "c[+]", Decimal(4), Decimal(2))
    assert again == '{"a":{"b":[1]},"c":[2,3,4]}' and id(once.doc["a"]) in fmjson._MEMO
    assert json_fns.json_get_element(CTX, again, "a") == '{"b":[1]}'


_OPS = st.lists(
    st.tuples(
        st.lists(
            st.sampled_from(["a", "b", "[0]", "[+]", "[:]", "[2]", "['a']", "1"]), min_size=1, max_size=3
        ),
        st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.deferred(lambda: _CONTAINERS)),
        st.booleans(),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(start=st.deferred(lambda: _CONTAINERS), ops=_OPS)
def test_shared_output_matches_plain_output_through_updates(start: object, ops: list) -> None:
    doc = fmjson.parse(fmjson.dumps(start))
    for parts, value, delete in ops:
        path = ".".join(parts).replace(".[", "[")
        try:
            doc = fmjson.delete_at(doc, path) if delete else fmjson.set_at(doc, path, value)
        except JSONError:
            continue
        assert fmjson.dumps(doc, shared=True) == fmjson.dumps(doc)
        assert fmjson.parsed(doc) == fmjson.dumps(doc)


# ----------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("", []),
        (".", []),
        ("a", [("key", "a")]),
        (".a.b", [("key", "a"), ("key", "b")]),
        ("['a.b']['c']", [("key", "a.b"), ("key", "c")]),
        ("[3][2][1]nameA[0]", [("index", 3), ("index", 2), ("index", 1), ("key", "nameA"), ("index", 0)]),
        (".[3][2][1]nameA[0]", [("index", 3), ("index", 2), ("index", 1), ("key", "nameA"), ("index", 0)]),
        ("bakery.product[1]name", [("key", "bakery"), ("key", "product"), ("index", 1), ("key", "name")]),
        ("[+]", [fmjson.APPEND]),
        ("a[:]", [("key", "a"), fmjson.LAST]),
        ("[ 2 ]", [("index", 2)]),
        ("a.[0]", [("key", "a"), ("index", 0)]),
        ("面包店.产品", [("key", "面包店"), ("key", "产品")]),
    ],
)
def test_parse_path(path: str, segments: list) -> None:
    assert fmjson.parse_path(path) == segments


@pytest.mark.parametrize("path", ["[abc]", "[-1]", "[1", "['a'", "a..b", "a."])
def test_malformed_paths(path: str) -> None:
    with pytest.raises(JSONError) as info:
        fmjson.parse_path(path)
    assert info.value.text == "? Incorrect key, index, or path"


def test_digit_keys_index_arrays_but_name_object_keys() -> None:
    assert fmjson.get_at([Decimal(5), Decimal(6)], "1") == Decimal(6)
    assert fmjson.get_at({"1": "x"}, "1") == "x"
    with pytest.raises(fmjson.PathNotFound):
        fmjson.get_at({"a": 1}, "[0]")
    with pytest.raises(fmjson.PathNotFound):
        fmjson.get_at([1], "a")


def test_set_creates_containers_and_pads() -> None:
    assert fmjson.set_at({}, "a[2].b", "x") == {"a": [None, None, {"b": "x"}]}
    assert fmjson.set_at([], "[:]", 1) == [1]  # [:] of an empty array is its first element
    assert fmjson.set_at({"a": None}, "a.b", 1) == {"a": {"b": 1}}  # null becomes the container
    with pytest.raises(JSONError):
        fmjson.set_at({"a": "text"}, "a.b", 1)


def test_set_and_delete_do_not_touch_the_cached_parse() -> None:
    cached = fmjson.try_parse('{"a":{"b":[1,2]}}')
    before = fmjson.dumps(cached.doc)
    fmjson.set_at(cached.doc, "a.b[+]", 3)
    fmjson.delete_at(cached.doc, "a.b[0]")
    assert fmjson.dumps(cached.doc) == before


def test_delete_missing_or_root_leaves_the_document() -> None:
    doc = {"a": [1]}
    assert fmjson.delete_at(doc, "b") == doc
    assert fmjson.delete_at(doc, "a[5]") == doc
    assert fmjson.delete_at(doc, "") == doc


# ----------------------------------------------------------------------------- output


@pytest.mark.parametrize(
    ("number", "text"),
    [
        ("22.23", "22.23"),
        ("1e-4", "0.0001"),
        ("1E+3", "1000"),
        ("2.500", "2.5"),
        ("-0.0", "0"),
        ("-12", "-12"),
        ("12345678901234567890.5", "12345678901234567890.5"),
    ],
)
def test_format_number(number: str, text: str) -> None:
    assert fmjson.format_number(Decimal(number)) == text


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("a/b", '"a/b"'),
        ("日本語 é", '"日本語 é"'),
        ("\r\n\t\b\f", '"\\r\\n\\t\\b\\f"'),
        ("\x01\x1f\x7f", '"\\u0001\\u001f\x7f"'),
    ],
)
def test_quote(text: str, quoted: str) -> None:
    assert fmjson.quote(text) == quoted


def test_compact_output_sorts_keys_by_code_point() -> None:
    doc = {"b": Decimal(1), "a": {"z": None, "B": True}, "é": [], "Z": "x"}
    assert fmjson.dumps(doc) == '{"Z":"x","a":{"B":true,"z":null},"b":1,"é":[]}'


def test_formatted_output_matches_jsoncpp_styled_writer() -> None:
    doc = fmjson.parse('{"a":{"lnk":false,"id":12},"l":[1,2],"n":[[1],{}],"e":{}}')
    assert json_fns.dumps_formatted(doc, newline="\n") == (
        '{\n\t"a" : \n\t{\n\t\t"id" : 12,\n\t\t"lnk" : false\n\t},\n\t"e" : {},\n'
        '\t"l" : [ 1, 2 ],\n\t"n" : \n\t[\n\t\t[ 1 ],\n\t\t{}\n\t]\n}'
    )


def test_long_scalar_arrays_break_lines() -> None:
    # JsonCpp puts a scalar array on one line only when it fits in 74 columns.
    short = [Decimal(n) for n in range(10)]
    assert json_fns.dumps_formatted(short) == "[ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 ]"
    long_text = ["x" * 40, "y" * 40]
    assert json_fns.dumps_formatted(long_text) == '[\r\t"' + "x" * 40 + '",\r\t"' + "y" * 40 + '"\r]'
    many = [Decimal(1)] * 25  # 25 * 3 >= 74: multi-line whatever the width
    assert json_fns.dumps_formatted(many).count("\r") == 26


def test_parsed_json_is_text_with_a_state() -> None:
    ok = fmjson.try_parse("[3]")
    bad = fmjson.try_parse("[3")
    assert isinstance(ok, str) and ok == "[3]" and ok.state == fmjson.JSON_ARRAY
    assert bad.state == -1 and bad.startswith("? * Line 1, Column 3")
    assert type(ok + "") is str  # any text operation drops the parse
    with pytest.raises(JSONError):
        fmjson.load(bad)


# ----------------------------------------------------------------------------- function impls

CTX = SimpleNamespace()


def test_set_element_multi_and_single_forms() -> None:
    single = json_fns.json_set_element(CTX, "", "a", Decimal(1), Decimal(2))
    multi = json_fns.json_set_element(CTX, "", ("a", Decimal(1), Decimal(2)), ("b", "x", Decimal(1)))
    assert single == '{"a":1}' and isinstance(single, ParsedJSON)
    assert multi == '{"a":1,"b":"x"}'


def test_set_element_reuses_a_parsed_value() -> None:
    inner = json_fns.json_parse(CTX, '{"x":[1]}')
    assert json_fns.json_set_element(CTX, "{}", "a", inner, Decimal(0)) == '{"a":{"x":[1]}}'


def test_get_element_types() -> None:
    doc = '{"n":2.50,"t":true,"s":"x","z":null,"o":{"b":1,"a":2}}'
    assert json_fns.json_get_element(CTX, doc, "n") == Decimal("2.5")
    assert json_fns.json_get_element(CTX, doc, "t") == Decimal(1)
    assert json_fns.json_get_element(CTX, doc, "s") == "x"
    assert json_fns.json_get_element(CTX, doc, "z") == ""
    assert json_fns.json_get_element(CTX, doc, "o") == '{"a":2,"b":1}'
    assert json_fns.json_get_element(CTX, doc, Decimal(1)) == ""  # missing key "1"


def test_make_array_line_separators() -> None:
    text = "a\r\nb\nc\u2028d\re"
    assert json_fns.json_make_array(CTX, text, "", Decimal(1)) == '["a","b","c","d","e"]'


# ----------------------------------------------------------------------------- round trips

_KEYS = st.text(min_size=1, max_size=12).filter(lambda k: "']" not in k)
_SCALARS = st.one_of(
    st.text(max_size=20).map(lambda s: ("text", s)),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(lambda d: ("number", d)),
    st.booleans().map(lambda b: ("bool", b)),
)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(_KEYS, min_size=1, max_size=3), scalar=_SCALARS)
def test_set_then_get_round_trips(keys: list[str], scalar: tuple[str, object]) -> None:
    kind, value = scalar
    path = "".join(f"['{k}']" for k in keys)
    type_number = {"text": 1, "number": 2, "bool": 5}[kind]
    fm_value = Decimal(int(value)) if kind == "bool" else value
    json = json_fns.json_set_element(CTX, "", path, fm_value, Decimal(type_number))
    assert not json.startswith("?"), json
    got = json_fns.json_get_element(CTX, json, path)
    expected = make_number(value) if kind == "number" else Decimal(int(value)) if kind == "bool" else value
    assert got == expected
    assert json_fns.json_get_element_type(CTX, json, path) == Decimal(type_number)
    # The text form parses back to the same document.
    assert fmjson.dumps(fmjson.parse(json)) == json


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


_CONTAINERS = st.one_of(st.lists(_JSON, max_size=4), st.dictionaries(st.text(max_size=5), _JSON, max_size=4))


@settings(max_examples=200, deadline=None)
@given(doc=_CONTAINERS)
def test_dump_parse_round_trip(doc: object) -> None:
    compact = fmjson.dumps(doc)
    again = fmjson.parse(compact)
    assert fmjson.dumps(again) == compact
    assert fmjson.dumps(fmjson.parse(json_fns.dumps_formatted(again))) == compact


# ----------------------------------------------------------------------------- Get


def test_get_table_is_complete() -> None:
    assert len(GET_FUNCTIONS) >= 30
    for entry in GET_FUNCTIONS.values():
        assert entry.result in ("text", "number", "date", "time", "timestamp")
        for alias in entry.names():
            assert canonical_get_name(alias) == entry.name, alias  # no alias is shared


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("文档路径", "DocumentsPath"),
        (" ドキュメントパス ", "DocumentsPath"),
        ("documentspath", "DocumentsPath"),
        ("上一个错误", "LastError"),
        ("最終エラー", "LastError"),
        ("错误捕获状态", "ErrorCaptureState"),
        ("エラー処理状態", "ErrorCaptureState"),
        ("查找个数", "FoundCount"),
        ("対象レコード数", "FoundCount"),
        ("脚本结果", "ScriptResult"),
        ("上次选择信息", "LastMessageChoice"),
        ("临时路径", "TemporaryPath"),
        ("当前时间UTC毫秒", "CurrentTimeUTCMilliseconds"),
        ("UUID 番号", "UUIDNumber"),
        ("ＵＵＩＤ", "UUID"),
        ("NoSuchThing", None),
    ],
)
def test_canonical_get_name(written: str, canonical: str | None) -> None:
    assert canonical_get_name(written) == canonical


def test_get_uses_context_then_default(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    node = SimpleNamespace(name="文档路径")
    # Outside a run (no context answers) the platform's Documents folder; the environment is not read.
    monkeypatch.setenv("FMSCRIPT_DOCUMENTS", str(tmp_path))
    assert get_mod.get(SimpleContext(), None, node) != fm_path(tmp_path)
    assert fm_path(tmp_path).endswith("/") and fm_path(tmp_path).startswith("/")
    ctx = SimpleContext(info={"DocumentsPath": "/x/"})
    assert get_mod.get(ctx, None, node) == "/x/"
    # A node carrying the name as .value (a text node) works too.
    assert get_mod.get(ctx, None, SimpleNamespace(value="FoundCount")) == Decimal(0)


def test_unknown_get_suggests_a_name() -> None:
    with pytest.raises(CalcError) as info:
        get_mod.get(SimpleContext(), None, SimpleNamespace(name="LastEror"))
    assert info.value.code == 113
    assert "did you mean LastError" in info.value.message


def test_fm_path_windows_form() -> None:
    assert get_mod.fm_path("/home/me/Documents") == "/home/me/Documents/"
