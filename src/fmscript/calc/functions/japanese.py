"""Japanese functions not covered by text.py: RomanHankaku, RomanZenkaku, NumToJText, YearName.

Claris (ja): RomanHankaku converts full-width (zenkaku) Roman letters, digits and symbols to
half-width; RomanZenkaku does the reverse (RomanZenkaku ( "Apple" ) = "Ａｐｐｌｅ"). Kana are left
alone (KanaHankaku / KanaZenkaku handle them).

NumToJText ( number ; separator ; characterType ): separator 0 none, 1 every three digits (",")
2 万 and 億 units, 3 十 百 千 万 億 units; type 0 half-width digits, 1 full-width digits, 2 kanji
numerals, 3 old-style kanji numerals. Blank or other values count as 0.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import Value, to_date, to_number, to_text

_FULL_OFFSET = 0xFEE0  # U+FF01..U+FF5E are U+0021..U+007E shifted


@function("RomanHankaku", 1)
def roman_hankaku(ctx: CalcContext, text: Value) -> str:
    out = []
    for ch in to_text(text):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - _FULL_OFFSET))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


@function("RomanZenkaku", 1)
def roman_zenkaku(ctx: CalcContext, text: Value) -> str:
    out = []
    for ch in to_text(text):
        code = ord(ch)
        if 0x21 <= code <= 0x7E:
            out.append(chr(code + _FULL_OFFSET))
        elif ch == " ":
            out.append("\u3000")
        else:
            out.append(ch)
    return "".join(out)


_KANJI = "〇一二三四五六七八九"
# *Choice*: the old-style (daiji) numerals FileMaker uses are not printed on the Claris page; these
# are the legal-document forms (壱 弐 参, 拾 for ten, 萬 for ten thousand).
_OLD_KANJI = "〇壱弐参四伍六七八九"

_BIG = {2: ("", "万", "億", "兆", "京"), 3: ("", "萬", "億", "兆", "京")}


def _digits(text: str, kind: int) -> str:
    if kind == 1:
        return "".join(chr(ord(c) + _FULL_OFFSET) if c.isdigit() else c for c in text)
    if kind in (2, 3):
        table = _KANJI if kind == 2 else _OLD_KANJI
        return "".join(table[int(c)] if c.isdigit() else c for c in text)
    return text


def _groups(digits: str) -> list[str]:
    """Groups of four digits, most significant first."""
    head = len(digits) % 4 or 4
    return [digits[:head]] + [digits[i : i + 4] for i in range(head, len(digits), 4)]


def _small_units(group: str, kind: int) -> str:
    """A four-digit group written with 十 百 千 (separator 3). Kanji types drop a leading 一
    before 十 百 千 (一千 → 千); digit types keep it (1千)."""
    units = ("千", "百", "十", "") if kind != 3 else ("千", "百", "拾", "")
    out = []
    for digit, unit in zip(group.rjust(4, "0"), units):
        if digit == "0":
            continue
        if unit and digit == "1" and kind == 2:
            out.append(unit)
        else:
            out.append(_digits(digit, kind) + unit)
    return "".join(out)


@function("NumToJText", 3)
def num_to_jtext(ctx: CalcContext, number: Value, separator: Value, kind: Value) -> str:
    n = to_number(number)
    if n is None:
        return ""
    sep = _choice(separator)
    typ = _choice(kind)
    negative = n < 0
    whole = str(abs(n).to_integral_value(rounding="ROUND_DOWN"))
    fraction = format(abs(n) - Decimal(whole), "f")[1:] if abs(n) != Decimal(whole) else ""
    big = _BIG[3 if typ == 3 else 2]
    if sep == 1:
        body = _digits(f"{int(whole):,}", typ)
    elif sep in (2, 3) and whole != "0":
        groups = _groups(whole)
        parts = []
        for i, group in enumerate(groups):
            unit = big[len(groups) - 1 - i] if len(groups) - 1 - i < len(big) else ""
            if int(group) == 0:
                continue
            text = _small_units(group, typ) if sep == 3 else _digits(str(int(group)), typ)
            parts.append(text + unit)
        body = "".join(parts)
    else:
        body = _digits(whole, typ)
    return ("-" if negative else "") + body + _digits(fraction, typ)


def _choice(value: Value) -> int:
    n = to_number(value)
    return int(n) if n is not None and int(n) in (0, 1, 2, 3) else 0


# Japanese eras (the day each began) for YearName; before Meiji (1868/9/8) the Western year.
_ERAS = (
    (_dt.date(2019, 5, 1), "令和", "令", "R"),
    (_dt.date(1989, 1, 8), "平成", "平", "H"),
    (_dt.date(1926, 12, 25), "昭和", "昭", "S"),
    (_dt.date(1912, 7, 30), "大正", "大", "T"),
    (_dt.date(1868, 9, 8), "明治", "明", "M"),
)


@function("YearName", 2)
def year_name(ctx: CalcContext, date: Value, fmt: Value) -> str:
    """Claris (ja): the Japanese year name — 0 long (平成20), 1 short ((平)20; the first year of an
    era is 元: (令)元), 2 letter (H20); before 1868/9/8 the Western year (西暦xxxx, (西)xxxx,
    xxxx CE). Blank or other formats count as 0. *Choice*: no space between era and number."""
    day = to_date(date)
    if day is None:
        return "" if to_text(date) == "" else "?"
    kind = _choice(fmt)
    kind = kind if kind in (0, 1, 2) else 0
    for start, long, short, letter in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            if kind == 1:
                return f"({short})" + ("元" if year == 1 else str(year))
            return f"{letter}{year}" if kind == 2 else f"{long}{year}"
    return (f"西暦{day.year}", f"(西){day.year}", f"{day.year} CE")[kind]


_ARABIC_TO_KANJI = str.maketrans(
    {**{str(d): _KANJI[d] for d in range(10)}, **{chr(0xFF10 + d): _KANJI[d] for d in range(10)}}
)


@function("KanjiNumeral", 1)
def kanji_numeral(ctx: CalcContext, text: Value) -> str:
    """Claris KanjiNumeral: arabic numerals become kanji numerals, digit by digit
    (``KanjiNumeral ( 123 )`` is 一二三; full-width digits too); other characters stay."""
    return to_text(text).translate(_ARABIC_TO_KANJI)
