"""Issue 22 item 23: ``fmscript serve --port 0`` prints the port it listens on; a port in use is one
error line and exit 1 (it printed the banner and "startup complete", then uvicorn's Errno 98, exit 3).
Also ``jobs cancel`` on a finished job and the "1 valid example" wording."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import processes

pytest.importorskip("fastapi")
ROOT = Path(__file__).resolve().parents[2]


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FMSCRIPT_HOME": str(home),
        "PYTHONPATH": str(ROOT / "src"),
        "FMSCRIPT_PROGRESS": "0",
    }


def test_port_0_prints_the_bound_port(tmp_path: Path) -> None:
    with processes.spawned(
        [sys.executable, "-m", "fmscript", "serve", "--port", "0", "--no-train"],
        env=_env(tmp_path / "home"),
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        line = ""
        deadline = time.monotonic() + 60
        while "API http" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()  # type: ignore[union-attr]
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/llm/v1/", line).group(1))  # type: ignore[union-attr]
        assert port != 0
        for _ in range(100):
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"nothing answers on the printed port {port}")


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = processes.run(
            [sys.executable, "-m", "fmscript", "serve", "--port", str(port)],
            env=_env(tmp_path / "home"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{port}: the port is in use\n"


def test_validate_says_1_valid_example(tmp_path: Path) -> None:
    data = tmp_path / "one.jsonl"
    data.write_text(
        '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n{"bad": 1}\n'
    )
    result = processes.run(
        [sys.executable, "-m", "fmscript", "validate", str(data)],
        env=_env(tmp_path / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert "1 valid example of 2 lines" in result.stdout + result.stderr
    assert "1 valid examples" not in result.stdout + result.stderr


def test_cancel_on_a_finished_job_says_so(tmp_path: Path) -> None:
    from fmscript.ai.jobs import open_store

    home = tmp_path / "home"
    data = tmp_path / "t.jsonl"
    data.write_text('{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n')
    store = open_store(home)
    file = store.files.create(data, "t.jsonl")
    job = store.jobs.create("demo", file.id, "t.jsonl", {"fine_tuned_model_name": "x"}, status="queued")
    store.jobs.set_status(job.id, "cancelled", expect=("queued",), message="Job cancelled")
    store.close()
    result = processes.run(
        [sys.executable, "-m", "fmscript", "jobs", "cancel", job.id],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: {job.id} already cancelled: there is nothing to cancel\n"
