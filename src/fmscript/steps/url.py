"""Insert from URL [ Select ; With dialog ; Target ; URL ; Verify SSL Certificates ; cURL options ]
(ja: URL から挿入, zh: 从 URL 插入): an HTTP(S) request whose response goes into a field or a
variable. httpx is imported only when the step runs.

FileMaker behaviour followed (Claris "Insert from URL", "Supported cURL options", "FileMaker error
codes"):
  - the response body is inserted as text (decoded with the response's charset, else UTF-8) into
    the Target — a variable or a field — or, without a Target, into the active field (Go to Field);
  - an HTTP error status is not a script error: the body is inserted as it is (curl's behaviour)
    unless ``--fail`` is given, which makes a status of 400 or more error 1631 (*Choice*: the
    number FileMaker gives curl's "HTTP returned error" is not published);
  - Verify SSL Certificates off (the default) or ``-k`` accepts any certificate;
  - failures are the 1626–1634 codes: 1626 protocol not supported, 1628 SSL error, 1629 timed out,
    1630 URL format incorrect, 1631 connection failed, 1632 certificate expired, 1633 self-signed,
    1634 certificate verification failed;
  - ``-m/--max-time`` is a total deadline, as in cURL (connect, send, headers and body); without it
    (or with ``-m 0``, cURL's "no limit") the ``FMSCRIPT_URL_TIMEOUT`` setting bounds the transfer
    (300 s); a body larger than ``FMSCRIPT_URL_MAX_BYTES`` (100 MB) stops the transfer with 1631;
  - the legacy ``httppost://`` / ``httpspost://`` URLs POST the query string as the body;
  - With dialog and Select have nothing to show outside a window.
"""

from __future__ import annotations

import base64
import urllib.parse

from fmscript.calc import values as V
from fmscript.errors import (
    CERTIFICATE_EXPIRED,
    CERTIFICATE_SELF_SIGNED,
    CERTIFICATE_VERIFY_FAILED,
    COMMAND_UNAVAILABLE,
    CONNECTION_FAILED,
    FIELD_MISSING,
    PROTOCOL_NOT_SUPPORTED,
    SSL_ERROR,
    TIMED_OUT,
    URL_INVALID,
    ScriptRuntimeError,
)
from fmscript.settings import Settings
from fmscript.steps.curl_options import CurlRequest, parse_curl_options
from fmscript.steps.state import StepContext
from fmscript.steps.url_transport import Transfer
from fmscript.steps.variables import write_target
from fmscript.syntax import ast


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def _variable(ctx: StepContext, name: str) -> str | bytes:
    value = ctx.vars.get(name)
    return bytes(value) if isinstance(value, bytes) else V.to_text(value)


def _split_legacy(url: str, req: CurlRequest) -> str:
    """``httppost://host/path?a=1`` → POST ``a=1`` to ``http://host/path``."""
    scheme, rest = url.split(":", 1)
    parsed = urllib.parse.urlsplit("http:" + rest)
    req.method = req.method or "POST"
    if parsed.query:
        req.data.append(parsed.query.encode("utf-8"))
    real = "https" if scheme.lower() == "httpspost" else "http"
    return urllib.parse.urlunsplit((real, parsed.netloc, parsed.path, "", parsed.fragment))


def _prepare_url(url: str, req: CurlRequest) -> str:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("httppost", "httpspost"):
        url = _split_legacy(url, req)
        scheme = "https" if url.startswith("https") else "http"
    if not scheme or not url.split(":", 1)[1].startswith("//"):
        raise ScriptRuntimeError(f"URL format is incorrect: {url!r}", code=URL_INVALID)
    if scheme not in ("http", "https"):
        raise ScriptRuntimeError(
            f"protocol {scheme!r} is not supported (fmscript inserts from http and https URLs)",
            code=PROTOCOL_NOT_SUPPORTED,
        )
    if req.get and req.data:
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        url += sep + b"&".join(req.data).decode("utf-8", "replace")
    return url


def _headers(req: CurlRequest) -> list[tuple[str, str]]:
    headers = list(req.headers)
    names = req.header_names()
    if req.body() is not None and "content-type" not in names:
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))  # as curl -d
    if req.user is not None and "authorization" not in names:
        token = base64.b64encode(req.user.encode("utf-8")).decode("ascii")
        headers.append(("Authorization", f"Basic {token}"))
    return headers


def _dump_headers(response: Transfer) -> str:
    """The header block as curl's --dump-header writes it."""
    lines = [f"{response.http_version} {response.status_code} {response.reason_phrase}".rstrip()]
    lines += [f"{name}: {value}" for name, value in response.headers]
    return "\r\n".join(lines) + "\r\n\r\n"


