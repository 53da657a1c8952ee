"""Session-wide test settings: no test reaches the real Hugging Face hub.

A hub id that is not local is downloaded on demand; unless a test points ``HF_ENDPOINT`` at its
loopback stand-in (tests/ai/hub_stub.py), the endpoint is a closed local port, so such a download
fails at once (connection refused) instead of going to the internet. And the suite leaves no
process behind (``no_process_left_behind``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

import pytest


def pytest_configure() -> None:
    os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
    os.environ.pop("HF_TOKEN", None)
    os.environ.pop("HUGGING_FACE_HUB_TOKEN", None)


# Helpers the Python runtime keeps for the life of the process (not a test's leftover).
_RUNTIME_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """The suite leaves no process behind: after the last test, any process started under this
    pytest that is still alive is killed and the run fails, naming it (tests/processes.py)."""
    yield
    from tests.processes import descendants

    def alive() -> list[tuple[int, str]]:
        return [p for p in descendants() if not any(h in p[1] for h in _RUNTIME_HELPERS)]

    deadline = time.monotonic() + 5  # a child being reaped right now
    left = alive()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = alive()
    for pid, _cmd in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    if left:
        pytest.fail("processes left running by the tests: " + "; ".join(f"{p} {c[:120]}" for p, c in left))
