"""Chat fine-tuning data (OpenAI's JSONL form): validation with line numbers, token spans, statistics.

Every line of a training file is one example::

    {"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."},
                  {"role": "assistant", "content": "..."}]}

:func:`validate_jsonl` reports *every* bad line with its 1-based number and the reason, instead of
stopping at the first one (mlx-lm) or counting errors by kind (OpenAI's cookbook). The loss covers
the assistant messages only; an assistant message with ``"weight": 0`` is context, not a target.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import statistics
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fmscript.ai import preference
from fmscript.ai.chat_format import check_message
from fmscript.ai.errors import CANNOT_OPEN_FILE, FILE_MISSING, ai_error

EXAMPLE_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
MIN_EXAMPLES = 10
MAX_SEQ_LENGTH = 2048
SHOWN_PROBLEMS = 50


@dataclasses.dataclass(frozen=True)
class TokenStats:
    """Token counts of the valid examples under one tokenizer and chat template."""

    n_examples: int
    total_tokens: int
    trained_tokens: int
    min_tokens: int
    max_tokens: int
    mean_tokens: float
    median_tokens: float
    p95_tokens: int
    over_limit: int
    max_seq_length: int

    def estimate(self, steps: int, batch_size: int) -> int:
        """Tokens a run of ``steps`` × ``batch_size`` examples goes through (tokens × steps·batch/examples)."""
        if not self.n_examples:
            return 0
        return round(self.total_tokens * steps * batch_size / self.n_examples)

    def format_text(self) -> str:
        lines = [
            f"tokens: {self.total_tokens} in {self.n_examples} examples "
            f"({self.trained_tokens} in assistant messages, the part that is trained)",
            f"per example: min {self.min_tokens}, median {self.median_tokens:g}, mean {self.mean_tokens:.1f}, "
            f"p95 {self.p95_tokens}, max {self.max_tokens}",
        ]
        if self.over_limit:
            lines.append(
                f"{self.over_limit} examples are longer than {self.max_seq_length} tokens and will be truncated"
            )
        return "\n".join(lines)


@dataclasses.dataclass
class ValidationReport:
    """What :func:`validate_jsonl` found. Line 0 in ``problems`` means the whole file."""

    path: Path
    n_lines: int = 0
    n_examples: int = 0
    problems: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    warnings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    sha256: str = ""
    tokens: TokenStats | None = None
    # "supervised" (chat lines) or "dpo" (preference lines): the kind of the first valid line
    method: str = "supervised"

    @property
    def ok(self) -> bool:
        return not self.problems

    def format_text(self, limit: int | None = SHOWN_PROBLEMS) -> str:
        """A readable report: a summary line, then ``line N: reason`` for each problem and warning."""
        name = self.path.name
        if self.ok:
            head = f"{name}: OK, {self.n_examples} example{'s' if self.n_examples != 1 else ''}"
        else:
            head = f"{name}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}, {self.n_examples} valid example{'s' if self.n_examples != 1 else ''} of {self.n_lines} line{'s' if self.n_lines != 1 else ''}"
        out = [head]
        for title, rows in (("", self.problems), ("warning: ", self.warnings)):
            shown = rows if limit is None else rows[:limit]
            for line, reason in shown:
                out.append(f"  {title}{'file' if line == 0 else f'line {line}'}: {reason}")
            if len(shown) < len(rows):
                out.append(f"  ... and {len(rows) - len(shown)} more")
        if self.tokens is not None:
            out.extend("  " + row for row in self.tokens.format_text().splitlines())
        return "\n".join(out)


def check_example(obj: Any) -> tuple[str | None, list[str]]:
    """(the reason the example is invalid or None, warnings) for one decoded JSONL line."""
    if not isinstance(obj, dict):
        return f"not a JSON object (a {type(obj).__name__})", []
    messages = obj.get("messages")
    if "messages" not in obj:
        return "missing 'messages'", []
    if not isinstance(messages, list):
        return "'messages' is not a list", []
    if not messages:
        return "'messages' is empty", []
    for i, msg in enumerate(messages):
        reason = check_message(msg, i)
        if reason:
            return reason, []
    assistants = [m for m in messages if m["role"] == "assistant"]
    if not assistants:
        return "no assistant message", []
    if all(m.get("weight", 1) == 0 for m in assistants):
        return "every assistant message has weight 0, so there is nothing to train on", []
    warnings = []
    unknown = sorted(set(obj) - EXAMPLE_KEYS)
    if unknown:
        warnings.append(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} ignored"
        )
    if not any(m["role"] == "user" for m in messages):
        warnings.append("no user message")
    if any(m["role"] == "assistant" and m.get("content") == "" for m in messages):
        warnings.append("an assistant message is empty")
    return None, warnings


def _lines(path: Path, digest: Any) -> Iterator[tuple[int, bytes]]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ai_error(f"training file not found: {path}", FILE_MISSING) from None
    except OSError as exc:
        raise ai_error(f"cannot open training file {path}: {exc.strerror or exc}", CANNOT_OPEN_FILE) from None
    with handle:
        try:
            for number, raw in enumerate(handle, 1):
                digest.update(raw)
                yield number, raw
        except OSError as exc:
            raise ai_error(
                f"cannot read training file {path}: {exc.strerror or exc}", CANNOT_OPEN_FILE
            ) from None


def iter_examples(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None, list[str]]]:
    """(line number, example or None, problem or None, warnings) for every line of a JSONL file."""
    for number, raw in _lines(Path(path), hashlib.sha256()):
        yield (number, *_parse_line(number, raw))


def _parse_line(number: int, raw: bytes) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not valid UTF-8 text", []
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None, "blank line (every line must hold one example)", []
    if text.count("[") + text.count("{") > MAX_NESTING and _nesting(text) > MAX_NESTING:
        return None, f"not valid JSON: nested more than {MAX_NESTING} levels deep", []
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})", []
    except RecursionError:
        return None, f"not valid JSON: nested more than {MAX_NESTING} levels deep", []
    reason, warnings = check_line(obj)
    return (None if reason else obj), reason, warnings


def check_line(obj: Any) -> tuple[str | None, list[str]]:
    """:func:`check_example` for a chat line, the preference checks for a DPO line (by its shape)."""
    if preference.is_preference_example(obj):
        return preference.check_preference_example(obj)
    return check_example(obj)


def line_kind(obj: dict[str, Any]) -> str:
    """``"dpo"`` for a preference line, ``"supervised"`` for a chat line (OpenAI's method names)."""
    return "dpo" if "messages" not in obj else "supervised"


METHODS = ("supervised", "dpo")


# JsonCpp's (FileMaker's) nesting limit; deeper lines are reported instead of recursing.
MAX_NESTING = 1000
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped); no recursion."""
    depth = deepest = 0
    for m in _STRUCTURE.finditer(text):
        token = m.group()
        if token == "[" or token == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif token == "]" or token == "}":
            depth -= 1
    return deepest


def validate_jsonl(
    path: Path | str, tokenizer: Any = None, max_seq_length: int = MAX_SEQ_LENGTH, method: str | None = None
) -> ValidationReport:
    """Check every line of a chat or preference JSONL file; with a tokenizer, count tokens too.

    ``method`` ("supervised" or "dpo") demands that kind of line; None takes the kind of the first
    valid line, and a line of the other kind is a problem (a file is one or the other). Raises
    (code 100/802) only when the file cannot be read at all; everything wrong inside it is in the
    report.
    """
    path = Path(path)
    report = ValidationReport(path=path, method=method or "supervised")
    digest = hashlib.sha256()
    examples: list[dict[str, Any]] = []
    for number, raw in _lines(path, digest):
        report.n_lines = number
        obj, reason, warnings = _parse_line(number, raw)
        if obj is not None and not reason:
            if method is None and not report.n_examples:
                report.method = line_kind(obj)
            reason = _kind_problem(line_kind(obj), report.method, method is not None)
        if reason:
            report.problems.append((number, reason))
        elif obj is not None:
            report.n_examples += 1
            if tokenizer is not None:  # kept only to count tokens: validation alone streams
                examples.append(obj)
        report.warnings.extend((number, w) for w in warnings)
    report.sha256 = digest.hexdigest()
    if report.n_examples < MIN_EXAMPLES:
        report.problems.append(
            (
                0,
                f"{report.n_examples} valid example{'s' if report.n_examples != 1 else ''}; at least {MIN_EXAMPLES} are needed",
            )
        )
    if tokenizer is not None and examples:
        if report.method == "dpo":
            from fmscript.ai.preference import as_chats

            examples = [chat for e in examples for chat in as_chats(e)]
        report.tokens = token_stats(examples, tokenizer, max_seq_length)
    return report


_KIND_WORDS = {"supervised": "a chat (messages) line", "dpo": "a preference (DPO) line"}


def _kind_problem(kind: str, expected: str, demanded: bool) -> str | None:
    if kind == expected:
        return None
    why = (
        f"the job's method is {expected}"
        if demanded
        else "earlier lines are " + _KIND_WORDS[expected][2:] + "s"
    )
    return f"{_KIND_WORDS[kind]} in a {expected} file ({why}); a file holds one kind of example"


def load_examples(path: Path) -> list[dict[str, Any]]:
    """The examples of a file that :func:`validate_jsonl` passed (invalid lines are skipped)."""
    return [obj for _, obj, _, _ in iter_examples(path) if obj is not None]


def _encode(tokenizer: Any, messages: list[dict[str, Any]], tools: Any, generation_prompt: bool) -> list[int]:
    kwargs: dict[str, Any] = {"add_generation_prompt": generation_prompt, "tokenize": True}
    if tools is not None:
        kwargs["tools"] = tools
    out = tokenizer.apply_chat_template(messages, return_dict=False, **kwargs)
    return list(out)


def chat_token_spans(tokenizer: Any, example: dict[str, Any]) -> tuple[list[int], list[tuple[int, int]]]:
    """The tokens of one chat example and the ``[start, end)`` spans the loss covers.

    A span starts after the assistant header (the template of the messages before it with the
    generation prompt) and ends with the message's end-of-turn tokens. Assistant messages with
    ``weight`` 0 are not spans, and messages after the last span are dropped (nothing learns from
    them).
    """
    tools = example.get("tools")
    messages = [{k: v for k, v in m.items() if k != "weight"} for m in example["messages"]]
    trained = [
        i for i, m in enumerate(example["messages"]) if m["role"] == "assistant" and m.get("weight", 1) != 0
    ]
    if not trained:
        return _encode(tokenizer, messages, tools, False), []
    messages = messages[: trained[-1] + 1]
    tokens = _encode(tokenizer, messages, tools, False)
    spans = []
    for i in trained:
        start = len(_encode(tokenizer, messages[:i], tools, True)) if i else 0
        end = len(tokens) if i == trained[-1] else len(_encode(tokenizer, messages[: i + 1], tools, False))
        start, end = min(start, len(tokens)), min(end, len(tokens))
        if start < end:
            spans.append((start, end))
    return tokens, spans


def _percentile(sorted_values: Sequence[int], fraction: float) -> int:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def token_stats(
    examples: Sequence[dict[str, Any]], tokenizer: Any, max_seq_length: int = MAX_SEQ_LENGTH
) -> TokenStats:
    """Token counts of examples under a tokenizer's chat template."""
    lengths: list[int] = []
    trained = 0
    for example in examples:
        tokens, spans = chat_token_spans(tokenizer, example)
        lengths.append(len(tokens))
        trained += sum(min(end, max_seq_length) - min(start, max_seq_length) for start, end in spans)
    ordered = sorted(lengths)
    return TokenStats(
        n_examples=len(lengths),
        total_tokens=sum(lengths),
        trained_tokens=trained,
        min_tokens=ordered[0] if ordered else 0,
        max_tokens=ordered[-1] if ordered else 0,
        mean_tokens=statistics.fmean(ordered) if ordered else 0.0,
        median_tokens=statistics.median(ordered) if ordered else 0.0,
        p95_tokens=_percentile(ordered, 0.95) if ordered else 0,
        over_limit=sum(1 for n in lengths if n > max_seq_length),
        max_seq_length=max_seq_length,
    )
