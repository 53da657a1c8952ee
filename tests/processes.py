"""Child processes in tests: started with default signal handlers, killed on every exit path.

A shell that ignores SIGINT in background jobs (``make test &``, some CI runners) passes SIG_IGN
down to every child, so a test that stops a training child with Ctrl-C would leave it training
for ever. :func:`spawn` restores the default handlers in the child and puts it in a process group
of its own; :func:`spawned` and :func:`run` kill that whole group (the child and whatever it
started) however the test ends — success, failure or timeout. ``tests/conftest.py`` fails the
run when any process started under pytest is still alive at its end (:func:`descendants`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

_DEFAULTS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGPIPE)


def default_signals() -> None:
    """In the child, before exec: every stop signal back to its default action."""
    for sig in _DEFAULTS:
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def spawn(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` with default signal handlers, in a new process group (session)."""
    kwargs.setdefault("start_new_session", True)
    return subprocess.Popen(list(args), preexec_fn=default_signals, **kwargs)  # noqa: PLW1509


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the child's process group (the child and its own children), then reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


@contextlib.contextmanager
def spawned(args: Sequence[str], **kwargs: Any) -> Iterator[subprocess.Popen[Any]]:
    """:func:`spawn`, and the whole group killed when the block ends, however it ends."""
    proc = spawn(args, **kwargs)
    try:
        yield proc
    finally:
        kill_group(proc)


def run(
    args: Sequence[str], *, timeout: float, input: bytes | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` through :func:`spawn`: on a timeout the whole group is killed (not only
    the child) before ``TimeoutExpired`` is raised."""
    with spawned(args, **kwargs) as proc:
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def descendants(pid: int | None = None) -> list[tuple[int, str]]:
    """(pid, command line) of every live process below ``pid`` (default: this one), from /proc."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":  # a zombie is dead already; its parent reaps it
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[tuple[int, str]] = []
    todo = list(children.get(root, []))
    while todo:
        child = todo.pop()
        try:
            cmd = (
                (Path("/proc") / str(child) / "cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode("utf-8", "replace")
            )
        except OSError:
            continue
        found.append((child, cmd.strip()))
        todo.extend(children.get(child, []))
    return found
