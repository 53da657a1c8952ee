"""Text functions (Claris "Text functions" category, plus the Japanese kana functions).

Characters are Python code points. FileMaker's return (¶) is "\\r". Case-insensitive searches
(Position, PatternCount) fold case character by character so positions never shift.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING

from fmscript.calc.context import Arg, CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import Value, make_number, num, to_int, to_text
from fmscript.errors import CalcError
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs

# ----------------------------------------------------------------------------- helpers


def _fold(s: str) -> str:
    """Lower-case each character separately, keeping the length (so found positions stay valid)."""
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in s)


def _upper(s: str) -> str:
    # One-to-one only: "ß".upper() is "SS", which would change lengths; FileMaker keeps such letters.
    return "".join(c if len(c.upper()) != 1 else c.upper() for c in s)


def _lower(s: str) -> str:
    return _fold(s)


def _is_word_char(text: str, i: int) -> bool:
    """FileMaker word breaking (Claris WordCount: spaces, tabs, returns and characters such as = & -
    start a new word; ``x=y=1.5`` is 3 words). Letters/digits (any script) are word characters; "." and
    "," join digits (1.5, 1,000) and an apostrophe joins letters (don't)."""
    c = text[i]
    if c.isalnum() or c == "_":
        return True
    if 0 < i < len(text) - 1:
        before, after = text[i - 1], text[i + 1]
        if c in ".," and before.isdigit() and after.isdigit():
            return True
        if c in "'’" and before.isalpha() and after.isalpha():
            return True
    return False


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word in ``text``."""
    spans: list[tuple[int, int]] = []
    start = None
    for i in range(len(text)):
        if _is_word_char(text, i):
            if start is None:
                start = i
        elif start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _words(text: str, first: int, count: int) -> str:
    """Words ``first``..``first+count-1`` (0-based), with the original text between them."""
    spans = word_spans(text)
    if count <= 0 or first >= len(spans):
        return ""
    chosen = spans[max(first, 0) : first + count]
    return text[chosen[0][0] : chosen[-1][1]] if chosen else ""


# ----------------------------------------------------------------------------- basic slicing


@function("Left", 2)
def left(ctx: CalcContext, text: Value, count: Value) -> str:
    n = to_int(count)
    return to_text(text)[:n] if n > 0 else ""


@function("Right", 2)
def right(ctx: CalcContext, text: Value, count: Value) -> str:
    n = to_int(count)
    return to_text(text)[-n:] if n > 0 else ""


@function("Middle", 3)
def middle(ctx: CalcContext, text: Value, start: Value, count: Value) -> str:
    """Claris: start ≤ 1 counts as 1; a start past the end returns nothing."""
    s, n = max(to_int(start), 1), to_int(count)
    return to_text(text)[s - 1 : s - 1 + n] if n > 0 else ""


@function("Length", 1)
def length(ctx: CalcContext, text: Value) -> Decimal:
    return Decimal(len(to_text(text)))


@function("Upper", 1)
def upper(ctx: CalcContext, text: Value) -> str:
    return _upper(to_text(text))  # CJK has no case: unchanged


@function("Lower", 1)
def lower(ctx: CalcContext, text: Value) -> str:
    return _lower(to_text(text))


@function("Proper", 1)
def proper(ctx: CalcContext, text: Value) -> str:
    """First letter of each word upper-case, every other letter lower-case (Proper ( "ABCD" ) = Abcd)."""
    s = to_text(text)
    out = []
    for i, c in enumerate(s):
        starts_word = i == 0 or not (s[i - 1].isalnum() or s[i - 1] in "'’")
        out.append(_upper(c) if starts_word else _lower(c))
    return "".join(out)


@function("Trim", 1)
def trim(ctx: CalcContext, text: Value) -> str:
    """Leading and trailing spaces only (tabs and returns stay), as Claris describes Trim."""
    return to_text(text).strip(" ")


def _is_roman(c: str) -> bool:
    # Claris TrimAll: characters below U+2F00 are "Roman", the rest (CJK, kana…) non-Roman.
    return ord(c) < 0x2F00


@function("TrimAll", 3)
def trim_all(ctx: CalcContext, text: Value, trim_spaces: Value, trim_type: Value) -> str:
    """Claris TrimAll table: spaces between two non-Roman characters always go; between two Roman
    characters one space stays (type 3: none); between Roman and non-Roman: type 0 and 3 remove them,
    type 1 always leaves one (inserting it when there is none), type 2 leaves one if any were there.
    ``trimSpaces`` true also treats full-width (U+3000) spaces as spaces."""
    s = to_text(text)
    kind = to_int(trim_type)
    spaces = " \u3000" if to_int(trim_spaces) else " "
    tokens: list[str] = []  # non-space characters; a space run is recorded as " " between them
    gaps: list[bool] = []  # gaps[i]: was there a space run before tokens[i]
    pending = False
    for c in s:
        if c in spaces:
            pending = True
            continue
        tokens.append(c)
        gaps.append(pending and len(tokens) > 1)
        pending = False
    out: list[str] = []
    for i, c in enumerate(tokens):
        if i:
            prev, had_space = tokens[i - 1], gaps[i]
            a, b = _is_roman(prev), _is_roman(c)
            if a and b:
                keep = had_space and kind != 3
            elif not a and not b:
                keep = False
            else:
                keep = kind == 1 or (kind == 2 and had_space)
            if keep:
                out.append(" ")
        out.append(c)
    return "".join(out)


# ----------------------------------------------------------------------------- search and replace


@function("Substitute", 2, None)
def substitute(ctx: CalcContext, text: Value, *pairs: Arg) -> str:
    """Case-sensitive; ``Substitute ( t ; a ; b )`` or ``Substitute ( t ; [a;b] ; [c;d] … )``, the
    pairs applied in order (a later pair may change an earlier pair's output)."""
    groups = [p for p in pairs if isinstance(p, tuple)]
    plain = [p for p in pairs if not isinstance(p, tuple)]
    items: list[tuple[Value, ...]]
    if pairs and not plain:
        items = groups
    elif len(plain) == 2 and not groups:
        items = [tuple(plain)]
    else:
        raise CalcError("Substitute takes a search and a replace text, or [ search ; replace ] pairs")
    s = to_text(text)
    for item in items:
        if len(item) != 2:
            raise CalcError("each Substitute pair is [ search ; replace ]")
        search, repl = to_text(item[0]), to_text(item[1])
        if search:
            s = s.replace(search, repl)
    return s


@function("Position", 4)
def position(ctx: CalcContext, text: Value, search: Value, start: Value, occurrence: Value) -> Decimal:
    """Not case-sensitive. A negative occurrence scans from ``start`` toward the beginning; 0 is
    invalid and returns 0 (Claris Position page)."""
    s, sub = _fold(to_text(text)), _fold(to_text(search))
    st, occ = to_int(start), to_int(occurrence)
    if not sub or occ == 0 or not s:
        return Decimal(0)
    if occ > 0:
        idx = max(st, 1) - 2
        for _ in range(occ):
            idx = s.find(sub, idx + 1)
            if idx < 0:
                return Decimal(0)
        return Decimal(idx + 1)
    if st < 1:
        return Decimal(0)
    end = min(st, len(s)) - 1 + len(sub)  # a match may begin at or before start
    idx = -1
    for _ in range(-occ):
        idx = s.rfind(sub, 0, end)
        if idx < 0:
            return Decimal(0)
        end = idx - 1 + len(sub)
    return Decimal(idx + 1)


@function("PatternCount", 2)
def pattern_count(ctx: CalcContext, text: Value, search: Value) -> Decimal:
    """Non-overlapping, case-insensitive ("Mississippi"/"issi" counts 1)."""
    sub = _fold(to_text(search))
    return Decimal(_fold(to_text(text)).count(sub)) if sub else Decimal(0)


@function("Replace", 4)
def replace(ctx: CalcContext, text: Value, start: Value, count: Value, replacement: Value) -> str:
    s = to_text(text)
    st, n = max(to_int(start), 1), max(to_int(count), 0)
    return s[: st - 1] + to_text(replacement) + s[st - 1 + n :]


@function("Exact", 2)
def exact(ctx: CalcContext, original: Value, comparison: Value) -> Decimal:
    return Decimal(1) if to_text(original) == to_text(comparison) else Decimal(0)


@function("Filter", 2)
def filter_(ctx: CalcContext, text: Value, filter_text: Value) -> str:
    """Keeps only the characters in ``filterText`` (case-sensitive: Filter ( "AaBb" ; "AB" ) = AB)."""
    keep = set(to_text(filter_text))
    return "".join(c for c in to_text(text) if c in keep)


@function("Quote", 1)
def quote(ctx: CalcContext, text: Value) -> str:
    """Text as a FileMaker string constant: ``\\`` -> ``\\\\``, ``"`` -> ``\\"``, a literal pilcrow ->
    ``\\¶`` and a return -> ``¶`` (so Evaluate reads it back unchanged)."""
    s = to_text(text)
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("¶", "\\¶").replace("\r", "¶")
    return f'"{s}"'


# ----------------------------------------------------------------------------- code points


@function("Char", 1)
def char(ctx: CalcContext, number: Value) -> str:
    """Each group of five digits (lowest first) is a code point: Char ( 9800097 ) = "ab". Code points
    above U+FFFF travel as UTF-16 surrogate halves, which is how :func:`code` reports them."""
    n = abs(int(num(number)))
    units: list[int] = []
    while n:
        n, unit = divmod(n, 100000)
        units.append(unit)
    out: list[str] = []
    i = 0
    while i < len(units):
        u = units[i]
        nxt = units[i + 1] if i + 1 < len(units) else 0
        if 0xD800 <= u <= 0xDBFF and 0xDC00 <= nxt <= 0xDFFF:  # a surrogate pair -> one character
            out.append(chr(0x10000 + ((u - 0xD800) << 10) + (nxt - 0xDC00)))
            i += 2
            continue
        out.append("\ufffd" if 0xD800 <= u <= 0xDFFF else chr(u))
        i += 1
    return "".join(c for c in out if c != "\x00")


@function("Code", 1)
def code(ctx: CalcContext, text: Value) -> Value:
    """Code points as five-digit groups, first character lowest (Code ( "ab" ) = 9800097); empty text
    gives empty (current Claris page; FileMaker 12 documented 0)."""
    s = to_text(text)
    if not s:
        return ""
    raw = s.encode("utf-16-le", errors="surrogatepass")
    units = [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)]
    return Decimal(sum(u * 100000**i for i, u in enumerate(units)))


# ----------------------------------------------------------------------------- words


@function("LeftWords", 2)
def left_words(ctx: CalcContext, text: Value, count: Value) -> str:
    return _words(to_text(text), 0, to_int(count))


@function("RightWords", 2)
def right_words(ctx: CalcContext, text: Value, count: Value) -> str:
    s, n = to_text(text), to_int(count)
    total = len(word_spans(s))
    return _words(s, max(total - n, 0), n) if n > 0 else ""


@function("MiddleWords", 3)
def middle_words(ctx: CalcContext, text: Value, start: Value, count: Value) -> str:
    return _words(to_text(text), max(to_int(start), 1) - 1, to_int(count))


@function("WordCount", 1)
def word_count(ctx: CalcContext, text: Value) -> Decimal:
    return Decimal(len(word_spans(to_text(text))))


# ----------------------------------------------------------------------------- serials


@function("SerialIncrement", 2)
def serial_increment(ctx: CalcContext, text: Value, increment: Value) -> str:
    """Adds the integer part of ``incrementBy`` to the last run of digits, keeping the rest of the
    text ("abc1.2" + 1.2 -> "abc1.3"). *Choice*: leading zeros keep the width ("a009" -> "a010");
    text without digits is returned unchanged."""
    s = to_text(text)
    matches = list(re.finditer(r"\d+", s))
    if not matches:
        return s
    m = matches[-1]
    value = int(m.group()) + to_int(increment)
    digits = str(abs(value)).zfill(len(m.group()))
    return s[: m.start()] + ("-" if value < 0 else "") + digits + s[m.end() :]


# ----------------------------------------------------------------------------- Japanese


_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")


def _zenkaku_katakana(s: str) -> str:
    # Half-width (hankaku) katakana -> full-width; NFKC also merges ｶﾞ into ガ. Only those runs are
    # normalised, so full-width Latin letters and digits elsewhere stay as they are.
    return _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), s)


