"""Fixtures for the fine-tuning tests: a private FMSCRIPT_HOME per test, one demo model per session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .hub_stub import HubStub

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


HUB_TOKEN = "hf_stubTokenThatMustNeverLeak0123456789"
QWEN_4BIT = "mlx-community/Qwen2.5-tiny-Instruct-4bit"
GATED = "meta-llama/Llama-tiny-Instruct"


@pytest.fixture(scope="session")
def hub_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny stand-ins of real hub models: a 4-bit Qwen, a gemma named like the seed's base model,
    a gated llama (GQA + llama3 rope scaling)."""
    pytest.importorskip("mlx_lm")
    from fmscript.ai.families import create_tiny_model

    root = tmp_path_factory.mktemp("hub-models")
    return {
        QWEN_4BIT: create_tiny_model(root / "qwen", "qwen2", bits=4),
        "google/codegemma-7b-it": create_tiny_model(root / "gemma", "gemma"),
        GATED: create_tiny_model(root / "llama", "llama"),
    }


@pytest.fixture
def hub(hub_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[HubStub]:
    """The loopback hub with the stand-ins; HF_ENDPOINT points at it (HF_TOKEN unset)."""
    from .hub_stub import HubStub, StubRepo

    repos = {name: StubRepo.from_folder(path, gated=name == GATED) for name, path in hub_models.items()}
    stub = HubStub(repos=repos, tokens={HUB_TOKEN}).start()
    monkeypatch.setenv("HF_ENDPOINT", stub.url)
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "FMSCRIPT_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    try:
        yield stub
    finally:
        stub.stop()
