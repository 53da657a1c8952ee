"""Scale-out on PostgreSQL (issue 21): (a) jobs per hour with 1 and with 2 ``fmscript worker``
processes on one PostgreSQL queue, and (b) chat latency of a ``fmscript serve`` replica whose store
is PostgreSQL, side by side with the same replica on SQLite.

(a) One ``serve --store … --no-train`` replica takes JOBS demo-model jobs of STEPS steps each
(created back to back once every worker is polling); the figure is the wall time until all have
succeeded. (b) CHATS sequential greedy chat requests (openai SDK, max_tokens 8) to a replica on each
store, after one warm-up request that loads the model; median and p95.

Everything runs on this machine: a throw-away PostgreSQL (tests/postgres_server.py) and
subprocesses that are killed with their process groups however the run ends (Ctrl-C, SIGTERM, an
error). ``python bench/scale_bench.py [--jobs 6] [--steps 20] [--chats 30]`` — about 2–4 minutes on
a 2-core box, so ``bench/run_all.py`` runs it only with ``--scale``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres_server import fresh_database, running_postgres  # noqa: E402 (pytest-free)
from tests.processes import spawned  # noqa: E402 (kills the whole group on every path)

T = TypeVar("T")
QA = [(f"How do I fix problem {i}?", f"Restart step {i}.") for i in range(12)]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _home(folder: Path, demo: Path) -> Path:
    """A machine's FMSCRIPT_HOME with its own copy of the demo base model (base models are per machine)."""
    shutil.copytree(demo, folder / "base-models" / "demo")
    return folder


