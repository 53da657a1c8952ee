"""A real PostgreSQL for the tests (:mod:`tests.postgres_server`: initdb + pg_ctl on a free loopback
port, as the ``postgres`` user when the tests run as root), once per session, stopped at the end.
Without PostgreSQL (or psycopg) the tests that need it are skipped, saying why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_server import PostgresUnavailable, fresh_database, running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:PORT`` of a server that lives as long as the session."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'fmscript[postgres]')")
    try:
        server = running_postgres()
        url = server.__enter__()
    except PostgresUnavailable as exc:
        pytest.skip(f"{exc}: the PostgreSQL store tests are skipped")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's server for one test."""
    with fresh_database(postgres_server) as url:
        yield url