def _ssl_code(message: str) -> int:
    low = message.lower()
    if "certificate_verify_failed" in low or "certificate verify failed" in low:
        if "self-signed" in low or "self signed" in low:
            return CERTIFICATE_SELF_SIGNED
        if "expired" in low:
            return CERTIFICATE_EXPIRED
        return CERTIFICATE_VERIFY_FAILED
    return SSL_ERROR


def fetch(url: str, req: CurlRequest, verify: bool, settings: Settings) -> Transfer:
    """Send the request and read the whole body within the total deadline (``-m``, else the
    ``FMSCRIPT_URL_TIMEOUT`` setting) and the size cap; FileMaker error codes for every failure."""
    try:
        import httpx
    except ImportError:
        raise ScriptRuntimeError(
            "Insert from URL needs httpx: pip install 'fmscript[url]'", code=COMMAND_UNAVAILABLE
        ) from None
    from fmscript.steps.url_transport import BodyTooLarge, DeadlinePassed, transfer

    seconds = req.max_time or settings.url_timeout  # -m 0 is curl's "no limit": the default one
    try:
        return transfer(
            req.effective_method(),
            url,
            headers=_headers(req),
            body=req.body(),
            verify=verify,
            follow=req.follow,
            seconds=seconds,
            connect_seconds=req.connect_timeout or seconds,
            max_bytes=settings.url_max_bytes,
        )
    except (httpx.TimeoutException, DeadlinePassed) as exc:
        raise ScriptRuntimeError(f"timed out after {seconds:g} s: {url}", code=TIMED_OUT) from exc
    except BodyTooLarge as exc:
        raise ScriptRuntimeError(
            f"the response from {url} is larger than {settings.url_max_bytes:,} bytes "
            "(FMSCRIPT_URL_MAX_BYTES)",
            code=CONNECTION_FAILED,
        ) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ScriptRuntimeError(f"URL format is incorrect: {exc}", code=URL_INVALID) from exc
    except httpx.ConnectError as exc:
        message = str(exc)
        if "ssl" in message.lower() or "certificate" in message.lower():
            raise ScriptRuntimeError(f"SSL: {message}", code=_ssl_code(message)) from exc
        raise ScriptRuntimeError(f"connection failed: {url}: {message}", code=CONNECTION_FAILED) from exc
    except httpx.HTTPError as exc:
        raise ScriptRuntimeError(f"connection failed: {url}: {exc}", code=CONNECTION_FAILED) from exc


def _operands(step: ast.Step) -> tuple[ast.Target | None, ast.Calc | None, ast.Calc | None]:
    """Target, URL and cURL options, labelled or positional: FileMaker prints them unlabelled in
    that order (``Insert from URL [ Select ; With dialog: Off ; $response ; "https://…" ;
    "--location" ]``); an unlabelled variable or field first is the target."""
    positional = [step.opt(key) for key in ("first", "second", "third") if step.opt(key) is not None]
    target = step.opt("target")
    if target is None and positional and isinstance(positional[0].expr, ast.Variable | ast.FieldRef):
        ref = positional.pop(0).expr
        if isinstance(ref, ast.Variable):
            target = ast.Target("variable", ref.name)
        else:
            target = ast.Target("field", ref.full_name, ref.table, ref.field)
    url = step.opt("url") or (positional.pop(0) if positional else None)
    curl = step.opt("curl") or (positional.pop(0) if positional else None)
    return target, url, curl


def insert_from_url(ctx: StepContext, step: ast.Step) -> None:
    target, url_calc, curl_calc = _operands(step)
    target = target or ctx.data.active_field
    if target is None:
        raise ScriptRuntimeError("Insert from URL needs a Target field or variable", code=FIELD_MISSING)
    url = _text(ctx, url_calc).strip()
    if not url:
        raise ScriptRuntimeError("Insert from URL needs a URL", code=URL_INVALID)
    req = parse_curl_options(_text(ctx, curl_calc), lambda name: _variable(ctx, name))
    url = _prepare_url(url, req)
    response = fetch(url, req, bool(step.opt("verify_ssl")) and not req.insecure, ctx.settings)
    if req.dump_header is not None:
        ctx.vars.set(req.dump_header, _dump_headers(response))
    if req.fail and response.status_code >= 400:
        raise ScriptRuntimeError(
            f"HTTP error {response.status_code} from {url} (--fail)", code=CONNECTION_FAILED
        )
    encoding = response.charset or "utf-8"
    try:
        body = response.content.decode(encoding, "replace")
    except LookupError:  # an unknown charset name
        body = response.content.decode("utf-8", "replace")
    write_target(ctx, target, body)
