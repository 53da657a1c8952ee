"""Issue 22 item 22: test children get default signal handlers and are killed on every exit path;
the session fixture (tests/conftest.py) sees any process left behind."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests import processes

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]

# A parent that ignores SIGINT (as a shell does for background jobs) starts a child through
# tests.processes.spawn; the child reports whether SIGINT is still ignored.
_IGNORING_PARENT = f"""
import signal, subprocess, sys
sys.path.insert(0, {str(ROOT)!r})
signal.signal(signal.SIGINT, signal.SIG_IGN)
from tests.processes import spawn
child = spawn([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"],
              stdout=subprocess.PIPE, text=True)
print(child.communicate(timeout=60)[0].strip())
"""


def test_children_get_the_default_sigint_even_when_the_parent_ignores_it() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _IGNORING_PARENT], capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "False", out.stderr


def test_a_timed_out_child_is_killed_with_its_own_children() -> None:
    grandparent = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); time.sleep(600)"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        processes.run([sys.executable, "-c", grandparent], timeout=2)
    deadline = time.monotonic() + 10
    while processes.descendants() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes.descendants() == []


def test_descendants_sees_a_live_child_and_spawned_kills_it() -> None:
    with processes.spawned([sys.executable, "-c", "import time; time.sleep(600)"]) as proc:
        assert proc.pid in [pid for pid, _cmd in processes.descendants()]
    assert proc.returncode is not None
    assert proc.pid not in [pid for pid, _cmd in processes.descendants()]
