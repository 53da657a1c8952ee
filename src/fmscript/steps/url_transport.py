"""Insert from URL's transfer under one total deadline and a size cap (no step logic here).

cURL's ``-m/--max-time`` is "the maximum time in seconds that you allow the whole operation to
take": connecting, sending, waiting for the headers and reading the body. httpx's timeouts are per
socket operation, so a server that trickles one byte a second never times out under them. Here
every socket operation gets ``min(its own timeout, what is left of the deadline)`` through a
network backend that wraps httpcore's, so the transfer as a whole ends on time in every phase; the
body is read in chunks and the transfer stops once it passes ``max_bytes``.

httpx/httpcore are imported only when a request is made (they are the ``url`` extra).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    import httpcore
    import httpx


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


def _remaining(deadline: float, timeout: float | None) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        import httpcore

        raise httpcore.ReadTimeout("the total deadline (--max-time) passed")
    return left if timeout is None else min(timeout, left)


def _backend(deadline: float) -> httpcore.NetworkBackend:
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._inner.read(max_bytes, _remaining(deadline, timeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._inner.write(buffer, _remaining(deadline, timeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self, ssl_context: object, server_hostname: str | None = None, timeout: float | None = None
        ) -> httpcore.NetworkStream:
            inner = self._inner.start_tls(ssl_context, server_hostname, _remaining(deadline, timeout))  # type: ignore[arg-type]
            return Stream(inner)

        def get_extra_info(self, info: str) -> object:
            return self._inner.get_extra_info(info)

    class Backend(httpcore.SyncBackend):
        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
        ) -> httpcore.NetworkStream:
            inner = super().connect_tcp(
                host, port, _remaining(deadline, timeout), local_address, socket_options
            )
            return Stream(inner)

    return Backend()


def _transport(verify: bool, deadline: float) -> httpx.HTTPTransport:
    import httpcore
    import httpx

    class Transport(httpx.HTTPTransport):
        def __init__(self) -> None:  # httpx's own transport over the deadline backend
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(verify=verify),
                network_backend=_backend(deadline),
            )

    return Transport()


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

    deadline = time.monotonic() + seconds
    # A per-operation ceiling: the deadline backend lowers it as the deadline nears.
    timeout = httpx.Timeout(min(seconds, 3600.0), connect=min(connect_seconds, seconds, 3600.0))
    client = httpx.Client(transport=_transport(verify, deadline), follow_redirects=follow, timeout=timeout)
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
