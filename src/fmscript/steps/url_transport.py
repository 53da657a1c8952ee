"""Insert from URL's transfer under one total deadline and a size cap (no step logic here).

cURL's ``-m/--max-time`` is "the maximum time in seconds that you allow the whole operation to
take": connecting, sending, waiting for the headers and reading the body. httpx's timeouts are per
socket operation, so a server that trickles one byte a second never times out under them. Here
every socket operation gets ``min(its own timeout, what is left of the deadline)`` through a
network backend that wraps httpcore's (:mod:`fmscript.ai.http_limits`), so the transfer as a whole ends on time in every phase; the
body is read in chunks and the transfer stops once it passes ``max_bytes``.

httpx/httpcore are imported only when a request is made (they are the ``url`` extra).
"""

from __future__ import annotations

import attrs

from fmscript.ai.http_limits import Budget, transport


class DeadlinePassed(Exception):
    """The total deadline passed before the transfer ended."""


class BodyTooLarge(Exception):
    """The response body passed the size cap."""


@attrs.frozen
class Transfer:
    """A finished response: status line, headers and the whole (capped) body."""

    status_code: int
    http_version: str
    reason_phrase: str
    headers: list[tuple[str, str]]
    charset: str | None
    content: bytes


def transfer(
    method: str,
    url: str,
    *,
    headers: list[tuple[str, str]],
    body: bytes | None,
    verify: bool,
    follow: bool,
    seconds: float,
    connect_seconds: float,
    max_bytes: int,
) -> Transfer:
    """One request and its whole body within ``seconds`` in all. Raises httpx's errors,
    :class:`DeadlinePassed` or :class:`BodyTooLarge`."""
    import httpx

    budget = Budget(seconds)
    # A per-operation ceiling: the budgeted backend lowers it as the deadline nears.
    timeout = httpx.Timeout(min(seconds, 3600.0), connect=min(connect_seconds, seconds, 3600.0))
    client = httpx.Client(transport=transport(verify, budget), follow_redirects=follow, timeout=timeout)
    with client, client.stream(method, url, headers=headers, content=body) as response:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise BodyTooLarge(size)
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise DeadlinePassed() from None
        return Transfer(
            status_code=response.status_code,
            http_version=response.http_version,
            reason_phrase=response.reason_phrase or "",
            headers=list(response.headers.multi_items()),
            charset=response.charset_encoding,
            content=b"".join(chunks),
        )
