"""Conversion functions: GetAs* and the text encodings used when talking to web services.

GetAsDate / GetAsTime / GetAsTimestamp read FileMaker's US forms (``M/D/YYYY``, ``H:MM:SS``, optional
AM/PM) and ISO ``YYYY-MM-DD``; text they cannot read gives "?", empty gives empty.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from decimal import Decimal
from typing import Any

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.crypto import Binary, raw_bytes
from fmscript.calc.functions.registry import function
from fmscript.calc.values import (
    ERROR_TEXT,
    Value,
    is_empty,
    to_bool,
    to_date,
    to_int,
    to_number,
    to_text,
    to_time,
    to_timestamp,
)


@function("GetAsText", 1)
def get_as_text(ctx: CalcContext, data: Value) -> str:
    return to_text(data)


@function("GetAsNumber", 1)
def get_as_number(ctx: CalcContext, text: Value) -> Value:
    """Claris: keeps only the number in text ("$1,254.50" -> 1254.5); a date gives its day number
    (days since 1/1/0001, 1/1/0001 itself being day 1); no digits -> empty."""
    n = to_number(text)
    return "" if n is None else n


def _convert(v: Value, fn: Any) -> Value:
    if is_empty(v):
        return ""
    result = fn(v)
    return ERROR_TEXT if result is None else result


@function("GetAsDate", 1)
def get_as_date(ctx: CalcContext, text: Value) -> Value:
    """Text, a timestamp's date, or a day number (GetAsDate ( 737342 ) = 10/10/2019)."""
    return _convert(text, to_date)


@function("GetAsTime", 1)
def get_as_time(ctx: CalcContext, text: Value) -> Value:
    """Text, a timestamp's time of day, or a number of seconds."""
    return _convert(text, to_time)


@function("GetAsTimestamp", 1)
def get_as_timestamp(ctx: CalcContext, text: Value) -> Value:
    """A date followed by a time; a number is seconds since 1/1/0001 (86400 a day)."""
    return _convert(text, to_timestamp)


@function("GetAsBoolean", 1)
def get_as_boolean(ctx: CalcContext, data: Value) -> Decimal:
    """1 when the data is a non-zero number (text is read as a number first), else 0; "?" is 1."""
    return Decimal(1) if to_bool(data) else Decimal(0)


# ----------------------------------------------------------------------------- encodings


@function("GetAsURLEncoded", 1)
def get_as_url_encoded(ctx: CalcContext, text: Value) -> str:
    """UTF-8 percent-encoding with lower-case hex digits; Claris: "The following reserved characters
    are not converted: : - _ . ! ~ * ' ( )" (GetAsURLEncoded ( "français" ) = fran%c3%a7ais)."""
    encoded = urllib.parse.quote(to_text(text), safe=":-_.!~*'()")
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)


def _wrap(encoded: str, width: int) -> str:
    # MIME-style base64 lines end with CR LF.
    return "\r\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


@function("Base64Encode", 1)
def base64_encode(ctx: CalcContext, data: Value) -> str:
    """Base64 of the UTF-8 text, in lines of 76 characters (CR LF between lines)."""
    return _wrap(base64.b64encode(raw_bytes(data)).decode("ascii"), 76)


# Claris Base64EncodeRFC: the RFC decides the line length (0 = one unbroken line); an unrecognised
# number means RFC 4648.
_RFC_LINE_LENGTH = {1421: 64, 2045: 76, 3548: 0, 4648: 0, 4880: 76}


def _crc24(data: bytes) -> int:
    """RFC 4880's CRC-24 (the OpenPGP armor checksum)."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


@function("Base64EncodeRFC", 2)
def base64_encode_rfc(ctx: CalcContext, rfc: Value, data: Value) -> str:
    """Base64 of the UTF-8 text as the RFC specifies: 1421 wraps at 64, 2045 and 4880 at 76 (CR LF);
    3548 and 4648 do not wrap; 4880 appends its CRC-24 as an armor checksum line ("=" + 4 chars)."""
    number = to_int(rfc)
    width = _RFC_LINE_LENGTH.get(number, 0)
    raw = raw_bytes(data)
    encoded = base64.b64encode(raw).decode("ascii")
    text = _wrap(encoded, width) if width else encoded
    if number == 4880:
        text += "\r\n=" + base64.b64encode(_crc24(raw).to_bytes(3, "big")).decode("ascii")
    return text


@function("Base64Decode", 1, 2)
def base64_decode(ctx: CalcContext, text: Value, *file_name: Value) -> Any:  # text, or Binary
    """*Choice*: fmscript has no container values, so the decoded bytes are returned as UTF-8 text
    (invalid base64 or bytes that are not UTF-8 give "?")."""
    try:
        raw = base64.b64decode("".join(to_text(text).split()), validate=True)
        if file_name:  # container data (CryptDigest keys, TextDecode input)
            return Binary(raw, to_text(file_name[0]))
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ERROR_TEXT


@function("HexEncode", 1)
def hex_encode(ctx: CalcContext, data: Value) -> str:
    """Hexadecimal of the UTF-8 text (upper-case digits)."""
    return raw_bytes(data).hex().upper()


@function("HexDecode", 1, 2)
def hex_decode(ctx: CalcContext, text: Value, *file_name: Value) -> Any:  # text, or Binary
    """*Choice*: like Base64Decode, the decoded bytes come back as UTF-8 text; invalid input gives "?"."""
    try:
        raw = bytes.fromhex("".join(to_text(text).split()))
        return Binary(raw, to_text(file_name[0])) if file_name else raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ERROR_TEXT
