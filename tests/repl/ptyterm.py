"""A process in a pseudo-terminal, driven like a person at a keyboard (no pexpect needed)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")


def plain(raw: bytes) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return _ANSI.sub("", raw.decode("utf-8", "replace"))


def _take_tty() -> None:
    """In the child: a new session whose controlling terminal is the pty, so Ctrl-C (the byte
    0x03) reaches it as SIGINT while it is not reading keys itself, as in a real terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    def __init__(
        self, cmd: list[str], env: dict[str, str], cwd: str, rows: int = 40, cols: int = 120
    ) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            cmd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            close_fds=True,
            preexec_fn=_take_tty,
        )
        os.close(slave)
        self.raw = b""

    @property
    def text(self) -> str:
        return plain(self.raw)

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the process has gone and the pty is closed
                time.sleep(timeout)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def wait_for(self, needle: str, count: int = 1, timeout: float = 30.0) -> None:
        """Wait until ``needle`` has appeared ``count`` times in the (plain) output."""
        deadline = time.monotonic() + timeout
        while self.text.count(needle) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} x{count} not seen in:\n{self.text[-2000:]}")
            self._read(0.05)

    def wait_after(self, first: str, then: str, timeout: float = 30.0) -> None:
        """Wait until ``then`` has appeared after the last ``first`` (the prompt after an output)."""
        deadline = time.monotonic() + timeout
        while self.text.rfind(then) < self.text.rfind(first) or first not in self.text:
            if time.monotonic() > deadline:
                raise AssertionError(f"{then!r} not seen after {first!r} in:\n{self.text[-2000:]}")
            self._read(0.05)

    def settle(self, seconds: float = 0.3) -> None:
        """Read whatever arrives for a moment (lets the REPL finish drawing)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read(0.05)

    def wait_exit(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running; output:\n{self.text[-2000:]}")
            self._read(0.05)
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)