@function("Hiragana", 1)
def hiragana(ctx: CalcContext, text: Value) -> str:
    """Katakana (hankaku and zenkaku) -> hiragana: the katakana block is the hiragana block + 0x60."""
    out = []
    for c in _zenkaku_katakana(to_text(text)):
        o = ord(c)
        out.append(chr(o - 0x60) if 0x30A1 <= o <= 0x30F6 or o in (0x30FD, 0x30FE) else c)
    return "".join(out)


@function("Katakana", 1)
def katakana(ctx: CalcContext, text: Value) -> str:
    """Hiragana -> zenkaku (full-width) katakana."""
    out = []
    for c in to_text(text):
        o = ord(c)
        out.append(chr(o + 0x60) if 0x3041 <= o <= 0x3096 or o in (0x309D, 0x309E) else c)
    return "".join(out)


@function("KanaZenkaku", 1)
def kana_zenkaku(ctx: CalcContext, text: Value) -> str:
    """Hankaku (half-width) katakana -> zenkaku katakana."""
    return _zenkaku_katakana(to_text(text))


_TO_HANKAKU = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF61, 0xFFA0)}


@function("KanaHankaku", 1)
def kana_hankaku(ctx: CalcContext, text: Value) -> str:
    """Zenkaku katakana -> hankaku; voiced kana become the base kana plus a half-width ﾞ / ﾟ."""
    out = []
    for c in to_text(text):
        if c in _TO_HANKAKU:
            out.append(_TO_HANKAKU[c])
            continue
        base = unicodedata.normalize("NFD", c)
        if len(base) == 2 and base[0] in _TO_HANKAKU and base[1] in "\u3099\u309a":
            out.append(_TO_HANKAKU[base[0]] + ("ﾞ" if base[1] == "\u3099" else "ﾟ"))
        else:
            out.append(c)
    return "".join(out)


