"""One chat message of OpenAI's fine-tuning formats: the roles and keys it may have, and its checks.

Shared by chat (SFT) lines (:mod:`fmscript.ai.datasets`) and preference (DPO) lines
(:mod:`fmscript.ai.preference`), whose ``input.messages`` are the same messages.
"""

from __future__ import annotations

from typing import Any

ROLES = ("system", "developer", "user", "assistant", "tool")
MESSAGE_KEYS = frozenset({"role", "content", "name", "weight", "tool_calls", "tool_call_id"})


def check_message(msg: Any, index: int, where: str = "") -> str | None:
    """Why one chat message is invalid, or None (``where`` names it in the reason)."""
    where = where or f"messages[{index}]"
    if not isinstance(msg, dict):
        return f"{where} is not an object"
    unknown = sorted(set(msg) - MESSAGE_KEYS)
    if unknown:
        return f"{where} has unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
    role = msg.get("role")
    if role not in ROLES:
        return f"{where} has unknown role {role!r} (allowed: {', '.join(ROLES)})"
    content = msg.get("content")
    if not isinstance(content, str) and not (role == "assistant" and "tool_calls" in msg and content is None):
        if "content" not in msg:
            return f"{where} ({role}) has no content"
        return f"{where} ({role}) content is not a string"
    if "tool_calls" in msg and (role != "assistant" or not isinstance(msg["tool_calls"], list)):
        return f"{where} tool_calls must be a list on an assistant message"
    if "name" in msg and not isinstance(msg["name"], str):
        return f"{where} name is not a string"
    if "weight" in msg:
        if role != "assistant":
            return f"{where} has a weight but is not an assistant message"
        if isinstance(msg["weight"], bool) or msg["weight"] not in (0, 1):
            return f"{where} weight must be 0 or 1"
    return None
