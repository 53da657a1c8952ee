"""Run many cases: in this process (``-j 1``) or in long-lived worker processes, each running one
case after another (a process start-up per worker, not per case).

Workers are forked on Linux after the run path is imported, so they start warm (spawned where
fork is unsafe). A case that
outlives its timeout is stopped inside the worker (``runner.CaseTimeout``); a worker stuck beyond
that (a long C call) is killed and replaced, and its case fails as timed out.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING

import attrs

from fmscript.cli.testing.cases import Case
from fmscript.cli.testing.runner import Result, RunnerOptions, run_case

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, SpawnContext
    from multiprocessing.process import BaseProcess

GRACE = 5.0  # seconds past a case's own timeout before its worker is killed


def run_cases(
    cases: Sequence[Case],
    options: RunnerOptions,
    jobs: int = 1,
    stop_first: bool = False,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Results in the order of ``cases`` (with ``stop_first``: those that ran before the first
    failure was seen)."""
    if jobs <= 1 or len(cases) <= 1:
        return _in_process(cases, options, stop_first, on_result)
    return _Pool(options, min(jobs, len(cases)), stop_first, on_result).run(cases)


def _in_process(
    cases: Sequence[Case],
    options: RunnerOptions,
    stop_first: bool,
    on_result: Callable[[Result], None] | None,
) -> list[Result]:
    results = []
    for case in cases:
        result = _safe_run(case, options)
        results.append(result)
        if on_result is not None:
            on_result(result)
        if stop_first and result.status == "failed":
            break
    return results


def _safe_run(case: Case, options: RunnerOptions) -> Result:
    try:
        return run_case(case, options)
    except Exception as exc:  # noqa: BLE001 - a bug of the runner fails this case, not the run
        return Result(case.id, "failed", f"internal error in the test runner: {type(exc).__name__}: {exc}")


def _worker(conn: Connection, options: RunnerOptions) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        index, case = item
        conn.send((index, _safe_run(case, options)))


@attrs.define
class _Worker:
    process: BaseProcess
    conn: Connection
    job: tuple[int, Case, float] | None = None  # (index, case, deadline)


class _Pool:
    def __init__(
        self, options: RunnerOptions, size: int, stop_first: bool, on_result: Callable[[Result], None] | None
    ) -> None:
        self.options = options
        self.size = size
        self.stop_first = stop_first
        self.on_result = on_result
        self.context = _context()
        self.results: dict[int, Result] = {}
        self.stopped = False

    def run(self, cases: Sequence[Case]) -> list[Result]:
        _warm_up()
        pending = deque(enumerate(cases))
        workers = [self._start() for _ in range(self.size)]
        try:
            for worker in workers:
                self._give(worker, pending)
            while any(w.job for w in workers):
                self._collect(workers, pending)
        finally:
            for worker in workers:
                self._stop(worker)
        return [self.results[i] for i in sorted(self.results)]

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(child, self.options), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _give(self, worker: _Worker, pending: deque[tuple[int, Case]]) -> None:
        if self.stopped or not pending:
            worker.job = None
            return
        index, case = pending.popleft()
        worker.job = (index, case, time.monotonic() + case.timeout + GRACE)
        worker.conn.send((index, case))

    def _collect(self, workers: list[_Worker], pending: deque[tuple[int, Case]]) -> None:
        busy = [w for w in workers if w.job]
        timeout = max(0.0, min(w.job[2] for w in busy if w.job) - time.monotonic())
        ready = wait([w.conn for w in busy], timeout)
        for worker in busy:
            assert worker.job is not None
            index, case, deadline = worker.job
            if worker.conn in ready:
                try:
                    _, result = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(1)
                    code = worker.process.exitcode
                    result = Result(case.id, "failed", f"the worker running it died (exit code {code})")
                    worker = self._replace(worker, workers)
            elif time.monotonic() >= deadline:
                result = Result(
                    case.id, "failed", f"timed out after {case.timeout:g} s (the worker was killed)"
                )
                worker = self._replace(worker, workers)
            else:
                continue
            self._record(index, result)
            self._give(worker, pending)

    def _replace(self, worker: _Worker, workers: list[_Worker]) -> _Worker:
        self._stop(worker, kill=True)
        fresh = workers[workers.index(worker)] = self._start()
        return fresh

    def _record(self, index: int, result: Result) -> None:
        self.results[index] = result
        if self.on_result is not None:
            self.on_result(result)
        if self.stop_first and result.status == "failed":
            self.stopped = True

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if not kill and worker.process.is_alive() and worker.job is None:
            try:
                worker.conn.send(None)
                worker.process.join(2)
            except OSError:
                pass
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(2)
        worker.conn.close()


def _context() -> ForkContext | SpawnContext:
    # fork shares the imported run path with the workers. It is safe only in a process with one
    # thread (a lock another thread holds would stay locked in the child); elsewhere, and on
    # macOS and Windows, spawn.
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _warm_up() -> None:
    # Import the run path once in the parent: forked workers inherit it instead of each importing.
    import fmscript.cli.fast_run  # noqa: F401
    import fmscript.runtime.session  # noqa: F401
