"""The cURL options of Insert from URL, parsed into a request description (no HTTP here).

Claris "Supported cURL options": FileMaker hands the option text to libcurl; a ``$variable`` (or
``@$variable`` for data) names a script variable instead of a file. fmscript implements the
options scripts use to talk to web services:

  -X / --request METHOD          -H / --header "Name: value"      -d / --data TEXT | @$var
  --data-binary / --data-raw     --data-urlencode                 -G / --get
  -u / --user name:password      -D / --dump-header $var          -m / --max-time SECONDS
  --connect-timeout SECONDS      -k / --insecure                  -L / --location
  -f / --fail                    -A / --user-agent TEXT           -e / --referer URL
  --compressed                   -s / -S / --silent / --show-error (accepted, nothing to show)

As with curl, ``-d`` data makes the request a POST with ``Content-Type:
application/x-www-form-urlencoded`` unless a header or ``-X`` says otherwise; several ``-d`` join
with ``&``; ``-d @$var`` drops carriage returns and line feeds from the variable's text while
``--data-binary @$var`` sends it as is. Any other option is reported (error 21, request not
supported) rather than silently ignored.
"""

from __future__ import annotations

import math
import shlex
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from fmscript.errors import REQUEST_NOT_SUPPORTED, ScriptRuntimeError


@dataclass
class CurlRequest:
    method: str | None = None  # None: GET, or POST when there is data
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)
    user: str | None = None
    dump_header: str | None = None  # variable that receives the response headers
    max_time: float | None = None
    connect_timeout: float | None = None
    insecure: bool = False
    follow: bool = False
    fail: bool = False
    get: bool = False  # -G: data goes into the query string

    def body(self) -> bytes | None:
        return b"&".join(self.data) if self.data and not self.get else None

    def effective_method(self) -> str:
        if self.method:
            return self.method.upper()
        return "POST" if self.data and not self.get else "GET"

    def header_names(self) -> set[str]:
        return {name.casefold() for name, _ in self.headers}


_WITH_VALUE = {
    "-X": "request", "--request": "request",
    "-H": "header", "--header": "header",
    "-d": "data", "--data": "data", "--data-ascii": "data",
    "--data-binary": "data-binary", "--data-raw": "data-raw",
    "--data-urlencode": "data-urlencode",
    "-u": "user", "--user": "user",
    "-D": "dump-header", "--dump-header": "dump-header",
    "-m": "max-time", "--max-time": "max-time",
    "--connect-timeout": "connect-timeout",
    "-A": "user-agent", "--user-agent": "user-agent",
    "-e": "referer", "--referer": "referer",
}  # fmt: skip
_FLAGS = {
    "-k": "insecure", "--insecure": "insecure",
    "-L": "location", "--location": "location",
    "-f": "fail", "--fail": "fail",
    "-G": "get", "--get": "get",
    "--compressed": "compressed",
    "-s": "quiet", "--silent": "quiet", "-S": "quiet", "--show-error": "quiet",
}  # fmt: skip

Lookup = Callable[[str], str | bytes]  # a $variable's value (text, or bytes for container data)


def parse_curl_options(text: str, variable: Lookup) -> CurlRequest:
    """Parse option text; ``variable("$name")`` reads a script variable for ``@$name``."""
    try:
        tokens = shlex.split(text.replace("\r", " ").replace("\n", " "), posix=True)
    except ValueError as exc:
        raise ScriptRuntimeError(f"cURL options cannot be read: {exc}", code=REQUEST_NOT_SUPPORTED) from None
    req = CurlRequest()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        elif token[:1] == "-" and not token.startswith("--") and len(token) > 2 and token[:2] in _WITH_VALUE:
            name, value = token[:2], token[2:]  # -XPOST, -HAccept:x
        if name in _FLAGS:
            _flag(req, _FLAGS[name])
            i += 1
            continue
        if name not in _WITH_VALUE:
            raise ScriptRuntimeError(
                f"cURL option {token!r} is not supported by fmscript", code=REQUEST_NOT_SUPPORTED
            )
        if value is None:
            if i + 1 >= len(tokens):
                raise ScriptRuntimeError(f"cURL option {name} needs a value", code=REQUEST_NOT_SUPPORTED)
            value = tokens[i + 1]
            i += 1
        _option(req, _WITH_VALUE[name], value, variable)
        i += 1
    return req


def _flag(req: CurlRequest, kind: str) -> None:
    if kind == "insecure":
        req.insecure = True
    elif kind == "location":
        req.follow = True
    elif kind == "fail":
        req.fail = True
    elif kind == "get":
        req.get = True
    # compressed / quiet: httpx always accepts compressed bodies; nothing is printed anyway.


# cURL refuses a number of seconds above LONG_MAX milliseconds ("the given number is too large").
_MAX_SECONDS = 9_223_372_036_854_775.0


def _seconds(value: str, name: str) -> float:
    """A decimal number of seconds, as cURL reads it: negative, NaN, infinite or too large values
    are refused (error 21, as every option fmscript cannot honour) rather than reaching a timer."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= _MAX_SECONDS:
        raise ScriptRuntimeError(
            f"{name} needs a number of seconds from 0 to {_MAX_SECONDS:.0f}, not {value!r}",
            code=REQUEST_NOT_SUPPORTED,
        )
    return seconds


def _data(value: str, variable: Lookup, *, strip_newlines: bool) -> bytes:
    if value.startswith("@$"):
        content = variable(value[1:])
        raw = content if isinstance(content, bytes) else content.encode("utf-8")
    elif value.startswith("@"):
        raise ScriptRuntimeError(
            f"cURL data {value!r}: FileMaker reads data from a $variable (@$name), not from a file",
            code=REQUEST_NOT_SUPPORTED,
        )
    else:
        raw = value.encode("utf-8")
    return raw.replace(b"\r", b"").replace(b"\n", b"") if strip_newlines else raw


def _option(req: CurlRequest, kind: str, value: str, variable: Lookup) -> None:
    if kind == "request":
        req.method = value
    elif kind == "header":
        name, sep, content = value.partition(":")
        if not sep:
            raise ScriptRuntimeError(f"cURL header {value!r} needs 'Name: value'", code=REQUEST_NOT_SUPPORTED)
        req.headers.append((name.strip(), content.strip()))
    elif kind == "data":
        req.data.append(_data(value, variable, strip_newlines=True))
    elif kind in ("data-binary", "data-raw"):
        raw = value.encode("utf-8") if kind == "data-raw" else _data(value, variable, strip_newlines=False)
        req.data.append(raw)
    elif kind == "data-urlencode":
        name, sep, content = value.partition("=")
        if content.startswith("@$"):
            text = variable(content[1:])
            content = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        encoded = urllib.parse.quote_plus(content if sep else name)
        req.data.append((f"{name}={encoded}" if sep and name else encoded).encode("ascii"))
    elif kind == "user":
        req.user = value
    elif kind == "dump-header":
        if not value.startswith("$"):
            raise ScriptRuntimeError(
                f"--dump-header {value!r}: FileMaker writes the headers to a $variable",
                code=REQUEST_NOT_SUPPORTED,
            )
        req.dump_header = value
    elif kind == "max-time":
        req.max_time = _seconds(value, "--max-time")
    elif kind == "connect-timeout":
        req.connect_timeout = _seconds(value, "--connect-timeout")
    elif kind == "user-agent":
        req.headers.append(("User-Agent", value))
    elif kind == "referer":
        req.headers.append(("Referer", value))
