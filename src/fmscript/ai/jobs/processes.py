"""Processes that own jobs on one machine: is a pid still the process it was, and the
``train.lock`` that keeps a home to one training at a time."""

from __future__ import annotations

import os
from pathlib import Path


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def process_start(pid: int) -> str | None:
    """The kernel's start time of a process (Linux), to tell a reused pid from the original."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_alive(pid: int | None, start: str | None = None) -> bool:
    """Whether ``pid`` still runs (and is the same process when its start time was recorded)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    fields = _proc_stat(pid)
    if not fields:
        return True
    if fields[0] in ("Z", "X"):
        return False
    return start is None or len(fields) <= 19 or fields[19] == start


class TrainingLock:
    """An exclusive ``fcntl`` lock on ``<home>/train.lock``: one training at a time, across processes.

    The kernel drops the lock when its process dies, so a killed trainer never blocks the next one.
    """

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "train.lock"
        self._fd: int | None = None

    def acquire(self, blocking: bool = False) -> bool:
        if self._fd is not None:
            return True
        try:
            import fcntl
        except ImportError:  # no fcntl (Windows): one process is all we can vouch for
            self._fd = -1
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None and self._fd >= 0:
            os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None
