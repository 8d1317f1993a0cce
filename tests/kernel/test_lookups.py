"""``kernel.db.lookup``: a lookup engine pings no connection before using it, and a read
on a connection the server dropped (a restarted PostgreSQL) is read again on a new one."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import POSTGRES_URL
from xietong.kernel.db import create_lookup_engine, lookup


def _backend(connection: Connection) -> int:
    pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert isinstance(pid, int)
    return pid


def test_a_read_on_a_dropped_connection_is_read_again_on_a_new_one(
    postgres_schema_url: str,
) -> None:
    engine = create_lookup_engine(postgres_schema_url)
    try:
        dropped = lookup(engine, _backend)  # the pool keeps this connection
        with psycopg.connect(POSTGRES_URL) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (dropped,))
        tries: list[int] = []

        def read(connection: Connection) -> int:
            tries.append(1)
            return _backend(connection)

        answered = lookup(engine, read)
    finally:
        engine.dispose()
    assert len(tries) == 2, "the pooled connection was tried, found dropped, and replaced"
    assert answered != dropped


@pytest.mark.parametrize("url", ["sqlite", "postgresql"])
def test_a_failing_read_is_not_read_again(
    url: str, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    engine = create_lookup_engine(
        sqlite_url if url == "sqlite" else request.getfixturevalue("postgres_schema_url")
    )
    tries: list[int] = []

    def read(connection: Connection) -> object:
        tries.append(1)
        return connection.execute(text("SELECT * FROM no_such_table")).all()

    try:
        with pytest.raises(DBAPIError):
            lookup(engine, read)
    finally:
        engine.dispose()
    assert len(tries) == 1