class Cluster:
    """The processes of one measurement, each in its own process group, killed when the block ends."""

    def __init__(self, stack: contextlib.ExitStack, logs: Path) -> None:
        self.stack, self.logs = stack, logs

    def start(self, name: str, args: list[str], home: Path, store: str | None) -> subprocess.Popen[bytes]:
        env = {**os.environ, "FMSCRIPT_HOME": str(home), "FMSCRIPT_PROGRESS": "0", "HF_HUB_OFFLINE": "1"}
        env.pop("FMSCRIPT_STORE", None)
        if store:
            env["FMSCRIPT_STORE"] = store
        with open(self.logs / f"{name}.log", "ab") as out:
            return self.stack.enter_context(
                spawned(
                    [sys.executable, "-m", "fmscript", *args], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            )

    def serve(self, home: Path, store: str | None) -> str:
        port = _port()
        proc = self.start(f"serve-{port}", ["serve", "--port", str(port), "--no-train", "--log-level", "warning"],
                          home, store)  # fmt: skip
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {(self.logs / f'serve-{port}.log').read_text()[-2000:]}")
            try:
                return httpx.get(f"{url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, 120, "the replica to start")
        return url


def _register(home: Path, store: str | None) -> str:
    """Register the home's demo model in the store and return a new API key."""
    from fmscript.ai.jobs.store import open_store
    from fmscript.ai.keys import open_keys

    opened = open_store(home, store)
    opened.models.add_base("demo", home / "base-models" / "demo")  # each home finds its own copy
    opened.close()
    return open_keys(home, store or "").create("bench")


def throughput(server: str, demo: Path, tmp: Path, workers: int, jobs: int, steps: int) -> float:
    """Seconds from the first job created until all ``jobs`` succeeded, with ``workers`` workers."""
    from fmscript.ai.jobs.store import open_store

    data = "".join(
        json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n"
        for q, a in QA
    )
    with fresh_database(server) as url, contextlib.ExitStack() as stack:
        root = Path(tempfile.mkdtemp(dir=tmp, prefix=f"w{workers}-"))
        api = _home(root / "api", demo)
        key = _register(api, url)
        cluster = Cluster(stack, root)
        base = cluster.serve(api, url)
        store = open_store(root / "watch", url)
        stack.callback(store.close)
        for i in range(workers):
            cluster.start(f"worker-{i}", ["worker", "--poll", "0.2"], _home(root / f"worker{i}", demo), url)
        _wait(lambda: len([w for w in store.workers.list() if w.stopped_at is None]) == workers, 120,
              "the workers to poll")  # fmt: skip
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"{base}/v1", headers=headers, timeout=60) as client:
            file_id = client.post(
                "/files", files={"file": ("qa.jsonl", data)}, data={"purpose": "fine-tune"}
            ).json()["id"]
            start = time.perf_counter()
            ids = [
                client.post("/fine_tuning/jobs", json={"model": "demo", "training_file": file_id, "max_steps": steps,
                            "batch_size": 2, "fine_tuned_model_name": f"s{workers}-{i}"}).json()["id"]
                for i in range(jobs)
            ]  # fmt: skip

            def finished() -> bool:
                states = [store.jobs.get(job_id).status for job_id in ids]
                if any(s in ("failed", "cancelled") for s in states):
                    raise RuntimeError(f"a job did not succeed: {states} (logs in {root})")
                return all(s == "succeeded" for s in states)

            _wait(finished, 1800, f"{jobs} jobs")
            return time.perf_counter() - start


def chat_latencies(home: Path, store: str | None, tmp: Path, chats: int) -> list[float]:
    """Seconds per chat request (sequential, after a warm-up) to a replica on ``store``."""
    import openai
    from openai.types.chat import ChatCompletionUserMessageParam

    key = _register(home, store)
    with contextlib.ExitStack() as stack:
        base = Cluster(stack, tmp).serve(home, store)
        client = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0, timeout=120)
        messages = [ChatCompletionUserMessageParam(role="user", content="How do I reset my password?")]
        client.chat.completions.create(model="demo", messages=messages, max_tokens=8, temperature=0)
        times = []
        for _ in range(chats):
            start = time.perf_counter()
            client.chat.completions.create(model="demo", messages=messages, max_tokens=8, temperature=0)
            times.append(time.perf_counter() - start)
        return times


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every ``finally`` kills its processes and PostgreSQL."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> dict[str, float]:
    from fmscript.ai.demo_model import create_demo_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--chats", type=int, default=30)
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as folder, running_postgres() as server:
        tmp = Path(folder)
        demo = create_demo_model(tmp / "demo", seed=0)
        seconds = {n: throughput(server, demo, tmp, n, args.jobs, args.steps) for n in (1, 2)}
        with fresh_database(server) as url:
            on_pg = chat_latencies(_home(tmp / "chat-pg", demo), url, tmp, args.chats)
        on_sqlite = chat_latencies(_home(tmp / "chat-sqlite", demo), None, tmp, args.chats)
    per_hour = {n: args.jobs / s * 3600 for n, s in seconds.items()}
    for n in (1, 2):
        print(f"{n} worker{'s' if n > 1 else ''}: {args.jobs} jobs × {args.steps} steps in {seconds[n]:.1f} s "
              f"= {per_hour[n]:.0f} jobs/hour")  # fmt: skip
    print(f"2 workers / 1 worker: {per_hour[2] / per_hour[1]:.2f}× (os.cpu_count() = {os.cpu_count()})")
    for name, times in (("PostgreSQL", on_pg), ("SQLite", on_sqlite)):
        print(f"chat on {name:<10}: median {statistics.median(times) * 1000:.1f} ms "
              f"(p95 {_pct(times, 0.95) * 1000:.1f}) over {len(times)}")  # fmt: skip
    ratio = statistics.median(on_pg) / statistics.median(on_sqlite)
    print(f"chat latency PostgreSQL / SQLite: {ratio:.2f}×")
    return {
        "jobs_per_hour_1": per_hour[1],
        "jobs_per_hour_2": per_hour[2],
        "worker_speedup": per_hour[2] / per_hour[1],
        "chat_pg_median_ms": statistics.median(on_pg) * 1000,
        "chat_pg_p95_ms": _pct(on_pg, 0.95) * 1000,
        "chat_sqlite_median_ms": statistics.median(on_sqlite) * 1000,
        "chat_sqlite_p95_ms": _pct(on_sqlite, 0.95) * 1000,
        "chat_pg_ratio": ratio,
    }


if __name__ == "__main__":
    main()
