"""The server's training queue: one job at a time, each in a child process.

Every queued job in the store that no live process owns (jobs the server created, jobs that
``fmscript run --no-wait`` released) is trained, oldest first, by ``python -m
fmscript.server.queue JOB_ID`` — a child process, so training never holds the server's event loop
or its interpreter lock, and mlx never shares a process with chat generation. The job store's
``train.lock`` still keeps it to one training per home, whoever trains.

A restart finds the queued jobs again (they live in the store). A job being trained when the
server stops is queued again (it starts over); one whose trainer died (the server was killed, the
child crashed) is failed with the reason by the store's dead-process check.
The child exits when the server process is gone, so it never trains on unattended.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import attrs

from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.records import JobError
from fmscript.ai.jobs.store import open_store

log = logging.getLogger("fmscript.server")


class TrainingQueue:
    def __init__(self, home: Path, poll: float = 0.5, store_url: str = "") -> None:
        self.home = home
        self.store_url = store_url
        self.poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._store: Store | None = None
        self.current: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._store = open_store(self.home, self.store_url)
            self._thread = threading.Thread(target=self._loop, name="fmscript-training-queue", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """A job was queued: look now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop training: a job the child was training goes back to the queue (it starts over at
        the next start), unlike a crash, which fails it."""
        self._stop.set()
        self._wake.set()
        child, job_id = self._child, self.current
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._store is not None:
            # Not a newly opened store: opening one fails every job of a dead process, this one included.
            if job_id is not None:
                self._store.jobs.requeue(job_id, "the server stopped while training it")
            self._store.close()
            self._store = None

    @staticmethod
    def next_job(store: Store) -> str | None:
        """The oldest queued job nobody alive owns."""
        store.jobs.reap_dead()
        for job in reversed(store.jobs.list(status="queued")):
            if job.pid is None or job.pid == os.getpid():
                return job.id
        return None

    def _loop(self) -> None:
        store = self._store
        assert store is not None
        while not self._stop.is_set():
            job_id = self.next_job(store)
            if job_id is None:
                self._wake.wait(self.poll)
                self._wake.clear()
                continue
            self._train(store, job_id)

    def _train(self, store: Store, job_id: str) -> None:
        self.current = job_id
        log.info("job %s: running (trained by a child of this server)", job_id)
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "fmscript.server.queue", job_id, str(os.getpid()), str(self.home)],
                stdin=subprocess.PIPE,  # the store URL (it may hold a password: not on the command line)
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _, err = self._child.communicate((self.store_url + "\n").encode())
            code = self._child.returncode
        finally:
            self._child = None
            self.current = None
        if self._stop.is_set():
            return
        log.info("job %s: %s", job_id, store.jobs.get(job_id).status)
        if code != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            reason = f"the trainer process exited with code {code}" + (f": {tail[0]}" if tail[0] else "")
            # Before it claimed the job (it is still queued) or after it died mid-run.
            error = JobError("trainer_exited", reason)
            store.jobs.set_status(job_id, "failed", error=error, expect=("queued", "running"))
            store.jobs.reap_dead()
        time.sleep(0)  # let a stop request in


def _watch_parent(parent: int) -> None:
    """End this trainer when the server that started it is gone (killed with -9 included)."""
    while True:
        if os.getppid() != parent:
            os._exit(3)
        time.sleep(0.5)


def main(argv: list[str]) -> int:
    """``python -m fmscript.server.queue JOB_ID SERVER_PID HOME``: train one job (the server's child)."""
    job_id, parent, home = argv[0], int(argv[1]), Path(argv[2])
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from fmscript.ai.jobs.worker import run_job
    from fmscript.settings import Settings

    settings = Settings.from_env()
    url = sys.stdin.readline().strip()  # the server's store, which may differ from FMSCRIPT_STORE
    settings = attrs.evolve(settings, store=url) if url else settings
    store = open_store(home, settings.store)
    # no progress display: the events are the progress (a hub download's included)
    job = run_job(store, job_id, settings=settings)
    return 0 if job.terminal else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
