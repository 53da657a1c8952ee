"""Preference data (OpenAI's DPO fine-tuning format): line checks and token spans.

Every line of a preference file is one comparison::

    {"input": {"messages": [{"role": "user", "content": "..."}], "tools": [...]},
     "preferred_output": [{"role": "assistant", "content": "good answer"}],
     "non_preferred_output": [{"role": "assistant", "content": "worse answer"}]}

As in OpenAI's API, each output is exactly one assistant message, the answer to the conversation in
``input.messages``; Direct Preference Optimization learns to raise the likelihood of the preferred
answer relative to the other one. :func:`check_preference_example` gives one reason per bad line,
like :func:`fmscript.ai.datasets.check_example` does for chat (SFT) lines; the file-level checks
(at least 10 examples, no mixing of the two formats) are in :func:`fmscript.ai.datasets.validate_jsonl`.
"""

from __future__ import annotations

from typing import Any

from fmscript.ai.chat_format import check_message

PREFERENCE_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
OUTPUT_KEYS = ("preferred_output", "non_preferred_output")


def is_preference_example(obj: Any) -> bool:
    """True when a decoded line is meant as a preference (DPO) line: it has any of its keys and
    no ``messages`` of a chat line (so a chat line with a typo is still judged as chat)."""
    return isinstance(obj, dict) and "messages" not in obj and any(k in obj for k in PREFERENCE_KEYS)


def _check_output(obj: dict[str, Any], key: str) -> str | None:
    if key not in obj:
        return f"missing '{key}'"
    output = obj[key]
    if not isinstance(output, list):
        return f"'{key}' is not a list"
    if not output:
        return f"'{key}' is empty"
    if len(output) > 1:
        return f"'{key}' holds {len(output)} messages; it must hold exactly one assistant message"
    message = output[0]
    if not isinstance(message, dict):
        return f"{key}[0] is not an object"
    if message.get("role") != "assistant":
        return f"{key}[0] has role {message.get('role')!r}; it must be 'assistant'"
    content = message.get("content")
    if not isinstance(content, str):
        return f"{key}[0] has no text content" if content is None else f"{key}[0] content is not a string"
    if not content.strip():
        return f"{key}[0] content is empty"
    unknown = sorted(set(message) - {"role", "content", "name"})
    if unknown:
        return f"{key}[0] has unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
    return None


def check_preference_example(obj: Any) -> tuple[str | None, list[str]]:
    """(the reason the preference line is invalid or None, warnings) for one decoded JSONL line."""
    if not isinstance(obj, dict):
        return f"not a JSON object (a {type(obj).__name__})", []
    if "input" not in obj:
        return "missing 'input'", []
    source = obj["input"]
    if not isinstance(source, dict):
        return "'input' is not an object", []
    messages = source.get("messages")
    if not isinstance(messages, list) or not messages:
        return (
            "'input.messages' is missing or empty" if not messages else "'input.messages' is not a list",
            [],
        )
    for i, message in enumerate(messages):
        reason = check_message(message, i, where=f"input.messages[{i}]")
        if reason:
            return reason, []
    if "tools" in source and not isinstance(source["tools"], list):
        return "'input.tools' is not a list", []
    if messages[-1]["role"] == "assistant":
        return "input.messages ends with an assistant message; the outputs are the answer to it", []
    for key in OUTPUT_KEYS:
        reason = _check_output(obj, key)
        if reason:
            return reason, []
    if obj["preferred_output"][0]["content"] == obj["non_preferred_output"][0]["content"]:
        return "preferred_output and non_preferred_output are the same answer", []
    warnings = []
    unknown = sorted(set(obj) - PREFERENCE_KEYS) + sorted(f"input.{k}" for k in set(source) - INPUT_KEYS)
    if unknown:
        warnings.append(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} ignored"
        )
    if not any(m["role"] == "user" for m in messages):
        warnings.append("no user message")
    return None, warnings


def as_chats(example: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two chat examples a preference line compares: (input + preferred, input + non-preferred).

    Assistant turns inside ``input`` get weight 0: only the compared answer is scored.
    """
    source = example["input"]
    context = [{**m, "weight": 0} if m["role"] == "assistant" else m for m in source["messages"]]
    tools = {"tools": source["tools"]} if source.get("tools") else {}
    preferred, other = (
        {"messages": [*context, {"role": "assistant", "content": example[key][0]["content"]}], **tools}
        for key in OUTPUT_KEYS
    )
    return preferred, other


def from_chat(example: dict[str, Any], rejected: str) -> dict[str, Any]:
    """A preference line from a chat example (its last assistant message preferred) and a worse answer."""
    messages = example["messages"]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return {
        "input": {"messages": messages[:last]},
        "preferred_output": [{"role": "assistant", "content": messages[last]["content"]}],
        "non_preferred_output": [{"role": "assistant", "content": rejected}],
    }
