"""Data-parallel training with mlx.distributed (issue 21 item 4): batches sharded by rank, the
ranks' environment as mlx.launch sets it, and ``fmscript worker --ranks-per-host 2`` on one
machine over loopback — the trained model's card says ``world_size`` 2, its adapter answers, rank 0
alone writes events; a rank killed mid-run fails the job with the reason and leaves no process."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from fmscript.ai.jobs.ranks import Rank, RankPlan, job_error, supervise
from fmscript.ai.jobs.records import Job, JobError
from tests.processes import descendants, spawned

from .conftest import QA

T = TypeVar("T")


class Group:
    """Stands in for an mlx.distributed group in the sharding test."""

    def __init__(self, rank: int, size: int) -> None:
        self._rank, self._size = rank, size

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size


def _rows(batches: Iterator[tuple[object, object]], n: int) -> list[list[tuple[int, ...]]]:
    out = []
    for _, (batch, _mask) in zip(range(n), batches, strict=False):
        out.append([tuple(int(t) for t in row if int(t)) for row in batch.tolist()])  # type: ignore[attr-defined]
    return out


def test_each_rank_gets_its_share_of_every_batch() -> None:
    pytest.importorskip("mlx")
    from fmscript.ai.engines.mlx_data import make_batches

    items = [([i + 1] * (3 + i % 5), [(1, 3 + i % 5)]) for i in range(12)]
    iterate = make_batches(None, shuffle_seed=7)
    whole = _rows(iterate(items, 4, 64, loop=True), 6)
    parts = [_rows(iterate(items, 4, 64, loop=True, comm_group=Group(r, 2)), 6) for r in range(2)]
    for step in range(6):
        assert len(parts[0][step]) == len(parts[1][step]) == 2
        assert sorted(parts[0][step] + parts[1][step]) == sorted(whole[step])  # disjoint, all of it
    with pytest.raises(ValueError, match="ranks without examples"):
        next(iterate(items, 2, 64, loop=True, comm_group=Group(0, 4)))


def test_ranks_environment_mirrors_mlx_launch() -> None:
    plan = RankPlan(("10.0.0.1", "10.0.0.2"), 2, "ring", 40000)
    assert plan.world_size == 4 and not plan.local
    assert plan.rank_hosts() == ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2"]
    assert plan.addresses() == ["10.0.0.1:40000", "10.0.0.1:40001", "10.0.0.2:40002", "10.0.0.2:40003"]
    assert plan.rank_env(3, plan.addresses()) == {"MLX_RANK": "3", "FMSCRIPT_PROGRESS": "0"}
    nccl = RankPlan(("10.0.0.1", "10.0.0.2"), 2, "nccl", 40000)
    env = nccl.rank_env(3, nccl.addresses())
    assert (env["MLX_WORLD_SIZE"], env["NCCL_HOST_IP"], env["NCCL_PORT"], env["CUDA_VISIBLE_DEVICES"]) == (
        "4", "10.0.0.1", "40000", "1",
    )  # fmt: skip
    local = RankPlan(("127.0.0.1",), 3)
    addresses = local.addresses()
    assert local.local and len({a.split(":")[1] for a in addresses}) == 3
    assert all(a.startswith("127.0.0.1:") for a in addresses)


def _wait(check: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _worker(home: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "fmscript", "worker", "--poll", "0.2", "--ranks-per-host", "2", *extra]


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FMSCRIPT_HOME": str(home),
        "FMSCRIPT_PROGRESS": "0",
        "FMSCRIPT_LEASE_SECONDS": "10",
    }


@pytest.mark.slow
def test_two_ranks_train_a_job_whose_card_says_world_size_2(demo_home: Path, train_file: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    service = LocalFineTuning(demo_home)
    params = {"max_steps": 30, "batch_size": 4, "fine_tuned_model_name": "two-ranks"}
    job = service.submit("demo", train_file, "qa.jsonl", params)
    service.release([job["id"]])
    log = demo_home.parent / "worker.log"
    with log.open("wb") as out, spawned(_worker(demo_home, "--max-jobs", "1"), env=_env(demo_home),
                                        stdout=out, stderr=out) as proc:  # fmt: skip
        proc.wait(240)
    assert proc.returncode == 0, log.read_text()
    done = service.store.jobs.get(job["id"])
    assert done.status == "succeeded", (done.error, log.read_text())
    card = json.loads((demo_home / "models" / "fm-mlx-two-ranks" / "card.json").read_text())
    assert card["world_size"] == 2 and card["steps"] == 30
    assert card["final_train_loss"] < card["initial_train_loss"]
    events = [e.message for e in service.store.jobs.events(job["id"])]
    assert sum(m.startswith("Estimated peak memory") for m in events) == 1, events  # rank 0 alone
    assert sum(m.startswith("Step 30/30: training loss") for m in events) == 1, events
    assert "2 ranks (ring)" in log.read_text()
    question = [{"role": "user", "content": QA[0][0]}]
    assert service.generate("fm-mlx-two-ranks", question, max_tokens=8) != service.generate(
        "demo", question, max_tokens=8
    )


@pytest.mark.slow
def test_a_rank_killed_mid_run_fails_the_job_and_no_rank_is_left(demo_home: Path, train_file: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    service = LocalFineTuning(demo_home)
    params = {"max_steps": 5000, "batch_size": 2, "fine_tuned_model_name": "crash"}
    job = service.submit("demo", train_file, "qa.jsonl", params)
    service.release([job["id"]])
    log = demo_home.parent / "worker.log"
    with (
        log.open("wb") as out,
        spawned(_worker(demo_home), env=_env(demo_home), stdout=out, stderr=out) as proc,
    ):

        def training() -> bool:
            return any(e.data and "train_loss" in e.data for e in service.store.jobs.events(job["id"]))

        _wait(training, 120, "the ranks to train")
        ranks = [pid for pid, cmd in descendants(proc.pid) if "fmscript.cli.rank" in cmd]
        assert len(ranks) == 2, descendants(proc.pid)
        rank1 = next(
            pid
            for pid in ranks
            if "MLX_RANK=1" in Path(f"/proc/{pid}/environ").read_text().replace("\0", " ")
        )
        os.kill(rank1, signal.SIGKILL)

        def ended() -> Job | None:
            found = service.store.jobs.get(job["id"])
            return found if found.terminal else None

        failed = _wait(ended, 60, "the job to fail")
        assert failed.status == "failed" and failed.error is not None, failed
        assert failed.error.code == "rank_failed", failed.error
        assert failed.error.message.startswith("rank 1 (127.0.0.1) was killed (signal 9)"), failed.error
        _wait(lambda: not [p for p, c in descendants(proc.pid) if "fmscript.cli.rank" in c], 20, "no rank")
        assert proc.poll() is None  # the worker goes on to the next job
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert not (demo_home / "models" / "fm-mlx-crash").exists()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _training_ranks(service: object, job_id: str, worker: int) -> list[int]:
    """The rank processes under ``worker`` once job ``job_id`` reports a (new) training step."""
    from fmscript.ai.service import LocalFineTuning

    assert isinstance(service, LocalFineTuning)
    seen = max((e.seq for e in service.store.jobs.events(job_id)), default=0)

    def training() -> bool:
        return any(e.data and "train_loss" in e.data for e in service.store.jobs.events(job_id, after=seen))

    _wait(training, 120, f"the ranks to train {job_id}")
    ranks = [pid for pid, cmd in descendants(worker) if "fmscript.cli.rank" in cmd]
    assert len(ranks) == 2, descendants(worker)
    return ranks


@pytest.mark.slow
def test_cancel_sigterm_and_the_workers_death_end_every_rank(demo_home: Path, train_file: Path) -> None:
    from fmscript.ai.service import LocalFineTuning

    service = LocalFineTuning(demo_home)
    params = {"max_steps": 5000, "batch_size": 2}
    first, second = (service.submit("demo", train_file, "qa.jsonl", params) for _ in range(2))
    service.release([first["id"], second["id"]])
    log = demo_home.parent / "worker.log"
    with (
        log.open("ab") as out,
        spawned(_worker(demo_home), env=_env(demo_home), stdout=out, stderr=out) as proc,
    ):
        ranks = _training_ranks(service, first["id"], proc.pid)
        service.store.jobs.request_cancel(first["id"])
        _wait(lambda: not any(map(_alive, ranks)), 20, "the cancelled job's ranks to end")
        assert service.store.jobs.get(first["id"]).status == "cancelled"

        ranks = _training_ranks(service, second["id"], proc.pid)  # the worker goes on
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
        assert not any(map(_alive, ranks))
        assert service.store.jobs.get(second["id"]).status == "queued"  # for another worker
    with (
        log.open("ab") as out,
        spawned(_worker(demo_home), env=_env(demo_home), stdout=out, stderr=out) as proc,
    ):
        ranks = _training_ranks(service, second["id"], proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the ranks notice their stdin closing
        _wait(lambda: not any(map(_alive, ranks)), 20, "the dead worker's ranks to end")


def _ranks(*scripts: str) -> list[Rank]:
    """Stand-in ranks: small Python programs that end as a rank would."""
    return [
        Rank(r, "127.0.0.1", [sys.executable, "-c", code], dict(os.environ)) for r, code in enumerate(scripts)
    ]


SLEEP = "import time; print('fmscript-rank-ready', flush=True); time.sleep(60)"


def test_rank_zero_alone_failing_keeps_the_jobs_error() -> None:
    error = {
        "code": "invalid_training_file",
        "message": "invalid training data",
        "param": None,
        "fm_error": 509,
    }
    failed = supervise(
        _ranks(f"print('fmscript-rank-failed ' + {json.dumps(error)!r}); raise SystemExit(1)", SLEEP),
        lambda: False,
    )
    assert isinstance(failed, list) and [r.rank for r in failed] == [0]
    assert job_error(failed) == JobError("invalid_training_file", "invalid training data", None, 509)
    assert all(r.proc.poll() is not None for r in failed)


def test_a_killed_rank_is_named_first_and_every_rank_is_stopped() -> None:
    lost = "import time; time.sleep(0.3); print('RuntimeError: [ring] connection to a peer was lost'); raise SystemExit(1)"
    ranks = _ranks(lost, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", SLEEP)
    failed = supervise(ranks, lambda: False)
    assert isinstance(failed, list)
    error = job_error(failed)
    assert error.code == "rank_failed"
    assert error.message == (
        "rank 1 (127.0.0.1) was killed (signal 9); "
        "rank 0 (127.0.0.1) exited with code 1: RuntimeError: [ring] connection to a peer was lost"
    )
    assert all(r.proc.poll() is not None for r in ranks)  # rank 2 (still running) was stopped


def test_ranks_that_never_connect_fail_and_a_cancel_stops_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import fmscript.ai.jobs.ranks as ranks_module

    monkeypatch.setattr(ranks_module, "CONNECT_SECONDS", 0.5)
    quiet = "import time; print('still loading', flush=True); time.sleep(60)"
    ranks = _ranks(SLEEP, quiet)
    reason = supervise(ranks, lambda: False)
    assert reason == "ranks 1 did not connect within 0.5 s (rank 1: still loading)"
    assert all(r.proc.poll() is not None for r in ranks)
    ranks = _ranks(SLEEP, SLEEP)
    assert supervise(ranks, lambda: True) is None  # the job was cancelled
    assert all(r.proc.poll() is not None for r in ranks)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hosts", "10.9.9.1,10.9.9.2"], "ranks on other hosts need a store every host reaches"),
        (["--hosts", ","], "--hosts names no host"),
        (
            ["--hosts", "no-such-host.invalid", "--store", "postgresql://x@127.0.0.1:1/db"],
            "cannot resolve no-such-host.invalid",
        ),
        (["--ranks-per-host", "0"], "1<=x<=1024"),
        # Issue 22: 10^9 ranks would fork until the machine stops; NaN / 1e308 polls were tracebacks.
        (["--ranks-per-host", "1000000000"], "1<=x<=1024"),
        (["--port", "65535", "--ranks-per-host", "4"], "4 ranks need ports past 65535"),
        (["--poll", "nan"], "--poll must be a number of seconds"),
        (["--poll", "1e308"], "0.05<=x<=3600"),
    ],
)
def test_worker_rank_options_are_checked_before_anything_starts(
    home: Path, args: list[str], message: str
) -> None:
    from click.testing import CliRunner

    from fmscript.cli import cli

    result = CliRunner().invoke(cli, ["worker", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_silent_rank_zero_is_a_stall_and_its_heartbeats_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    import fmscript.ai.jobs.ranks as ranks_module

    monkeypatch.setattr(ranks_module, "STALL_SECONDS", 0.8)
    ranks = _ranks(SLEEP, SLEEP)
    assert supervise(ranks, lambda: False) == (
        "rank 0 made no progress in 0.8 s (a rank hangs, or the network between the hosts is cut)"
    )
    assert all(r.proc.poll() is not None for r in ranks)
    beating = "import time\nprint('fmscript-rank-ready', flush=True)\nfor _ in range(15):\n"
    beating += "    print('fmscript-rank-alive', flush=True); time.sleep(0.1)"
    assert supervise(_ranks(beating, "print('fmscript-rank-ready')"), lambda: False) is None
