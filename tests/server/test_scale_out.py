"""Bar 19-scale-out on one machine: a real PostgreSQL, two ``serve --store … --no-train`` replicas
and two ``worker --store …`` processes with separate FMSCRIPT_HOMEs; four jobs created through
replica A with the openai SDK; one worker killed with -9 mid-run; all four succeed (the killed
worker's job is retried by the other once its lease runs out); replica B lists the four models
and answers a chat with one. And a worker with ``--ranks-per-host 2`` (or two "hosts", the second
reached through a stand-in ``ssh`` that runs the rank here in a home of its own) trains a job
whose model card says ``"world_size": 2``."""

from __future__ import annotations

import json
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
    def __init__(
        self, args: list[str], home: Path, url: str, log: Path, extra: dict[str, str] | None = None
    ) -> None:
        env = {**os.environ, "FMSCRIPT_HOME": str(home), "FMSCRIPT_STORE": url, "FMSCRIPT_PROGRESS": "0",
               "FMSCRIPT_LEASE_SECONDS": LEASE_SECONDS, "HF_HUB_OFFLINE": "1", **(extra or {})}  # fmt: skip
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


FAKE_SSH = """#!/bin/sh
# ssh [-o OPTION]... HOST SCRIPT, run on this machine in the other "machine"'s home
while [ "$1" = "-o" ]; do shift 2; done
shift
exec env FMSCRIPT_HOME="$REMOTE_HOME" /bin/bash -c "$1"
"""


def _two_free_ports() -> int:
    """A port p with p + 1 free too (the two ranks' ring ports on 127.0.0.1 and 127.0.0.2)."""
    import socket

    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two consecutive free ports")


@pytest.mark.parametrize("hosts", ["local", "ssh"])
def test_a_worker_with_two_ranks_trains_a_model_whose_card_says_world_size_2(
    tmp_path: Path,
    demo_model: Path,
    postgres_url: str,  # noqa: F811
    hosts: str,
) -> None:
    import attrs

    from fmscript.ai.service import LocalFineTuning
    from fmscript.settings import Settings

    homes = {name: _home(tmp_path, name, demo_model) for name in ("a", "w", "r")}
    service = LocalFineTuning(homes["a"], attrs.evolve(Settings.from_env(), store=postgres_url))
    service.store.models.add_base("demo", homes["a"] / "base-models" / "demo")
    (tmp_path / "qa.jsonl").write_text(jsonl(), encoding="utf-8")
    params = {"max_steps": 20, "batch_size": 2, "fine_tuned_model_name": "ranks"}
    job = service.submit("demo", tmp_path / "qa.jsonl", "qa.jsonl", params)
    service.release([job["id"]])
    ssh = tmp_path / "bin" / "ssh"
    ssh.parent.mkdir()
    ssh.write_text(FAKE_SSH)
    ssh.chmod(0o755)
    extra = {"PATH": f"{ssh.parent}:{os.environ['PATH']}", "REMOTE_HOME": str(homes["r"])}
    ranks = ["--ranks-per-host", "2"]
    if hosts == "ssh":
        ranks = ["--hosts", "127.0.0.1,127.0.0.2", "--port", str(_two_free_ports())]
    worker = Proc(["worker", "--poll", "0.2", "--max-jobs", "1", *ranks], homes["w"], postgres_url,
                  tmp_path / "w.log", extra)  # fmt: skip
    try:
        assert worker.proc.wait(240) == 0, (tmp_path / "w.log").read_text()
    finally:
        worker.stop()
    done = service.store.jobs.get(job["id"])
    assert done.status == "succeeded", (done.error, (tmp_path / "w.log").read_text())
    assert done.result is not None and done.result.world_size == 2
    assert "2 ranks (ring)" in (tmp_path / "w.log").read_text()
    # the "other machine"'s rank fetched the training file from the store into its own home
    assert bool(list((homes["r"] / "files").glob("*"))) == (hosts == "ssh")
    question = [{"role": "user", "content": "How do I fix problem 0?"}]
    assert service.generate("fm-mlx-ranks", question, max_tokens=4)  # home a fetched the adapter
    card = json.loads((homes["a"] / "models" / "fm-mlx-ranks" / "card.json").read_text())
    assert card["world_size"] == 2
    service.close()
