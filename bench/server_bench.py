"""``fmscript serve`` on loopback: job-create latency, and chat-completion latency for 8
concurrent clients on the demo model, side by side with ``mlx_lm.server`` on the same model.

Both servers run as subprocesses on 127.0.0.1; every client sends the same greedy request
(max_tokens 16). Figures are medians (p95 in brackets) over every request of every client.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

CLIENTS = 8
PER_CLIENT = 3
JOBS = 20
MESSAGES = [{"role": "user", "content": "How do I reset my password?"}]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(cmd: list[str], url: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{cmd[2:4]} did not start: {log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def chat_latencies(url: str, body: dict[str, object], headers: dict[str, str]) -> tuple[list[float], float]:
    """(per-request seconds, wall seconds) for CLIENTS threads × PER_CLIENT requests."""
    httpx.post(url, json=body, headers=headers, timeout=120).raise_for_status()  # load the model
    times: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=300) as session:
            for _ in range(PER_CLIENT):
                start = time.perf_counter()
                session.post(url, json=body, headers=headers).raise_for_status()
                with lock:
                    times.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, time.perf_counter() - start


def main() -> dict[str, float]:
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.jobs.store import open_store
    from fmscript.ai.keys import KeyStore

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        model = create_demo_model(Path(tmp) / "demo", seed=0)
        open_store(home).models.add_base("demo", model)
        key = KeyStore(home).create("bench")
        headers = {"Authorization": f"Bearer {key}"}
        env = {**os.environ, "FMSCRIPT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        port = _port()
        base = f"http://127.0.0.1:{port}"
        serve = [
            sys.executable,
            "-m",
            "fmscript",
            "serve",
            "--port",
            str(port),
            "--no-train",
            "--log-level",
            "warning",
        ]
        proc = _start(serve, f"{base}/health", env, Path(tmp) / "serve.log")
        try:
            data = "".join(
                json.dumps(
                    {
                        "messages": [
                            {"role": "user", "content": f"q{i}"},
                            {"role": "assistant", "content": f"a{i}"},
                        ]
                    }
                )
                + "\n"
                for i in range(20)
            )
            with httpx.Client(base_url=f"{base}/v1", headers=headers, timeout=60) as api:
                file_id = api.post(
                    "/files", files={"file": ("b.jsonl", data)}, data={"purpose": "fine-tune"}
                ).json()["id"]
                create = []
                for i in range(JOBS):
                    start = time.perf_counter()
                    api.post("/fine_tuning/jobs", json={"model": "demo", "training_file": file_id,
                                                        "fine_tuned_model_name": f"b{i}"}).raise_for_status()  # fmt: skip
                    create.append(time.perf_counter() - start)
            body = {"model": "demo", "messages": MESSAGES, "max_tokens": 16, "temperature": 0}
            ours, ours_wall = chat_latencies(f"{base}/v1/chat/completions", body, headers)
        finally:
            _stop(proc)

        port = _port()
        mlx_cmd = [sys.executable, "-m", "mlx_lm", "server", "--model", str(model), "--port", str(port)]
        proc = _start(mlx_cmd, f"http://127.0.0.1:{port}/health", env, Path(tmp) / "mlx.log")
        try:
            theirs, theirs_wall = chat_latencies(
                f"http://127.0.0.1:{port}/v1/chat/completions", {**body, "model": "default_model"}, {}
            )
        finally:
            _stop(proc)

    n = CLIENTS * PER_CLIENT
    print(
        f"job create: median {statistics.median(create) * 1000:.1f} ms (p95 {_pct(create, 0.95) * 1000:.1f}) over {JOBS}"
    )
    for name, times, wall in (("fmscript serve", ours, ours_wall), ("mlx_lm.server", theirs, theirs_wall)):
        print(
            f"chat, {CLIENTS} clients x {PER_CLIENT}, {name:<14}: median {statistics.median(times) * 1000:.0f} ms "
            f"(p95 {_pct(times, 0.95) * 1000:.0f}), {n / wall:.1f} req/s"
        )
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"chat latency ratio fmscript / mlx_lm.server: {ratio:.2f}")
    return {
        "job_create_ms": statistics.median(create) * 1000,
        "chat_median_ms": statistics.median(ours) * 1000,
        "mlx_lm_chat_median_ms": statistics.median(theirs) * 1000,
        "chat_ratio": ratio,
    }


if __name__ == "__main__":
    main()
