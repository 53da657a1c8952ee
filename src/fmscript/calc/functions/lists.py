"""Value-list functions: lists of values separated by returns (Claris ValueCount page).

Separators on input: CR, LF, CR LF, U+2028 and U+2029 (Claris lists LF, CR, line and paragraph
separators; CR LF is read as one break). A final separator does not start another value, but an empty
value before it counts ("a¶b¶c¶¶" has 4 values). Output always uses FileMaker's return, "\\r".
LeftValues, RightValues, MiddleValues, FilterValues, SortValues and UniqueValues end every value with a
return (so lists concatenate); GetValue and List do not end with one.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from fmscript.calc.context import Arg, CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import (
    ERROR_TEXT,
    Value,
    is_empty,
    to_date,
    to_int,
    to_number,
    to_text,
    to_time,
    to_timestamp,
)

CR = "\r"
_SEPARATOR = re.compile("\r\n|[\r\n\u2028\u2029]")

# SortValues / UniqueValues locale names (Claris SortValues page); any other name gives "?".
LOCALES = frozenset(
    [
        "Arabic",
        "Bengali",
        "Bulgarian",
        "Catalan",
        "Catalog",
        "Chinese",
        "Chinese_Stroke",
        "Croatian",
        "Czech",
        "Danish",
        "Dutch",
        "English",
        "Estonian",
        "Finnish",
        "Finnish_Custom",
        "French",
        "German",
        "German_Dictionary",
        "Greek",
        "Greek_Mixed",
        "Gujarati",
        "Hebrew",
        "Hindi",
        "Hungarian",
        "Icelandic",
        "Italian",
        "Japanese",
        "Kannada",
        "Korean",
        "Latvian",
        "Lithuanian",
        "Malayalam",
        "Marathi",
        "Norwegian",
        "Panjabi",
        "Persian",
        "Polish",
        "Portuguese",
        "Romanian",
        "Russian",
        "Serbian",
        "Slovak",
        "Slovenian",
        "Spanish",
        "Spanish_Traditional",
        "Swedish",
        "Swedish_Custom",
        "Tamil",
        "Telugu",
        "Thai",
        "Turkish",
        "Ukrainian",
        "Unicode_Raw",
        "Unicode_Standard",
        "Vietnamese",
    ]
)


def split_values(text: str) -> list[str]:
    """The values of a return-separated list."""
    if not text:
        return []
    parts = _SEPARATOR.split(text)
    if parts[-1] == "":
        parts.pop()
    return parts


def _each_ending(values: list[str]) -> str:
    return "".join(v + CR for v in values)


@function("ValueCount", 1)
def value_count(ctx: CalcContext, text: Value) -> Decimal:
    return Decimal(len(split_values(to_text(text))))


@function("GetValue", 2)
def get_value(ctx: CalcContext, list_of_values: Value, value_number: Value) -> str:
    """The value itself, without a trailing return; "" when out of range."""
    values, n = split_values(to_text(list_of_values)), to_int(value_number)
    return values[n - 1] if 1 <= n <= len(values) else ""


@function("LeftValues", 2)
def left_values(ctx: CalcContext, text: Value, number_of_values: Value) -> str:
    n = to_int(number_of_values)
    return _each_ending(split_values(to_text(text))[:n]) if n > 0 else ""


@function("RightValues", 2)
def right_values(ctx: CalcContext, text: Value, number_of_values: Value) -> str:
    n = to_int(number_of_values)
    return _each_ending(split_values(to_text(text))[-n:]) if n > 0 else ""


@function("MiddleValues", 3)
def middle_values(ctx: CalcContext, text: Value, starting_value: Value, number_of_values: Value) -> str:
    """Claris: startingValue ≤ 1 counts as 1; past the end returns nothing."""
    start, n = max(to_int(starting_value), 1), to_int(number_of_values)
    return _each_ending(split_values(to_text(text))[start - 1 : start - 1 + n]) if n > 0 else ""


@function("FilterValues", 2)
def filter_values(ctx: CalcContext, text_to_filter: Value, filter_values_: Value) -> str:
    """The values of ``textToFilter`` that appear in ``filterValues``, in their original order; not
    case-sensitive."""
    keep = {v.casefold() for v in split_values(to_text(filter_values_))}
    if not keep:
        return ""
    return _each_ending([v for v in split_values(to_text(text_to_filter)) if v.casefold() in keep])


# Letters that these locales sort as letters of their own after z (not as an accented a/o).
_OWN_LETTERS = {
    "Swedish": "åäöæø",
    "Swedish_Custom": "åäöæø",
    "Finnish": "åäöæø",
    "Finnish_Custom": "åäöæø",
    "Danish": "æøå",
    "Norwegian": "æøå",
}


def _collation_key(v: str, locale: str, unique: bool) -> Any:
    """FileMaker collates text by locale (ICU) rather than by code point: letters first (case and
    accents ignored), then accents, then case with lower case first. Uniqueness is decided as for the
    index, ignoring case and accents (Claris UniqueValues: only Unicode_Raw "differentiates between
    characters with different case and diacritical marks"). Katakana and hiragana, full and half width
    forms are the same letter, as in ICU's collation."""
    own = _OWN_LETTERS.get(locale, "")
    folded = v.casefold()
    chars = []
    for ch in folded:
        if ch in own:
            chars.append("\uffff" + ch)  # after every other letter
            continue
        for c in unicodedata.normalize("NFKD", ch):  # full/half width alike, accents apart
            if not unicodedata.combining(c):
                chars.append(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c)  # カ = か
    primary = "".join(chars)
    if unique:
        return primary
    return (primary, unicodedata.normalize("NFD", folded), tuple(not c.islower() for c in v))


def _key_for(datatype: int, locale: str, unique: bool = False) -> Any:
    """A sort/uniqueness key for one value. Values that are not of the requested type sort first."""
    raw = locale == "Unicode_Raw"

    def text_key(v: str) -> Any:
        return v if raw else _collation_key(v, locale, unique)

    converters = {2: to_number, 3: to_date, 4: to_time, 5: to_timestamp}
    convert = converters.get(abs(datatype))
    if convert is None:
        return lambda v: (0, text_key(v))

    def typed_key(v: str) -> Any:
        converted = convert(v) if v else None
        if converted is None:
            return (0, 0, text_key(v))
        n = to_number(converted)
        return (1, n, "")

    return typed_key


def _sort_options(datatype: Any, locale: Any) -> tuple[int, str] | None:
    kind = to_int(datatype) if datatype is not None and not is_empty(datatype) else 1
    if abs(kind) not in (1, 2, 3, 4, 5):
        kind = 1  # Claris: no value or an unrecognised value sorts as text, ascending
    name = "" if locale is None else to_text(locale)
    if name and name not in LOCALES:
        return None
    return kind, name


@function("SortValues", 1, 3)
def sort_values(ctx: CalcContext, values: Value, datatype: Value = "", locale: Value = "") -> str:
    """Datatype 1 text, 2 number, 3 date, 4 time, 5 timestamp; negative sorts descending. Text sorts by
    the locale's collation (Claris: red¶green¶blue¶GREEN¶yellow -> blue¶green¶GREEN¶red¶yellow);
    Unicode_Raw sorts by code point. *Choice*: only the Nordic locales' own letters differ by locale."""
    opts = _sort_options(datatype, locale)
    if opts is None:
        return ERROR_TEXT
    kind, name = opts
    key = _key_for(kind, name)
    items = split_values(to_text(values))
    # Descending keeps equal values in their original order too.
    return _each_ending(_stable_reverse(items, key) if kind < 0 else sorted(items, key=key))


def _stable_reverse(values: list[str], key: Any) -> list[str]:
    indexed = sorted(enumerate(values), key=lambda iv: (key(iv[1]), -iv[0]), reverse=True)
    return [v for _, v in indexed]


@function("UniqueValues", 1, 3)
def unique_values(ctx: CalcContext, values: Value, datatype: Value = "", locale: Value = "") -> str:
    """First occurrence of each value, compared as ``datatype`` ("18" and "18.0" are one number);
    text compares case-insensitively unless the locale is Unicode_Raw."""
    opts = _sort_options(datatype, locale)
    if opts is None:
        return ERROR_TEXT
    kind, name = opts
    key = _key_for(abs(kind), name, unique=True)
    seen: set[Any] = set()
    out = []
    for v in split_values(to_text(values)):
        k = key(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    return _each_ending(out)


@function("List", 1, None, over_related=True)
def list_(ctx: CalcContext, *args: Arg) -> str:
    """The non-blank arguments joined by returns, no return after the last (Claris List page)."""
    items: list[str] = []
    for a in args:
        for v in a if isinstance(a, tuple) else (a,):
            text = to_text(v)
            if text:
                items.append(text)
    return CR.join(items)
