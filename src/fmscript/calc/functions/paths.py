"""ConvertFromFileMakerPath / ConvertToFileMakerPath and their format constants.

Claris: ``format`` is PosixPath (1), WinPath (2) or URLPath (3), written as the named constant or the
number, without quotes. A path that cannot be converted gives "?". Prefixes that start with
``file``, ``image`` or ``movie`` and end with ``win``, ``mac`` or ``linux`` convert like ``file:``;
``fmnet:/host/file`` becomes ``fmp://host/file`` (URLPath only).

FileMaker paths name the volume first (``file:/Macintosh HD/etc/hosts`` is ``/etc/hosts`` on the Mac
whose root volume is "Macintosh HD"; ``file:/Clients/x`` is ``/Volumes/Clients/x``). *Choice*, as
FileMaker Server on Linux has no volumes: a first folder that exists at the root of this computer
(``/etc``, ``/home``, ``/tmp`` …) is used as is, "Macintosh HD" is dropped, any other first folder
is a mounted volume under ``/Volumes``; converting back drops ``/Volumes`` and adds no volume name.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from decimal import Decimal

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import ERROR_TEXT, Value, to_number, to_text

POSIX, WIN, URL = 1, 2, 3
ROOT_VOLUME = "Macintosh HD"

_PREFIX = re.compile(r"^(?:(?:file|image|movie)(?:mac|win|linux)?|fmnet):", re.IGNORECASE)
_DRIVE = re.compile(r"^/?([A-Za-z]):(/.*|)$")


@function("PosixPath", 0, bare=True)
def posix_path(ctx: CalcContext) -> Decimal:
    return Decimal(POSIX)


@function("WinPath", 0, bare=True)
def win_path(ctx: CalcContext) -> Decimal:
    return Decimal(WIN)


@function("URLPath", 0, bare=True)
def url_path(ctx: CalcContext) -> Decimal:
    return Decimal(URL)


def _format(value: Value) -> int | None:
    n = to_number(value)
    return int(n) if n is not None and int(n) in (POSIX, WIN, URL) else None


def _url_quote(path: str) -> str:
    return urllib.parse.quote(path, safe="/:")


@function("ConvertFromFileMakerPath", 2)
def convert_from_filemaker_path(ctx: CalcContext, path: Value, fmt: Value) -> str:
    kind = _format(fmt)
    text = to_text(path).strip()
    match = _PREFIX.match(text)
    if kind is None or match is None:
        return ERROR_TEXT
    prefix = match.group(0).lower()
    rest = text[match.end() :]
    if prefix == "fmnet:":
        return "fmp://" + _url_quote(rest.lstrip("/")) if kind == URL and rest.startswith("/") else ERROR_TEXT
    if rest.startswith("//"):  # file://computer/share/file: a remote (Windows network) file
        host_path = rest[2:]
        if kind == URL:
            return "file://" + _url_quote(host_path)
        return "\\\\" + host_path.replace("/", "\\") if kind == WIN else ERROR_TEXT
    if not rest.startswith("/"):
        return ERROR_TEXT
    drive = _DRIVE.match(rest)
    if drive is not None:  # file:/C:/Users/… — a Windows path
        letter, tail = drive.group(1), drive.group(2) or "/"
        if kind == WIN:
            return f"{letter}:" + tail.replace("/", "\\")
        return f"file:///{letter}:" + _url_quote(tail) if kind == URL else ERROR_TEXT
    if kind == WIN:
        return ERROR_TEXT
    posix = _posix_from_volume(rest)
    return "file://" + _url_quote(posix) if kind == URL else posix


def _posix_from_volume(rest: str) -> str:
    parts = rest.split("/", 2)  # "", volume, tail
    volume = parts[1] if len(parts) > 1 else ""
    tail = parts[2] if len(parts) > 2 else ""
    if volume == ROOT_VOLUME:
        return "/" + tail
    if volume and os.path.isdir("/" + volume):
        return rest
    return f"/Volumes/{volume}" + (f"/{tail}" if len(parts) > 2 else "")


@function("ConvertToFileMakerPath", 2)
def convert_to_filemaker_path(ctx: CalcContext, path: Value, fmt: Value) -> str:
    kind = _format(fmt)
    text = to_text(path).strip()
    if kind is None or not text:
        return ERROR_TEXT
    if kind == URL:
        parsed = urllib.parse.urlsplit(text)
        body = urllib.parse.unquote(parsed.path)
        if parsed.scheme == "fmp" and parsed.netloc:
            return f"fmnet:/{parsed.netloc}{body}"
        if parsed.scheme != "file":
            return ERROR_TEXT
        if parsed.netloc:
            return f"file://{parsed.netloc}{body}"
        drive = _DRIVE.match(body)
        return f"file:/{drive.group(1)}:{drive.group(2)}" if drive else _file_from_posix(body)
    if kind == WIN:
        if text.startswith("\\\\"):
            return "file://" + text[2:].replace("\\", "/")
        drive = _DRIVE.match(text.replace("\\", "/"))
        return f"file:/{drive.group(1)}:{drive.group(2)}" if drive else ERROR_TEXT
    return _file_from_posix(text) if text.startswith("/") else ERROR_TEXT


def _file_from_posix(path: str) -> str:
    if path.startswith("/Volumes/"):
        return "file:/" + path[len("/Volumes/") :]
    return "file:" + path
