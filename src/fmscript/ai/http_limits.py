"""A total deadline and a size cap for one HTTP call, in every phase (no step logic here).

httpx's timeouts are per socket operation: a server that trickles a byte at a time, or a client
that retries, is never timed out by them. :class:`Budget` is what one call may still spend — time
until its deadline and bytes it may still read — and :func:`transport` is httpx's own transport
over httpcore's network backend with every connect, read and write bounded by it: each operation
gets ``min(its own timeout, what is left of the deadline)``, and reading past ``max_bytes`` fails
with :class:`ReplyTooLarge`. Used by Insert from URL (cURL's ``-m``) and the OpenAI/Custom
providers (``Settings.call_deadline``, ``reply_max_bytes``). httpx/httpcore are imported lazily.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpcore
    import httpx


class ReplyTooLarge(Exception):
    """More bytes arrived than the call may read."""


class Budget:
    """What one call may still spend; :meth:`start` begins a call (retries included)."""

    def __init__(self, seconds: float, max_bytes: int | None = None) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.start()

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.read_bytes = 0

    def timeout(self, own: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            import httpcore

            raise httpcore.ReadTimeout(f"the call's total deadline ({self.seconds:g} s) passed")
        return left if own is None else min(own, left)

    def count(self, data: bytes) -> bytes:
        self.read_bytes += len(data)
        if self.max_bytes is not None and self.read_bytes > self.max_bytes:
            raise ReplyTooLarge(f"the reply is larger than {self.max_bytes:,} bytes")
        return data


def _backend(budget: Budget) -> httpcore.NetworkBackend:
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return budget.count(self._inner.read(max_bytes, budget.timeout(timeout)))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._inner.write(buffer, budget.timeout(timeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self, ssl_context: object, server_hostname: str | None = None, timeout: float | None = None
        ) -> httpcore.NetworkStream:
            inner = self._inner.start_tls(ssl_context, server_hostname, budget.timeout(timeout))  # type: ignore[arg-type]
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
            return Stream(
                super().connect_tcp(host, port, budget.timeout(timeout), local_address, socket_options)
            )

    return Backend()


def transport(verify: bool, budget: Budget) -> httpx.HTTPTransport:
    """httpx's transport, every socket operation within ``budget``."""
    import httpcore
    import httpx

    class Transport(httpx.HTTPTransport):
        def __init__(self) -> None:  # httpx's own transport over the budgeted backend
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(verify=verify),
                network_backend=_backend(budget),
            )

    return Transport()


def too_large(exc: BaseException | None) -> ReplyTooLarge | None:
    """The :class:`ReplyTooLarge` behind an error (httpx and SDKs wrap it), if any."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ReplyTooLarge):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None
