"""Digests and text files without a GUI: CryptDigest, CryptAuthCode, TextEncode, TextDecode.

FileMaker returns these as *container* data (a binary file). fmscript has no container fields, so
the value is a :class:`Binary` — bytes with a file name — that the encoding functions
(``HexEncode``, ``Base64EncodeRFC``, ``Base64Encode``) and TextDecode read as bytes, as the
Claris pages pair them: ``HexEncode ( CryptDigest ( "text" ; "SHA256" ) )``. As text (``GetAsText``,
``&``) a Binary shows its file name, like a container does.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import ERROR_TEXT, Value, to_number, to_text


class Binary(bytes):
    """Container-like binary data: bytes plus the file name FileMaker would give the file."""

    name: str

    def __new__(cls, data: bytes, name: str = "") -> Binary:
        obj = super().__new__(cls, data)
        obj.name = name
        return obj

    def __str__(self) -> str:  # what to_text shows: the file name, as for a container
        return self.name


def raw_bytes(data: Value) -> bytes:
    """The bytes behind a value: a Binary's own bytes, else the UTF-8 of its text."""
    if isinstance(data, bytes):
        return bytes(data)
    return to_text(data).encode("utf-8")


# Claris CryptAuthCode: MD5, MDC2, SHA1, SHA224, SHA256, SHA384, SHA512 (empty = SHA512), and
# SHA3-224 … SHA3-512 since 2023. MDC2 is not in Python's hashlib everywhere: "?" when missing.
_ALGORITHMS = {
    "": "sha512",
    "MD5": "md5",
    "MDC2": "mdc2",
    "SHA": "sha1",
    "SHA1": "sha1",
    "SHA224": "sha224",
    "SHA256": "sha256",
    "SHA384": "sha384",
    "SHA512": "sha512",
    "SHA3-224": "sha3_224",
    "SHA3-256": "sha3_256",
    "SHA3-384": "sha3_384",
    "SHA3-512": "sha3_512",
}


def _algorithm(name: Value) -> str | None:
    algo = _ALGORITHMS.get(to_text(name).strip().upper().replace("_", "-"))
    if algo is None:
        return None
    try:
        hashlib.new(algo)
    except ValueError:
        return None
    return algo


@function("CryptDigest", 2)
def crypt_digest(ctx: CalcContext, data: Value, algorithm: Value) -> Any:  # Binary or "?"
    """A binary hash of the data (Claris: returns container data; encode it with HexEncode or
    Base64EncodeRFC). An unknown algorithm gives "?"."""
    algo = _algorithm(algorithm)
    if algo is None:
        return ERROR_TEXT
    return Binary(hashlib.new(algo, raw_bytes(data)).digest(), "digest")


@function("CryptAuthCode", 3)
def crypt_auth_code(ctx: CalcContext, data: Value, algorithm: Value, key: Value) -> Any:
    """An HMAC of the data with the key (text or binary)."""
    algo = _algorithm(algorithm)
    if algo is None:
        return ERROR_TEXT
    return Binary(hmac.new(raw_bytes(key), raw_bytes(data), algo).digest(), "hmac")


# Claris TextEncode: these names only ("If you use no value or an unrecognized value, this
# function returns '?'").
_ENCODINGS = {
    "utf-8": "utf-8",
    "iso-8859-1": "iso-8859-1",
    "windows-1251": "cp1251",
    "shift_jis": "shift_jis",
    "windows-1252": "cp1252",
    "gb18030": "gb18030",
    "euc-kr": "euc_kr",
    "big5": "big5",
    "macintosh": "mac_roman",
}

# lineEndings: 1 unchanged, 2 CR (legacy Mac), 3 LF (Unix/Linux, modern Mac), 4 CR LF (Windows).
_LINE_ENDINGS = {2: "\r", 3: "\n", 4: "\r\n"}


def _line_endings(text: str, ending: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", ending)


@function("TextEncode", 3)
def text_encode(ctx: CalcContext, text: Value, encoding: Value, line_endings: Value) -> Any:
    codec = _ENCODINGS.get(to_text(encoding).strip().lower())
    if codec is None:
        return ERROR_TEXT
    number = to_number(line_endings)
    body = to_text(text)
    ending = _LINE_ENDINGS.get(int(number)) if number is not None else None
    if ending is not None:
        body = _line_endings(body, ending)
    try:
        data = body.encode(codec)
    except UnicodeEncodeError:
        return ERROR_TEXT
    return Binary(data, "Untitled.txt")


@function("TextDecode", 2)
def text_decode(ctx: CalcContext, container: Value, encoding: Value) -> Value:
    """Text from container data in the given encoding ("?" for an unknown encoding or bytes that
    are not in it). *Choice*: line endings become FileMaker's return (CR), as when FileMaker reads text."""
    codec = _ENCODINGS.get(to_text(encoding).strip().lower())
    if codec is None:
        return ERROR_TEXT
    try:
        text = raw_bytes(container).decode(codec)
    except UnicodeDecodeError:
        return ERROR_TEXT
    return _line_endings(text, "\r")
