"""Limits of one server instance (the CLI's ``fmscript serve`` options)."""

from __future__ import annotations

import attrs

MB = 1024 * 1024


@attrs.frozen
class ServerOptions:
    """``max_upload_bytes``: a ``POST /files`` body; ``max_body_bytes``: every other request body.
    ``worker``: train queued jobs in this server (off only in tests that look at the queue).
    ``chat_max_tokens``: the most tokens one chat completion may ask for; ``chat_batch``: how many
    chat requests are decoded together."""

    max_upload_bytes: int = 512 * MB
    max_body_bytes: int = 4 * MB
    worker: bool = True
    chat_max_tokens: int = 4096
    chat_batch: int = 8
