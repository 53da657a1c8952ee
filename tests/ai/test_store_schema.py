"""The store's schema: migrations from the release before them, names chosen atomically across
processes, and one event sequence per job."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from fmscript.ai.jobs import SQLiteStore
from fmscript.ai.jobs.migrations import MIGRATIONS

V0_HOME = Path(__file__).parent / "data" / "store-v0" / "home"


def test_a_store_made_by_the_release_before_migrations_opens(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(V0_HOME, home)  # another folder than it was made in: paths must follow
    before = sqlite3.connect(home / "jobs.sqlite")
    assert before.execute("PRAGMA user_version").fetchone() == (0,)
    assert before.execute("SELECT COUNT(*) FROM job_meta").fetchone() == (1,)
    before.close()

    store = SQLiteStore(home)
    assert store.db.version() == len(MIGRATIONS) >= 2
    succeeded, failed, queued = sorted(store.jobs.list(), key=lambda j: j.created_at)
    assert (succeeded.status, failed.status, queued.status) == ("succeeded", "failed", "queued")
    assert succeeded.fine_tuned_model == "fm-mlx-old" and succeeded.trained_tokens == 40
    assert succeeded.result is not None and succeeded.result.final_train_loss == 0.5
    assert succeeded.request.metadata == {"team": "a"} and succeeded.request.n_epochs() == 2
    assert failed.error is not None and (failed.error.code, failed.error.fm_error) == (
        "invalid_parameter",
        11,
    )
    # events: numbered per job, in the order they were written
    events = store.jobs.events(succeeded.id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.data["step"] for e in events if e.data] == [1, 2]
    assert events[-1].message == "Fine-tuning succeeded: fm-mlx-old"
    # the home's own paths are relative now: the copy's file and model are found
    (file,) = store.files.list()
    assert (
        Path(file.path) == home / "files" / f"{file.id}.jsonl"
        and Path(file.path).read_text().count("\n") == 3
    )
    model = store.models.get("fm-mlx-old")
    assert (model.kind, Path(model.path), model.exists) == (
        "fine-tuned",
        home / "models" / "fm-mlx-old",
        True,
    )
    assert store.models.resolve_base("demo-base").name == "demo-base"
    assert store.remote.get("ftjob-abc").status == "running"
    # new events continue each job's sequence
    store.jobs.add_event(succeeded.id, "info", "after the upgrade")
    assert store.jobs.events(succeeded.id)[-1].seq == len(events) + 1
    store.close()
    tables = {r[0] for r in sqlite3.connect(home / "jobs.sqlite").execute("SELECT name FROM sqlite_master")}
    assert "job_meta" not in tables  # no side tables: new fields are columns
    again = SQLiteStore(home)  # opening an up-to-date store changes nothing
    assert again.db.version() == len(MIGRATIONS) and len(again.jobs.list()) == 3
    again.close()


CREATE = """
import sys
from fmscript.ai.jobs import open_store
store = open_store(sys.argv[1])
for _ in range(int(sys.argv[2])):
    job = store.jobs.create("demo", "f", "t.jsonl", {}, fine_tuned_model="fm-mlx-20261206-101010",
                            name_given=False, status="queued")
    print(job.fine_tuned_model, job.params["fine_tuned_model_name"])
"""


def test_default_names_are_unique_across_processes(home: Path) -> None:
    SQLiteStore(home).close()
    (home / "models" / "fm-mlx-20261206-101010").mkdir()  # a folder takes a name too
    procs = [
        subprocess.Popen([sys.executable, "-c", CREATE, str(home), "6"], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    lines = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0
            lines += out.split("\n")[:-1]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    names = [line.split()[0] for line in lines]
    assert len(names) == 24 and len(set(names)) == 24
    assert "fm-mlx-20261206-101010" not in names
    assert all(line.split()[0] == "fm-mlx-" + line.split()[1] for line in lines)  # params agree


def test_a_given_name_is_kept(home: Path) -> None:
    store = SQLiteStore(home)
    first = store.jobs.create("demo", "f", "t.jsonl", {}, fine_tuned_model="fm-mlx-mine", status="queued")
    second = store.jobs.create("demo", "f", "t.jsonl", {}, fine_tuned_model="fm-mlx-mine", status="queued")
    assert first.fine_tuned_model == second.fine_tuned_model == "fm-mlx-mine" and second.name_given
    store.close()


def test_events_keep_one_sequence_per_job_under_concurrent_writers(home: Path) -> None:
    store = SQLiteStore(home)
    jobs = [store.jobs.create("demo", "f", "t.jsonl", {}, status="queued") for _ in range(2)]

    def write(job_id: str, tag: str) -> None:
        for i in range(40):
            store.jobs.add_event(job_id, "info", f"{tag} {i}")

    threads = [threading.Thread(target=write, args=(j.id, t)) for j in jobs for t in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for job in jobs:
        events = store.jobs.events(job.id)
        assert [e.seq for e in events] == list(range(1, 82))  # "Created" + 2 × 40
        for tag in "ab":  # each writer's events in the order it wrote them
            mine = [int(e.message.split()[1]) for e in events if e.message.startswith(tag + " ")]
            assert mine == list(range(40))
        assert len({e.id for e in events}) == 81
    store.close()
