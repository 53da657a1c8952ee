"""Bar 19-scale-out on one machine: a real PostgreSQL, two ``serve --store … --no-train`` replicas
and two ``worker --store …`` processes with separate FMSCRIPT_HOMEs; four jobs created through
replica A with the openai SDK; one worker killed with -9 mid-run; all four succeed (the killed
worker's job is retried by the other once its lease runs out); replica B lists the four models
and answers a chat with one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.postgres_fixture import postgres_server, postgres_url  # noqa: F401 (fixtures)
from tests.server.conftest import free_port, jsonl

pytestmark = pytest.mark.slow
LEASE_SECONDS = "4"


class Proc:
    def __init__(self, args: list[str], home: Path, url: str, log: Path) -> None:
        env = {**os.environ, "FMSCRIPT_HOME": str(home), "FMSCRIPT_STORE": url, "FMSCRIPT_PROGRESS": "0",
               "FMSCRIPT_LEASE_SECONDS": LEASE_SECONDS, "HF_HUB_OFFLINE": "1"}  # fmt: skip
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "fmscript", *args], env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _home(root: Path, name: str, demo_dir: Path) -> Path:
    home = root / name
    shutil.copytree(demo_dir, home / "base-models" / "demo")
    return home


def _wait(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def cluster(tmp_path: Path, demo_model: Path, postgres_url: str) -> Iterator[dict[str, object]]:  # noqa: F811
    from fmscript.ai.jobs import open_store
    from fmscript.ai.keys import open_keys

    homes = {name: _home(tmp_path, name, demo_model) for name in ("a", "b", "w1", "w2")}
    store = open_store(homes["a"], postgres_url)
    store.models.add_base("demo", homes["a"] / "base-models" / "demo")  # kept relative: each home's own copy
    store.close()
    key = open_keys(homes["a"], postgres_url).create("bar")
    procs: dict[str, Proc] = {}
    try:
        ports = {}
        for name in ("a", "b"):
            ports[name] = free_port()
            procs[name] = Proc(["serve", "--port", str(ports[name]), "--no-train", "--log-level", "warning"],
                               homes[name], postgres_url, tmp_path / f"{name}.log")  # fmt: skip
        for name in ("a", "b"):
            _wait(lambda n=name: _healthy(ports[n]), 60, f"replica {name}")
        for name in ("w1", "w2"):
            procs[name] = Proc(
                ["worker", "--poll", "0.2"], homes[name], postgres_url, tmp_path / f"{name}.log"
            )
        yield {"ports": ports, "key": key, "procs": procs, "url": postgres_url}
    finally:
        for proc in procs.values():
            proc.stop()


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_replicas_two_workers_one_killed(cluster: dict[str, object]) -> None:
    import openai

    from fmscript.ai.jobs import open_store

    ports, key, procs = cluster["ports"], str(cluster["key"]), cluster["procs"]
    assert isinstance(ports, dict) and isinstance(procs, dict)
    a = openai.OpenAI(base_url=f"http://127.0.0.1:{ports['a']}/v1", api_key=key, max_retries=0, timeout=60)
    uploaded = a.files.create(file=("qa.jsonl", jsonl().encode()), purpose="fine-tune")
    jobs = [
        a.fine_tuning.jobs.create(model="demo", training_file=uploaded.id,
                                  extra_body={"max_steps": 40, "batch_size": 2, "fine_tuned_model_name": f"bar-{i}"})
        for i in range(4)
    ]  # fmt: skip
    store = open_store(Path(os.environ.get("TMPDIR", "/tmp")) / "unused-home", str(cluster["url"]))

    def running_on_w1() -> str | None:
        for job in store.jobs.list(status="running"):
            if job.worker and job.worker.endswith(f":{procs['w1'].proc.pid}"):
                steps = [e for e in store.jobs.events(job.id) if e.data and "train_loss" in e.data]
                if steps:
                    return job.id
        return None

    victim = _wait(running_on_w1, 180, "worker 1 to train a job")
    os.kill(procs["w1"].proc.pid, signal.SIGKILL)  # mid-run
    procs["w1"].proc.wait()

    def all_done() -> bool:
        return all(
            a.fine_tuning.jobs.retrieve(j.id).status in ("succeeded", "failed", "cancelled") for j in jobs
        )

    _wait(all_done, 420, "the four jobs to end")
    final = [a.fine_tuning.jobs.retrieve(j.id) for j in jobs]
    assert [j.status for j in final] == ["succeeded"] * 4, [(j.id, j.status, j.error) for j in final]
    messages = [e.message for e in store.jobs.events(victim)]
    assert any("queued again" in m and "lease" in m for m in messages), messages
    assert store.jobs.get(victim).worker.endswith(f":{procs['w2'].proc.pid}")  # type: ignore[union-attr]

    b = openai.OpenAI(base_url=f"http://127.0.0.1:{ports['b']}/v1", api_key=key, max_retries=0, timeout=120)
    listed = {m.id for m in b.models.list()}
    assert {f"fm-mlx-bar-{i}" for i in range(4)} <= listed
    reply = b.chat.completions.create(
        model="fm-mlx-bar-0", messages=[{"role": "user", "content": "Hi"}], max_tokens=4
    )
    assert reply.choices[0].message.content is not None
    health = httpx.get(f"http://127.0.0.1:{ports['b']}/health").json()
    assert health["store"]["kind"] == "postgresql" and health["queue"]["queued"] == 0
    store.close()
