"""The job store's behaviour, the same on both stores: SQLite (one machine) and PostgreSQL (many).
The PostgreSQL runs start a real server (tests/postgres_fixture.py) and skip, saying why, without one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from fmscript.ai.jobs import open_store
from fmscript.ai.jobs.interface import Store
from fmscript.ai.keys import open_keys
from fmscript.errors import ScriptRuntimeError
from tests.postgres_fixture import postgres_server, postgres_url  # noqa: F401 (fixtures)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str:
    return "" if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def _open(home: Path, url: str) -> Store:
    return open_store(home, url or None)


def test_files_jobs_events_and_names(home: Path, train_file: Path, store_url: str) -> None:
    store = _open(home, store_url)
    file = store.files.create(train_file, "qa.jsonl")
    assert store.files.local_path(file.id).read_bytes() == train_file.read_bytes()
    job = store.jobs.create("demo", file.id, "qa.jsonl", {"max_steps": 3}, fine_tuned_model="fm-mlx-x",
                            name_given=False, status="queued", n_examples=12)  # fmt: skip
    again = store.jobs.create("demo", file.id, "qa.jsonl", {}, fine_tuned_model="fm-mlx-x", name_given=False)
    assert (job.fine_tuned_model, again.fine_tuned_model) == ("fm-mlx-x", "fm-mlx-x-2")
    assert [j.id for j in store.jobs.list()] == [again.id, job.id]
    store.jobs.add_event(job.id, "info", "Step 1/3", {"step": 1, "train_loss": 2.0, "total_steps": 3})
    events = store.jobs.events(job.id)
    assert [e.seq for e in events] == [1, 2] and events[-1].data == {
        "step": 1,
        "train_loss": 2.0,
        "total_steps": 3,
    }
    assert store.jobs.request_cancel(job.id).status == "cancelled"
    with pytest.raises(ScriptRuntimeError):
        store.jobs.get("fm-ftjob-1")
    store.close()


CREATE = """
import sys
from fmscript.ai.jobs import open_store
store = open_store(sys.argv[1], sys.argv[3] or None)
for _ in range(int(sys.argv[2])):
    print(store.jobs.create("demo", "f", "t.jsonl", {}, fine_tuned_model="fm-mlx-day", name_given=False).fine_tuned_model)
"""


def test_default_names_are_unique_across_processes(home: Path, store_url: str) -> None:
    _open(home, store_url).close()
    procs = [subprocess.Popen([sys.executable, "-c", CREATE, str(home / f"h{i}"), "5", store_url],
                              stdout=subprocess.PIPE, text=True) for i in range(3)]  # fmt: skip
    names: list[str] = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=90)
            assert proc.returncode == 0
            names += out.split()
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    if not store_url:  # SQLite: each home is its own store
        assert len(names) == 15
        return
    assert len(names) == 15 and len(set(names)) == 15


def test_claims_leases_and_one_retry(home: Path, store_url: str) -> None:
    store = _open(home, store_url)
    first = store.jobs.create("demo", "f", "t.jsonl", {}, status="queued")
    second = store.jobs.create("demo", "f", "t.jsonl", {}, status="queued")
    mine = store.jobs.create("demo", "f", "t.jsonl", {}, status="queued")  # owned by this process
    for job in (first, second):
        store.jobs.release(job.id)
    a = store.jobs.claim_next("host-a:1", lease_ms=60_000)
    b = store.jobs.claim_next("host-b:2", lease_ms=-1)  # a lease that has run out at once
    assert a is not None and b is not None and (a.id, b.id) == (first.id, second.id)  # oldest first
    assert store.jobs.claim_next("host-c:3") is None  # nothing left that nobody owns
    assert store.jobs.get(mine.id).status == "queued"
    assert store.jobs.heartbeat(a.id) is False  # renewed; no cancel
    assert store.jobs.expire_leases() == [b.id]
    assert (store.jobs.get(a.id).status, store.jobs.get(b.id).status) == ("running", "queued")
    again = store.jobs.claim_next("host-c:3", lease_ms=-1)  # the second try dies too
    assert again is not None and again.id == b.id
    assert store.jobs.expire_leases() == [b.id]
    failed = store.jobs.get(b.id)
    assert failed.status == "failed" and failed.error is not None and "twice" in failed.error.message
    messages = [e.message for e in store.jobs.events(b.id)]
    assert [m for m in messages if m.startswith("Fine-tuning started")] == [
        "Fine-tuning started on worker host-b:2 (attempt 1)", "Fine-tuning started on worker host-c:3 (attempt 2)"
    ]  # fmt: skip
    assert any("queued again" in m for m in messages) and messages[-1].startswith("Job failed")
    store.jobs.request_cancel(a.id)
    assert store.jobs.heartbeat(a.id) is True  # the cancel reaches the worker
    store.close()


def test_files_and_adapters_travel_through_the_store(
    tmp_path: Path, train_file: Path, store_url: str
) -> None:
    if not store_url:
        pytest.skip("a SQLite store is one machine's: nothing travels")
    one, two = _open(tmp_path / "one", store_url), _open(tmp_path / "two", store_url)
    file = one.files.create(train_file, "qa.jsonl")
    assert two.files.local_path(file.id).read_bytes() == train_file.read_bytes()  # fetched into home two
    adapter = tmp_path / "one" / "models" / "fm-mlx-a"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapters.safetensors").write_bytes(b"w" * 3_000_000)  # more than one chunk
    (adapter / "card.json").write_text('{"name": "fm-mlx-a", "base_model": "demo"}')
    one.models.add_fine_tuned("fm-mlx-a", adapter, "demo", "fm-ftjob-1")
    assert [m.name for m in two.models.list() if m.kind == "fine-tuned"] == ["fm-mlx-a"]
    folder = two.models.fetch("fm-mlx-a")
    assert folder == tmp_path / "two" / "models" / "fm-mlx-a"
    assert (folder / "adapters.safetensors").read_bytes() == b"w" * 3_000_000
    one.models.remove("fm-mlx-a")
    assert two.models.find("fm-mlx-a") is None
    one.close()
    two.close()


def test_keys_are_shared(tmp_path: Path, store_url: str) -> None:
    keys = open_keys(tmp_path / "one", store_url)
    key = keys.create("me")
    other = open_keys(tmp_path / "two" if store_url else tmp_path / "one", store_url)
    assert other.verify(key) == "me" and other.verify(key + "x") is None
    assert [k["name"] for k in other.entries()] == ["me"]
    keys.revoke("me")
    assert other.verify(key) is None


def test_migrations_ran(home: Path, store_url: str) -> None:
    store = _open(home, store_url)
    assert store.db.version() >= 1  # type: ignore[attr-defined]
    store.close()
    assert _open(home, store_url).db.version() >= 1  # type: ignore[attr-defined]
    time.sleep(0)
