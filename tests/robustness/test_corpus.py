"""Issue 13's corpus of hostile inputs, each run through the real ``fmscript`` command.

``corpus.json`` holds the cases: the files to write (text; ``parts`` with ``[text, count]``
repeats; ``hex`` bytes; ``random`` bytes; ``utf16`` with a BOM; ``sqlite`` a database built from
SQL) and the commands to run with what they must print and their exit code. Every command, whatever
the case, must also never print a Python traceback, never reach the CLI's ``internal error``
boundary, never name a Python class, and never show the API key used in the corpus (SECRETKEY).

Optional ``setup``: ``lock`` holds a write lock on a database during the commands (another
process's transaction); ``http`` serves one fixed reply on 127.0.0.1 (``{PORT}`` in the files).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import processes

from .fake_provider import serve

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = json.loads((HERE / "corpus.json").read_text(encoding="utf-8"))
SRC = HERE.parent.parent / "src"
NEVER = ("Traceback", "internal error", "SECRETKEY", "RecursionError", "MemoryError")
PYTHON_CLASS = re.compile(r"<class '|\b(?:decimal|sqlite3|httpx\d?|openai)\.[A-Z]\w+")


def _content(spec: Any, port: int | None) -> bytes:
    if isinstance(spec, str):
        text = spec
    elif "parts" in spec:
        text = "".join(p if isinstance(p, str) else p[0] * p[1] for p in spec["parts"])
    elif "hex" in spec:
        return bytes.fromhex(spec["hex"])
    elif "random" in spec:
        rng = random.Random(13)
        # A byte that never starts UTF-8 first (and no UTF-16 byte-order mark).
        return b"\xfd\xfc\xff" + bytes(rng.randrange(256) for _ in range(spec["random"]))
    elif "utf16" in spec:
        return b"\xff\xfe" + spec["utf16"].encode("utf-16-le")
    else:
        raise AssertionError(f"unknown file spec {spec}")
    if port is not None:
        text = text.replace("{PORT}", str(port))
    return text.encode("utf-8")


@contextlib.contextmanager
def _setup(case: dict[str, Any], folder: Path) -> Iterator[int | None]:
    setup = case.get("setup") or {}
    with contextlib.ExitStack() as stack:
        port = None
        if "http" in setup:
            reply = setup["http"]
            port = stack.enter_context(serve(reply["status"], reply["type"], reply["body"]))
        for name, spec in case["files"].items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(spec, dict) and "sqlite" in spec:
                db = sqlite3.connect(path)
                db.executescript(spec["sqlite"])
                db.close()
            else:
                path.write_bytes(_content(spec, port))
        if "lock" in setup:
            # Another process's open write transaction (a RESERVED lock): readers go on, writers wait.
            holder = sqlite3.connect(folder / setup["lock"], isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            stack.callback(holder.close)
            stack.callback(holder.execute, "ROLLBACK")
        yield port


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FMSCRIPT_", "OPENAI_"))}
    env.update(
        FMSCRIPT_HOME=str(home),
        FMSCRIPT_PROGRESS="0",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]),
    )
    return env


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case(case: dict[str, Any], tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    env = _env(tmp_path / "home")
    with _setup(case, folder):
        for command in case["commands"]:
            stdout_to = command.get("stdout_to")
            with open(stdout_to, "wb") if stdout_to else contextlib.nullcontext() as sink:
                proc = processes.run(
                    [sys.executable, "-m", "fmscript", *command["argv"]],
                    cwd=folder,
                    env=env,
                    stdout=sink if sink else subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    timeout=300,  # a hang guard only: no timing is asserted
                )
            out = proc.stdout.decode("utf-8", "replace") if proc.stdout else ""
            err = proc.stderr.decode("utf-8", "replace")
            where = f"{case['name']}: fmscript {' '.join(command['argv'])}\n--- stdout:\n{out[-2000:]}\n--- stderr:\n{err[-2000:]}"
            assert proc.returncode == command["exit"], where
            for text in command.get("stdout", []):
                assert text in out, where
            for text in command.get("stderr", []):
                assert text in err, where
            for text in command.get("output", []):
                assert text in out + err, where
            if "stdout_last" in command:
                assert out.rstrip("\n").rsplit("\n", 1)[-1] == command["stdout_last"], where
            for text in NEVER:
                assert text not in out + err, where
            assert not PYTHON_CLASS.search(out + err), where


def test_every_item_of_the_issue_is_covered() -> None:
    covered = {case["covers"].split(":")[0] for case in CASES}
    assert covered >= {"1", "2", "3", "4", "5", "6", "7", "8"}
