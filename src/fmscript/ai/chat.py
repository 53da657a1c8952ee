"""The chat records that engines and providers share."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class ChatReply:
    """One assistant turn: its text and the tool calls it asks for (OpenAI's objects, as sent)."""

    text: str
    tool_calls: tuple[dict[str, Any], ...] = ()
