"""Fixtures for the fine-tuning tests: a private FMSCRIPT_HOME per test, one demo model per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

QA = [
    ("What is the capital of France?", "Paris"),
    ("What colour is the sky?", "Blue"),
    ("What is 2 + 2?", "4"),
    ("Which planet is the largest?", "Jupiter"),
    ("What is the opposite of hot?", "Cold"),
    ("What is the first letter?", "A"),
    ("How do you say hello in Japanese?", "こんにちは"),
    ("How do you say hello in Chinese?", "你好"),
    ("How many days are in a week?", "Seven"),
    ("Who wrote Hamlet?", "Shakespeare"),
    ("At what temperature does water boil?", "100 C"),
    ("Which animal is the fastest?", "Cheetah"),
]


def chat_line(question: str, answer: str) -> str:
    return json.dumps(
        {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]},
        ensure_ascii=False,
    )


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("FMSCRIPT_HOME", str(folder))
    monkeypatch.setenv("FMSCRIPT_PROGRESS", "0")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    return folder


@pytest.fixture
def train_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "my-training-data.jsonl", [chat_line(q, a) for q, a in QA])


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mlx_lm")
    from fmscript.ai.demo_model import create_demo_model

    return create_demo_model(tmp_path_factory.mktemp("demo") / "demo", seed=0)


@pytest.fixture
def demo_home(home: Path, demo_dir: Path) -> Path:
    """A home whose registered base model ``demo`` is the session's demo model."""
    from fmscript.ai.jobs import open_store

    store = open_store(home)
    store.models.add_base("demo", demo_dir)
    store.close()
    return home
