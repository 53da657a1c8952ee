"""A throw-away PostgreSQL without pytest (the tests' fixture and ``bench/scale_bench.py`` share it):
initdb + pg_ctl in a temporary folder on a free loopback port, as the ``postgres`` user when run as
root, stopped and removed when the block ends, however it ends."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

_COUNTER = itertools.count()


class PostgresUnavailable(Exception):
    """No PostgreSQL here (or it would not start): the message says why."""


def postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, /usr/local/bin, or Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    folders = [Path(found).parent] if found else []
    folders += [
        Path("/usr/local/bin"),
        *map(Path, sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)),
    ]
    for folder in folders:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:PORT`` of a server that lives as long as the block;
    :class:`PostgresUnavailable` without initdb/pg_ctl or when they fail."""
    folder_bin = postgres_bin()
    if folder_bin is None:
        raise PostgresUnavailable("PostgreSQL is not installed (no initdb/pg_ctl)")
    folder = Path(tempfile.mkdtemp(prefix="fmscript-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    try:
        done = _as_postgres([str(folder_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                             "-E", "UTF8", "--no-sync"], 120)  # fmt: skip
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        done = _as_postgres([str(folder_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                             str(folder / "log"), "-w", "-t", "60", "start"], 90)  # fmt: skip
        if done.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl start failed: {done.stderr.strip()[-300:]}")
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        if data.is_dir():
            _as_postgres(
                [str(folder_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"], 60
            )
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` for the block, dropped at its end."""
    import psycopg

    name = f"fmscript_{os.getpid()}_{next(_COUNTER)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
