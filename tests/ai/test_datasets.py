from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmscript.ai.datasets import chat_token_spans, validate_jsonl
from fmscript.errors import ScriptRuntimeError

from .conftest import QA, chat_line, write_jsonl

BAD_LINES = {
    2: ("not json at all", "not valid JSON"),
    4: ("", "blank line"),
    5: ("[1, 2]", "not a JSON object"),
    6: ('{"prompt": "x", "completion": "y"}', "missing 'messages'"),
    7: ('{"messages": []}', "'messages' is empty"),
    8: ('{"messages": ["hi"]}', "messages[0] is not an object"),
    9: ('{"messages": [{"role": "bot", "content": "x"}]}', "unknown role 'bot'"),
    10: ('{"messages": [{"role": "user", "content": 5}]}', "content is not a string"),
    11: ('{"messages": [{"role": "user", "content": "x", "mood": "ok"}]}', "unknown key 'mood'"),
    12: ('{"messages": [{"role": "user", "content": "only a question"}]}', "no assistant message"),
    13: (
        '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 2}]}',
        "weight must be 0 or 1",
    ),
}


def _file_with_bad_lines(tmp_path: Path) -> Path:
    good = iter(chat_line(q, a) for q, a in QA * 2)
    lines = [BAD_LINES[n][0] if n in BAD_LINES else next(good) for n in range(1, 25)]
    return write_jsonl(tmp_path / "bad.jsonl", lines)


def test_every_bad_line_is_reported_with_its_number_and_reason(tmp_path: Path) -> None:
    report = validate_jsonl(_file_with_bad_lines(tmp_path))
    assert not report.ok
    assert [line for line, _ in report.problems] == sorted(BAD_LINES)
    for line, reason in report.problems:
        assert BAD_LINES[line][1] in reason, (line, reason)
    assert report.n_examples == 24 - len(BAD_LINES)
    assert report.n_lines == 24
    text = report.format_text()
    assert "line 2: not valid JSON" in text and "line 13:" in text


def test_fewer_than_ten_examples_is_a_problem(tmp_path: Path) -> None:
    report = validate_jsonl(write_jsonl(tmp_path / "few.jsonl", [chat_line(q, a) for q, a in QA[:9]]))
    assert report.problems == [(0, "9 valid examples; at least 10 are needed")]
    assert "file: 9 valid examples" in report.format_text()


def test_a_good_file_with_bom_crlf_tools_and_weights(tmp_path: Path) -> None:
    lines = [chat_line(q, a) for q, a in QA]
    lines.append(
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello", "weight": 0},
                    {"role": "user", "content": "Bye"},
                    {"role": "assistant", "content": "Goodbye", "weight": 1},
                ],
                "extra": 1,
            }
        )
    )
    path = tmp_path / "ok.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    report = validate_jsonl(path)
    assert report.ok, report.format_text()
    assert report.n_examples == 13
    assert report.warnings == [(13, "unknown key 'extra' ignored")]
    assert len(report.sha256) == 64


def test_missing_file_is_error_100(tmp_path: Path) -> None:
    with pytest.raises(ScriptRuntimeError) as info:
        validate_jsonl(tmp_path / "nope.jsonl")
    assert info.value.code == 100


def test_invalid_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b"".join(chat_line(q, a).encode() + b"\n" for q, a in QA) + b'{"messages": "caf\xe9"}\n')
    assert validate_jsonl(path).problems == [(13, "not valid UTF-8 text")]


def test_token_spans_cover_assistant_messages_only(demo_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(demo_dir))
    example = {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello", "weight": 0},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris"},
            {"role": "user", "content": "trailing question"},
        ]
    }
    tokens, spans = chat_token_spans(tokenizer, example)
    assert len(spans) == 1
    start, end = spans[0]
    assert tokenizer.decode(tokens[start:end]) == "Paris<|im_end|>\n"
    assert end == len(tokens)  # the trailing user message is dropped
    both = dict(
        example, messages=[dict(m, weight=1) if m["role"] == "assistant" else m for m in example["messages"]]
    )
    tokens, spans = chat_token_spans(tokenizer, both)
    assert [tokenizer.decode(tokens[a:b]) for a, b in spans] == ["Hello<|im_end|>\n", "Paris<|im_end|>\n"]


def test_token_stats_and_estimate(tmp_path: Path, demo_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(demo_dir))
    report = validate_jsonl(
        write_jsonl(tmp_path / "t.jsonl", [chat_line(q, a) for q, a in QA]), tokenizer=tokenizer
    )
    stats = report.tokens
    assert stats is not None and stats.n_examples == 12
    assert stats.min_tokens <= stats.median_tokens <= stats.max_tokens
    assert 0 < stats.trained_tokens < stats.total_tokens
    assert stats.estimate(steps=60, batch_size=2) == round(stats.total_tokens * 60 * 2 / 12)
    assert "tokens:" in report.format_text()