# ----------------------------------------------------------------------------- formatting
# fmscript's text values carry no styles, so the formatting functions return the text itself.


@function("TextFormatRemove", 1)
def text_format_remove(ctx: CalcContext, text: Value) -> str:
    return to_text(text)


@function("TextColor", 2)
def text_color(ctx: CalcContext, text: Value, rgb: Value) -> str:
    return to_text(text)


@function("TextColorRemove", 1, 2)
def text_color_remove(ctx: CalcContext, text: Value, *rgb: Value) -> str:
    return to_text(text)


@function("TextFont", 2, 3)
def text_font(ctx: CalcContext, text: Value, *font: Value) -> str:
    return to_text(text)


@function("TextFontRemove", 1, 3)
def text_font_remove(ctx: CalcContext, text: Value, *font: Value) -> str:
    return to_text(text)


@function("TextSize", 2)
def text_size(ctx: CalcContext, text: Value, size: Value) -> str:
    return to_text(text)


@function("TextSizeRemove", 1, 2)
def text_size_remove(ctx: CalcContext, text: Value, *size: Value) -> str:
    return to_text(text)


@function("RGB", 3)
def rgb(ctx: CalcContext, red: Value, green: Value, blue: Value) -> Decimal:
    """red × 65536 + green × 256 + blue, each clamped to 0..255."""
    r, g, b = (min(max(to_int(x), 0), 255) for x in (red, green, blue))
    return make_number(r * 65536 + g * 256 + b)


# Style keywords (Bold, Italic, Plain …) are not values fmscript keeps: text has no formatting here,
# so the styles argument is not evaluated (a bare style word is not a field).
@function("TextStyleAdd", 2, lazy=True)
def text_style_add(ctx: CalcContext, ev: LazyArgs, text: ast.Expr, styles: ast.Expr) -> str:
    return to_text(ev(text))


@function("TextStyleRemove", 2, lazy=True)
def text_style_remove(ctx: CalcContext, ev: LazyArgs, text: ast.Expr, styles: ast.Expr) -> str:
    return to_text(ev(text))
